// Moved to aegis/client/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/client/errors.h"  // IWYU pragma: export
