// Moved to aegis/store/audit_checkpoint.h; this path forwards there until 0.2.
#pragma once
#include "aegis/store/audit_checkpoint.h"  // IWYU pragma: export
