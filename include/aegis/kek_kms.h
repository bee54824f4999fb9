// Moved to aegis/kek/kms.h; this path forwards there until 0.2.
#pragma once
#include "aegis/kek/kms.h"  // IWYU pragma: export
