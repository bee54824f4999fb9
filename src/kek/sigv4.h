// Internal: AWS Signature Version 4 for one request (what the KMS provider sends). Pure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aegis::kek {

struct SigV4Credentials {
  std::string access_key;
  std::string secret_key;     // secret
  std::string session_token;  // optional; secret
};

struct SigV4Request {
  std::string method = "POST";
  std::string host;   // as in the Host header: name, and ":port" when not the default
  std::string path = "/";
  std::string query;  // already canonical (empty for KMS)
  std::vector<std::pair<std::string, std::string>> headers;  // signed; names lower-case
  std::string body;
};

// "YYYYMMDDTHHMMSSZ" of `t` (UTC).
std::string amz_date(std::chrono::system_clock::time_point t);

// Adds host, x-amz-date and (with a session token) x-amz-security-token to `request.headers`,
// then returns the Authorization header for them, the body and the time `t`.
std::string sigv4_sign(SigV4Request& request, const SigV4Credentials& credentials,
                       std::string_view region, std::string_view service,
                       std::chrono::system_clock::time_point t);

}  // namespace aegis::kek
