// AWS Signature Version 4 (the AWS General Reference's "Create a signed AWS API request"):
// canonical request → string to sign → HMAC-SHA256 key derivation over date, region, service.
#include "sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <new>

#include "aegis/crypto/encoding.h"

namespace aegis::kek {
namespace {

std::string sha256_hex(std::string_view s) {
  uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(s.data()), s.size(), h);
  return crypto::to_hex(h, sizeof h);
}

std::string hmac(std::string_view key, std::string_view data) {
  uint8_t out[32];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const uint8_t*>(data.data()), data.size(), out, &len))
    throw std::bad_alloc();
  std::string s(reinterpret_cast<const char*>(out), len);
  OPENSSL_cleanse(out, sizeof out);
  return s;
}

// Trims and collapses runs of spaces, as the canonical header value wants.
std::string canonical_value(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string sigv4_sign(SigV4Request& request, const SigV4Credentials& credentials,
                       std::string_view region, std::string_view service,
                       std::chrono::system_clock::time_point t) {
  const std::string date_time = amz_date(t);
  const std::string date = date_time.substr(0, 8);
  auto set = [&](const std::string& name, const std::string& value) {
    for (auto& [k, v] : request.headers)
      if (k == name) {
        v = value;
        return;
      }
    request.headers.emplace_back(name, value);
  };
  set("host", request.host);
  set("x-amz-date", date_time);
  if (!credentials.session_token.empty()) set("x-amz-security-token", credentials.session_token);

  std::vector<std::pair<std::string, std::string>> headers = request.headers;
  std::sort(headers.begin(), headers.end());
  std::string canonical_headers, signed_headers;
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + canonical_value(v) + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + k;
  }
  const std::string canonical_request = request.method + "\n" + request.path + "\n" +
                                        request.query + "\n" + canonical_headers + "\n" +
                                        signed_headers + "\n" + sha256_hex(request.body);
  const std::string scope = date + "/" + std::string(region) + "/" + std::string(service) +
                            "/aws4_request";
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + date_time + "\n" + scope + "\n" + sha256_hex(canonical_request);
  std::string key = "AWS4" + credentials.secret_key;
  std::string k_date = hmac(key, date);
  std::string k_region = hmac(k_date, region);
  std::string k_service = hmac(k_region, service);
  std::string k_signing = hmac(k_service, "aws4_request");
  const std::string sig = hmac(k_signing, to_sign);
  for (std::string* s : {&key, &k_date, &k_region, &k_service, &k_signing})
    OPENSSL_cleanse(s->data(), s->size());
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key + "/" + scope +
         ", SignedHeaders=" + signed_headers +
         ", Signature=" + crypto::to_hex(reinterpret_cast<const uint8_t*>(sig.data()), sig.size());
}

}  // namespace aegis::kek
