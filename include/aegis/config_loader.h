// Moved to aegis/core/config_loader.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/config_loader.h"  // IWYU pragma: export
