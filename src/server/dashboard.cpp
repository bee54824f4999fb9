#include "aegis/server/dashboard.h"

#include "aegis/core/digest.h"
#include "aegis/core/error.h"
#include "aegis/crypto/encoding.h"
#include "aegis/server/errors.h"
#include "aegis/server/report.h"
#include "embedded.h"

namespace aegis {
namespace {

DashboardPage build() {
  std::string html(detail::embedded_file("dashboard.html"));
  const std::string css_marker = "/*AEGIS_REPORT_CSS*/";
  const size_t css = html.find(css_marker);
  const size_t open = html.find("<script>"), close = html.find("</script>");
  if (css == std::string::npos || open == std::string::npos || close == std::string::npos)
    throw_error(Error{errors::kDashboardAsset, "", "the embedded dashboard page is incomplete"});
  const std::string script = html.substr(open + 8, close - open - 8);
  const auto digest = crypto::from_hex(sha256_hex(script));
  html.replace(css, css_marker.size(), report_css());
  return {html, "default-src 'none'; script-src 'sha256-" + crypto::to_base64(*digest) +
                    "'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; "
                    "form-action 'none'; frame-ancestors 'none'"};
}

}  // namespace

const DashboardPage& dashboard_page() {
  static const DashboardPage page = build();
  return page;
}

}  // namespace aegis
