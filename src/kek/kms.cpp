#include "aegis/kek/kms.h"

#include <curl/curl.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "aegis/crypto/encoding.h"
#include "aegis/kek/errors.h"
#include "sigv4.h"

namespace aegis {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const ErrorCode& code, std::string message) {
  throw_error(Error(code, "", std::move(message)));
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// "https://host[:port][/]" → the Host header's value; empty when not an https URL.
std::string host_of(const std::string& url) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) return "";
  std::string rest = url.substr(scheme.size());
  const size_t slash = rest.find('/');
  if (slash != std::string::npos) rest = rest.substr(0, slash);
  if (rest.size() > 4 && rest.compare(rest.size() - 4, 4, ":443") == 0)
    rest.resize(rest.size() - 4);
  return rest;
}

// A KMS error type and its code here.
const ErrorCode& code_for(const std::string& type) {
  if (type == "AccessDeniedException") return errors::kKekKmsAccessDenied;
  if (type == "NotFoundException") return errors::kKekKmsNotFound;
  if (type == "InvalidCiphertextException" || type == "IncorrectKeyException")
    return errors::kKekUnwrapFailed;
  if (type == "InvalidSignatureException" || type == "UnrecognizedClientException" ||
      type == "ExpiredTokenException" || type == "IncompleteSignature")
    return errors::kKekKmsCredentials;
  if (type == "DisabledException" || type == "KMSInvalidStateException")
    return errors::kKekKmsKeyState;
  return errors::kKekKmsRefused;
}

}  // namespace

Result<std::unique_ptr<AWSKMSKEKProvider>> AWSKMSKEKProvider::create(KmsSettings settings) {
  std::unique_ptr<AWSKMSKEKProvider> p(new AWSKMSKEKProvider(std::move(settings)));
  if (p->settings_.public_key_bytes) {
    auto pk = parse_public_key(*p->settings_.public_key_bytes, "public_key_bytes");
    if (!pk) return pk.error();
    p->public_key_ = pk.value();
  }
  if (!p->settings_.endpoint.empty() && host_of(p->settings_.endpoint).empty())
    return Error(errors::kKekKmsEndpoint, "AWS_ENDPOINT_URL_KMS",
                 "the KMS endpoint must be an https:// URL, not " + p->settings_.endpoint);
  return p;
}

AWSKMSKEKProvider::AWSKMSKEKProvider(KmsSettings settings) : settings_(std::move(settings)) {
  if (settings_.wrapped_private_key) wrapped_private_key_ = *settings_.wrapped_private_key;
  wrapped_private_key_source_ = "AEGIS_KMS_WRAPPED_PRIVATE_KEY";
}

void AWSKMSKEKProvider::read_aws_environment(KmsSettings& s) {
  s.region = env("AWS_REGION");
  if (s.region.empty()) s.region = env("AWS_DEFAULT_REGION");
  s.endpoint = env("AWS_ENDPOINT_URL_KMS");
  if (s.endpoint.empty()) s.endpoint = env("AWS_ENDPOINT_URL");
  s.access_key_id = env("AWS_ACCESS_KEY_ID");
  s.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
  s.session_token = env("AWS_SESSION_TOKEN");
  s.ca_bundle = env("AWS_CA_BUNDLE");
}

Result<std::unique_ptr<AWSKMSKEKProvider>> AWSKMSKEKProvider::from_environment() {
  KmsSettings s;
  s.kms_key_id = env("AEGIS_KMS_KEY_ID");
  for (auto [name, into] : {std::pair{"AEGIS_KMS_WRAPPED_PRIVATE_KEY", &s.wrapped_private_key},
                            std::pair{"AEGIS_MASTER_KEK_PUBLIC", &s.public_key_bytes}}) {
    const std::string v = env(name);
    if (v.empty()) continue;
    auto b = crypto::from_base64(v);
    if (!b)
      return Error(errors::kKekEnvironment, name,
                   std::string(name) + " is not base64 (RFC 4648, padded)");
    *into = std::move(*b);
  }
  read_aws_environment(s);
  return create(std::move(s));
}

AWSKMSKEKProvider::~AWSKMSKEKProvider() {
  OPENSSL_cleanse(settings_.secret_access_key.data(), settings_.secret_access_key.capacity());
  OPENSSL_cleanse(settings_.session_token.data(), settings_.session_token.capacity());
}

std::vector<std::string> AWSKMSKEKProvider::missing() const {
  std::vector<std::string> m;
  if (settings_.kms_key_id.empty()) m.push_back("AEGIS_KMS_KEY_ID");
  if (settings_.region.empty()) m.push_back("AWS_REGION");
  if (settings_.access_key_id.empty()) m.push_back("AWS_ACCESS_KEY_ID");
  if (settings_.secret_access_key.empty()) m.push_back("AWS_SECRET_ACCESS_KEY");
  return m;
}

