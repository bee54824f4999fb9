// Moved to aegis/server/http_auth.h; this path forwards there until 0.2.
#pragma once
#include "aegis/server/http_auth.h"  // IWYU pragma: export
