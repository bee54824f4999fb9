// The dashboard page of `aegis serve` (GET /, INTERFACES §7): a static page compiled into the
// binary that fetches the report fragment (GET /v1/dashboard) with the user's API key and shows
// it. It needs no network beyond the server itself.
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
