// One HTTP request to an `aegis serve` (its /v1 API), with an API key: what `aegis gate --url` and
// `aegis approvals --url` send. Thread-safe: each call has its own transfer.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace aegis {

// An answer is at most this long (a decision is ~3 KB).
inline constexpr size_t kMaxServiceAnswerBytes = 8u << 20;

struct ServiceAnswer {
  int curl_code = 0;  // CURLcode: 0 when the transfer completed
  long status = 0;    // the HTTP status; 0 without an answer
  std::string content_type;
  std::string body;
  std::optional<std::chrono::milliseconds> retry_after;  // a 429's or 503's Retry-After
  std::string error;                                     // curl's words for a failed transfer
};

// Throws InvalidInputError "gate.url" for a URL that is not http(s), or plain http to anything
// but this machine (127.0.0.1, ::1, localhost): the API key would cross the network in clear.
void check_service_url(const std::string& url);

// `method` ("GET" or "POST", with `body` as JSON) to `url`, "Authorization: Bearer api_key" when
// the key is not empty, within `budget`; never through a proxy for plain http, never following a
// redirect. Never throws for what the network does: a failed transfer is in curl_code and error.
ServiceAnswer call_service(std::string_view method, const std::string& url, std::string_view body,
                           const std::string& api_key, std::chrono::milliseconds budget);

}  // namespace aegis
