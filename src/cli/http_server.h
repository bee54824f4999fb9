// The HTTP servers of `aegis serve` and `aegis mcp --transport http` (cpp-httplib), set up one
// way: a worker per connection (up to 1,024), 5 s read/write/keep-alive timeouts, TCP_NODELAY,
// TCP_DEFER_ACCEPT and a full listen backlog, so that slow, silent or bursty clients do not hold
// up others.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>

namespace aegis::cli {

// Configures `http` as above, with the body limit, and binds it; false when it cannot listen.
bool bind_hardened(httplib::Server& http, const std::string& host, int port, size_t max_body_bytes);

}  // namespace aegis::cli
