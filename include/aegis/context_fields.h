// Moved to aegis/core/context_fields.h; this path forwards there until 0.2.
#pragma once
#include "aegis/core/context_fields.h"  // IWYU pragma: export
