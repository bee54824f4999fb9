// Moved to aegis/server/api_server.h; this path forwards there until 0.2.
#pragma once
#include "aegis/server/api_server.h"  // IWYU pragma: export
