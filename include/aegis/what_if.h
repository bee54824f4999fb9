// Moved to aegis/service/what_if.h; this path forwards there until 0.2.
#pragma once
#include "aegis/service/what_if.h"  // IWYU pragma: export
