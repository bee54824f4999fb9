// Moved to aegis/crypto/errors.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/crypto/errors.h"  // IWYU pragma: export
