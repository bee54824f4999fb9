#include "aegis/server/http_auth.h"

#include <cmath>

#include "aegis/core/digest.h"
#include "aegis/crypto/encoding.h"

namespace aegis {
namespace {

// RFC 7235 token68: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
bool is_token68(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '-' ||
                          s[i] == '.' || s[i] == '_' || s[i] == '~' || s[i] == '+' || s[i] == '/'))
    ++i;
  if (i == 0) return false;
  while (i < s.size() && s[i] == '=') ++i;
  return i == s.size();
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

// What follows `scheme` (lower case; matched in any case) and its spaces in an Authorization
// value, or nullopt for another scheme.
static std::optional<std::string_view> after_scheme(std::string_view v,
                                                    std::string_view scheme) noexcept {
  if (v.size() <= scheme.size() || v[scheme.size()] != ' ') return std::nullopt;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(v[i])) != scheme[i]) return std::nullopt;
  v.remove_prefix(scheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return v;
}

std::optional<std::string_view> bearer_credential(std::string_view v) noexcept {
  const auto token = after_scheme(v, "bearer");
  if (!token || !is_token68(*token)) return std::nullopt;
  return token;
}

std::optional<std::string> basic_password(std::string_view v) {
  const auto token = after_scheme(v, "basic");
  if (!token) return std::nullopt;
  const auto decoded = crypto::from_base64(*token);
  if (!decoded) return std::nullopt;
  const std::string pair(decoded->begin(), decoded->end());
  const size_t colon = pair.find(':');
  if (colon == std::string::npos || colon + 1 == pair.size()) return std::nullopt;
  return pair.substr(colon + 1);
}

const ApiKey* find_api_key(const std::vector<ApiKey>& keys, std::string_view credential) {
  const std::string hash = sha256_hex(credential);
  const ApiKey* found = nullptr;
  for (const auto& k : keys)  // every key is compared: the time does not say which one matched
    if (constant_time_equal(k.key_sha256, hash)) found = &k;
  return found;
}

RateLimiter::Decision RateLimiter::take(const std::string& key, Clock::time_point now) {
  if (rate_ <= 0) return {};
  std::lock_guard<std::mutex> g(lock_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{rate_, now});
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  if (elapsed > 0) {
    b.tokens = std::min(rate_, b.tokens + elapsed * rate_ / 60.0);
    b.at = now;
  }
  if (b.tokens < 1.0)
    return {false, 0, static_cast<int64_t>(std::ceil((1.0 - b.tokens) * 60.0 / rate_))};
  b.tokens -= 1.0;
  return {true, static_cast<int64_t>(b.tokens), 0};
}

}  // namespace aegis
