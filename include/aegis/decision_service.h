// Moved to aegis/service/decision_service.h; this path forwards there until 0.2.
#pragma once
#include "aegis/service/decision_service.h"  // IWYU pragma: export
