// One request to an `aegis serve`, and the check of its URL.
#include "aegis/client/service_call.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>

#include "aegis/client/errors.h"
#include "aegis/core/error.h"

namespace aegis {
namespace {

using std::chrono::milliseconds;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* a = static_cast<ServiceAnswer*>(user);
  if (a->body.size() + size * n > kMaxServiceAnswerBytes) return 0;  // CURLE_WRITE_ERROR
  a->body.append(data, size * n);
  return size * n;
}

// Retry-After: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
size_t header(char* data, size_t size, size_t n, void* user) {
  auto* a = static_cast<ServiceAnswer*>(user);
  const std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() && lower(line.substr(0, kName.size())) == kName) {
    std::string value(line.substr(kName.size()));
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t\r\n") + 1);
    if (!value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      a->retry_after =
          milliseconds(std::min<long long>(std::stoll(value.substr(0, 9)), 86400) * 1000);
    } else if (const time_t at = curl_getdate(value.c_str(), nullptr); at != -1) {
      const time_t now = std::time(nullptr);
      a->retry_after = milliseconds(at > now ? static_cast<long long>(at - now) * 1000 : 0);
    }
  }
  return size * n;
}

}  // namespace

ServiceAnswer call_service(std::string_view method, const std::string& url, std::string_view body,
                           const std::string& api_key, milliseconds budget) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  ServiceAnswer a;
  CURL* curl = curl_easy_init();
  if (!curl) {
    a.curl_code = CURLE_OUT_OF_MEMORY;
    return a;
  }
  std::string authorization = api_key.empty() ? "" : "Authorization: Bearer " + api_key;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  if (!authorization.empty()) headers = curl_slist_append(headers, authorization.c_str());
  char why[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // Plain http is only to this machine: never through a proxy of the environment's, which
  // would carry the key in clear (https goes through one in a tunnel).
  if (url.rfind("http:", 0) == 0) curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);  // an answer is not looked for elsewhere
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &a);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &a);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, budget.count())));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::clamp<int64_t>(budget.count(), 1, 10000)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, why);
  const CURLcode rc = curl_easy_perform(curl);
  a.curl_code = rc;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a.status);
  const char* type = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
    a.content_type = type;
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  OPENSSL_cleanse(authorization.data(), authorization.size());
  if (rc != CURLE_OK)
    a.error = std::string(curl_easy_strerror(rc)) + (why[0] ? std::string(": ") + why : "");
  return a;
}

void check_service_url(const std::string& url) {
  CURLU* u = curl_url();
  if (!u) throw std::bad_alloc();
  char* scheme = nullptr;
  char* host = nullptr;
  const bool parsed = curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
                      curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
                      curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
  const std::string s = scheme ? lower(scheme) : "", h = host ? lower(host) : "";
  curl_free(scheme);
  curl_free(host);
  curl_url_cleanup(u);
  if (!parsed) throw_error(Error(errors::kGateUrl, "url", "\"" + url + "\" is not a URL"));
  if (s != "https" && s != "http")
    throw_error(
        Error(errors::kGateUrl, "url", "the scheme must be https (or http to this machine)"));
  if (s == "http" && h != "127.0.0.1" && h != "[::1]" && h != "localhost")
    throw_error(Error(errors::kGateUrl, "url",
                      "plain http is only for this machine (127.0.0.1, ::1, localhost): the "
                      "API key would cross the network in clear; use https"));
}

}  // namespace aegis
