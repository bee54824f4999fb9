// Moved to aegis/store/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/store/errors.h"  // IWYU pragma: export