KEKMetadata AWSKMSKEKProvider::metadata() const {
  return {"kms", settings_.kms_key_id, "AWS KMS SYMMETRIC_DEFAULT"};
}

std::string AWSKMSKEKProvider::call(const std::string& target, const std::string& body) {
  if (const auto m = missing(); !m.empty()) throw_error(kek_not_configured("kms", m));
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::string url = settings_.endpoint.empty()
                              ? "https://kms." + settings_.region + ".amazonaws.com/"
                              : settings_.endpoint;
  kek::SigV4Request req;
  req.host = host_of(url);
  req.body = body;
  req.headers = {{"content-type", "application/x-amz-json-1.1"},
                 {"x-amz-target", "TrentService." + target}};
  const std::string authorization = kek::sigv4_sign(
      req, {settings_.access_key_id, settings_.secret_access_key, settings_.session_token},
      settings_.region, "kms", std::chrono::system_clock::now());
  curl_slist* headers = nullptr;
  std::vector<std::string> lines;
  for (const auto& [k, v] : req.headers) lines.push_back(k + ": " + v);
  lines.push_back("authorization: " + authorization);
  lines.push_back("Expect:");  // no 100-continue round trip
  for (const auto& l : lines) headers = curl_slist_append(headers, l.c_str());
  CURL* curl = curl_easy_init();
  if (!curl) throw std::bad_alloc();
  std::string answer;
  long status = 0;
  char why[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, settings_.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, why);
  if (!settings_.ca_bundle.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_bundle.c_str());
  const CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  for (auto& l : lines) OPENSSL_cleanse(l.data(), l.size());  // the token is among them
  OPENSSL_cleanse(req.body.data(), req.body.size());
  if (rc == CURLE_OPERATION_TIMEDOUT)
    fail(errors::kKekKmsTimeout, "KMS " + target + " at " + url + " did not answer within " +
                                     std::to_string(settings_.timeout_ms) + " ms");
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
      rc == CURLE_SSL_CONNECT_ERROR)
    fail(errors::kKekKmsTls, "KMS " + url + ": TLS failed (" + std::string(curl_easy_strerror(rc)) +
                                 "; set AWS_CA_BUNDLE for a private CA)");
  if (rc != CURLE_OK)
    fail(errors::kKekKmsUnreachable, "KMS " + url + ": " + curl_easy_strerror(rc) +
                                         (why[0] ? std::string(" (") + why + ")" : ""));
  if (status != 200) {
    std::string type = "HTTP " + std::to_string(status), message;
    try {
      const json e = json::parse(answer);
      if (e.contains("__type") && e["__type"].is_string()) {
        type = e["__type"].get<std::string>();
        if (const size_t hash = type.rfind('#'); hash != std::string::npos)
          type = type.substr(hash + 1);
      }
      for (const char* k : {"message", "Message"})
        if (e.contains(k) && e[k].is_string()) message = e[k].get<std::string>();
    } catch (const json::exception&) {
    }
    fail(code_for(type), "KMS refused " + target + " with key " + settings_.kms_key_id + ": " +
                             type + (message.empty() ? "" : ": " + message));
  }
  return answer;
}

KekBytes AWSKMSKEKProvider::wrap(std::span<const uint8_t> plaintext) {
  if (plaintext.empty() || plaintext.size() > 4096)
    fail(errors::kKekKmsLength,
         "KMS Encrypt takes 1 to 4096 bytes, not " + std::to_string(plaintext.size()));
  std::string b64 = crypto::to_base64(plaintext.data(), plaintext.size());
  std::string body = json{{"KeyId", settings_.kms_key_id}, {"Plaintext", b64}}.dump();
  OPENSSL_cleanse(b64.data(), b64.size());
  const std::string answer = call("Encrypt", body);
  OPENSSL_cleanse(body.data(), body.size());
  try {
    const json j = json::parse(answer);
    auto blob = crypto::from_base64(j.at("CiphertextBlob").get<std::string>());
    if (blob) return std::move(*blob);
  } catch (const json::exception&) {
  }
  fail(errors::kKekKmsAnswer, "KMS Encrypt answered without a base64 CiphertextBlob");
}

KekBytes AWSKMSKEKProvider::unwrap(std::span<const uint8_t> wrapped) {
  const std::string body =
      json{{"KeyId", settings_.kms_key_id},
           {"CiphertextBlob", crypto::to_base64(wrapped.data(), wrapped.size())}}
          .dump();
  std::string answer = call("Decrypt", body);
  std::optional<KekBytes> plain;
  try {
    json j = json::parse(answer);
    std::string& b64 = j.at("Plaintext").get_ref<std::string&>();
    plain = crypto::from_base64(b64);
    OPENSSL_cleanse(b64.data(), b64.size());
  } catch (const json::exception&) {
  }
  OPENSSL_cleanse(answer.data(), answer.size());
  if (!plain) fail(errors::kKekKmsAnswer, "KMS Decrypt answered without a base64 Plaintext");
  return std::move(*plain);
}

}  // namespace aegis
