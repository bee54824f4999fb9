// Moved to aegis/kek/kms.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/kek/kms.h"  // IWYU pragma: export
