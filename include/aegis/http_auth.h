// Moved to aegis/server/http_auth.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/server/http_auth.h"  // IWYU pragma: export
