// Moved to aegis/service/decision_service.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/service/decision_service.h"  // IWYU pragma: export
