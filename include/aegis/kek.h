// Moved to aegis/kek/kek.h; this path forwards there until 0.2.
#pragma once
#include "aegis/kek/kek.h"  // IWYU pragma: export
