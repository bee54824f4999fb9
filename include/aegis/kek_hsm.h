// Moved to aegis/kek/hsm.h; this path forwards there until 0.2.
#pragma once
#include "aegis/kek/hsm.h"  // IWYU pragma: export
