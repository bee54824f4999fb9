// Moved to aegis/crypto/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/crypto/errors.h"  // IWYU pragma: export
