// The approvers' requests to a server.
#include "aegis/client/approvals_client.h"

#include <curl/curl.h>

#include <nlohmann/json.hpp>

namespace aegis {
namespace {

std::string escaped(std::string_view s) {
  char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

}  // namespace

ServiceAnswer call_approvals(const std::string& base_url, const std::string& api_key,
                             std::string_view what, const ApprovalQuery& q) {
  check_service_url(base_url);
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/v1/approvals";
  std::string method = "GET", body;
  if (what == "list") {
    url += "?limit=" + std::to_string(q.limit);
    if (q.state) {
      url += "&state=";
      url += escaped(*q.state);
    }
  } else {
    url += '/';
    url += escaped(q.id);
    if (what != "show") {
      url += '/';
      url += what;
      method = "POST";
      body = nlohmann::json{{"reason", q.reason}}.dump();
    }
  }
  return call_service(method, url, body, api_key, std::chrono::seconds(30));
}

}  // namespace aegis
