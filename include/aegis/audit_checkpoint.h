// Moved to aegis/store/audit_checkpoint.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/store/audit_checkpoint.h"  // IWYU pragma: export
