// Moved to aegis/store/decision_log.h; this path forwards there until 0.2.
#pragma once
#include "aegis/store/decision_log.h"  // IWYU pragma: export
