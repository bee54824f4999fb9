// Moved to aegis/store/decision_log.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/store/decision_log.h"  // IWYU pragma: export
