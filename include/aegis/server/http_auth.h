// Who calls the HTTP API: the bearer credential of a request, its API key, and the per-key
// rate limit.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/server/server_config.h"

namespace aegis {

// The credential of an Authorization header value (RFC 9110 §11.4): the scheme "Bearer" in any
// case, one or more spaces, then exactly one token68 (RFC 6750 §2.1), nothing after it.
// nullopt for anything else.
std::optional<std::string_view> bearer_credential(std::string_view header_value) noexcept;
// The password of "Basic base64(user:password)", the API key of a client that can only give it
// in the URL's user info (Docker MCP Gateway's interceptors: http://aegis:KEY@host/...); only
// the /v1/integrations/ routes take it. nullopt when the value is no such credential.
std::optional<std::string> basic_password(std::string_view header_value);

// The API key whose SHA-256 matches `credential`, compared in constant time against every
// key; nullptr when none does.
const ApiKey* find_api_key(const std::vector<ApiKey>& keys, std::string_view credential);

// A token bucket per API key: `per_minute` requests a minute, bursts up to `per_minute`; 0 is
// no limit. Thread-safe.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(int64_t per_minute) : rate_(static_cast<double>(per_minute)) {}

  struct Decision {
    bool allowed = true;
    std::optional<int64_t> remaining;  // tokens left after this request (none without a limit)
    int64_t retry_after_seconds = 0;   // when refused
  };
  // Takes one token of `key`'s bucket at `now`.
  Decision take(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  double rate_;
  std::mutex lock_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace aegis
