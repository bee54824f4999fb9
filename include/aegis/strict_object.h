// Moved to aegis/core/strict_object.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/strict_object.h"  // IWYU pragma: export
