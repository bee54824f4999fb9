// The operator console of `aegis serve` (GET /, docs/interfaces.md#pictures): a static page
// compiled into the binary that reads the paged /v1 routes (decisions, overrides, proposals, drift
// history) and the report fragment (GET /v1/dashboard) with the user's API key. It needs no network
// beyond the server itself. Thread-safe: built once, then only read.
#pragma once

#include <string>

namespace aegis {

struct DashboardPage {
  std::string html;
  // Content-Security-Policy for the page: only its own inline script (by hash) and style, and
  // requests to the same origin.
  std::string content_security_policy;
};

const DashboardPage& dashboard_page();

}  // namespace aegis
