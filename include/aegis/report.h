// Moved to aegis/server/report.h; this path forwards there until 0.2.
#pragma once
#include "aegis/server/report.h"  // IWYU pragma: export
