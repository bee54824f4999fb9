// Moved to aegis/store/store.h; this path forwards there until 0.2.
#pragma once
#include "aegis/store/store.h"  // IWYU pragma: export
