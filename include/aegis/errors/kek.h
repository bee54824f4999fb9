// Moved to aegis/kek/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/kek/errors.h"  // IWYU pragma: export
