// Moved to aegis/service/batch.h; this path forwards there until 0.2.
#pragma once
#include "aegis/service/batch.h"  // IWYU pragma: export
