// Moved to aegis/service/errors.h; this path forwards there until 0.2.
#pragma once
#include "aegis/service/errors.h"  // IWYU pragma: export
