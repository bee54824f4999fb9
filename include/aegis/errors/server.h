// Moved to aegis/server/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/server/errors.h"  // IWYU pragma: export
