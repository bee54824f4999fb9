// Instant queries against Prometheus, and the reading of their answers.
#include "aegis/telemetry/prometheus_query.h"

#include <curl/curl.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

namespace aegis {
namespace {

using nlohmann::json;

constexpr size_t kMaxAnswerBytes = size_t{1} << 20;

Measurement gap(std::string why) { return {std::nullopt, std::move(why)}; }

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * n > kMaxAnswerBytes) return 0;  // CURLE_WRITE_ERROR
  body->append(data, size * n);
  return size * n;
}

// A sample's value: Prometheus writes it as a string ("0.05", "NaN", "+Inf").
Measurement sample_value(const json& sample) {
  if (!sample.is_array() || sample.size() != 2 || !sample[1].is_string())
    return gap("the answer's sample is not [time, \"value\"]");
  const std::string& text = sample[1].get_ref<const std::string&>();
  if (text == "NaN" || text == "+Inf" || text == "-Inf" || text == "Inf")
    return gap("the value is " + text + ", not a number");
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [at, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || at != end || !std::isfinite(v))
    return gap("the value \"" + text + "\" is not a finite number");
  return {v, ""};
}

}  // namespace

Measurement read_query_answer(long http_status, std::string_view body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return gap("the server answered HTTP " + std::to_string(http_status) + " without JSON");
  const auto status = j.find("status");
  if (status == j.end() || *status != "success") {
    std::string why = "the server answered HTTP " + std::to_string(http_status);
    const auto type = j.find("errorType"), error = j.find("error");
    if (type != j.end() && type->is_string()) why += " " + type->get<std::string>();
    if (error != j.end() && error->is_string()) why += ": " + error->get<std::string>();
    return gap(why);
  }
  const auto data = j.find("data");
  if (data == j.end() || !data->is_object() || !data->contains("resultType") ||
      !data->contains("result"))
    return gap("the answer has no data.resultType and data.result");
  const json& type = (*data)["resultType"];
  const json& result = (*data)["result"];
  if (type == "scalar") return sample_value(result);
  if (type != "vector" || !result.is_array())
    return gap("the query gives a " + type.dump() + ", not an instant vector or a scalar");
  if (result.empty()) return gap("no series");
  if (result.size() > 1)
    return gap(std::to_string(result.size()) + " series where one is expected");
  if (!result[0].is_object() || !result[0].contains("value")) return gap("the series has no value");
  return sample_value(result[0]["value"]);
}

PrometheusClient::PrometheusClient(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), timeout_(timeout) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Measurement PrometheusClient::query(std::string_view promql) const {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  // One handle per thread, reset for each query: it keeps its connections to the server alive.
  thread_local const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                                              &curl_easy_cleanup);
  if (!curl) return gap("no HTTP client could be made");
  CURL* c = curl.get();
  curl_easy_reset(c);
  const std::unique_ptr<char, decltype(&curl_free)> escaped(
      curl_easy_escape(c, promql.data(), static_cast<int>(promql.size())), &curl_free);
  if (!escaped) return gap("the query could not be encoded");
  const std::string url = base_url_ + "/api/v1/query";
  const std::string form = std::string("query=") + escaped.get();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(form.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  // A plain-HTTP Prometheus (in the cluster, on this machine) is asked directly, never through
  // an egress proxy the environment names; the command's client does the same.
  if (base_url_.starts_with("http:")) curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(c);
  curl_off_t took = 0;
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &took);
  Measurement m;
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    m = gap("timed out after " + std::to_string(timeout_.count()) + " ms");
  } else if (rc != CURLE_OK) {
    m = gap(std::string("the server could not be asked: ") + curl_easy_strerror(rc));
  } else {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    m = read_query_answer(status, body);
  }
  m.elapsed = std::chrono::microseconds(took);
  return m;
}

}  // namespace aegis
