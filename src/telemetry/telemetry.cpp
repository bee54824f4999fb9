#include "aegis/telemetry.h"

#include <curl/curl.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <thread>

#include "aegis/json.h"
#include "aegis/uuid.h"

namespace aegis {

namespace {

constexpr size_t kQueueCapacity = 10'000;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

nlohmann::json TelemetryEvent::to_json() const {
  if (encrypted)
    return {{"event_id", event_id},       {"event_type", event_type}, {"timestamp", timestamp},
            {"source", source},           {"decision_id", decision_id}, {"payload", payload},
            {"encrypted", *encrypted}};
  return {{"event_id", event_id},       {"event_type", event_type}, {"timestamp", timestamp},
          {"source", source},           {"agent_id", agent_id},     {"session_id", session_id},
          {"decision_id", decision_id}, {"payload", payload}};
}

void validate_sink_url(std::string_view url, bool allow_insecure, std::string_view field) {
  const bool https = url.rfind("https://", 0) == 0 && url.size() > 8;
  const bool http = url.rfind("http://", 0) == 0 && url.size() > 7;
  if (https || (http && allow_insecure)) return;
  throw_error(invalid_input("telemetry.url", std::string(field),
                            http ? std::string(field) +
                                       " must be https:// (http:// only with allow_insecure, for "
                                       "local development)"
                                 : std::string(field) + " must be an https:// URL"));
}

namespace detail {

// The queue and the thread behind both sinks: batch_size 0 posts each event alone (no retry),
// otherwise JSON arrays of up to batch_size events.
class HttpWorker {
 public:
  struct Options {
    std::chrono::seconds timeout;
    size_t batch_size = 0;
    std::chrono::milliseconds flush_interval{0};
    int max_retries = 0;
    std::chrono::milliseconds retry_delay{0};
  };

  HttpWorker(std::string url, Headers headers, Options options, bool allow_insecure)
      : url_(std::move(url)), options_(options) {
    validate_sink_url(url_, allow_insecure);
    if (options_.timeout.count() <= 0)
      throw_error(invalid_input("telemetry.timeout", "timeout", "timeout must be positive"));
    if (options_.max_retries < 0)
      throw_error(invalid_input("telemetry.retries", "max_retries", "max_retries must be >= 0"));
    if (options_.batch_size > 0 && options_.flush_interval.count() <= 0)
      throw_error(invalid_input("telemetry.interval", "flush_interval_seconds",
                                "flush_interval_seconds must be positive"));
    for (const auto& [k, v] : headers) {
      if (k.empty() || k.find_first_of(":\r\n") != std::string::npos ||
          v.find_first_of("\r\n") != std::string::npos)
        throw_error(invalid_input("telemetry.header", "headers",
                                  "header names may not contain ':', nor any header a line break"));
      header_lines_.push_back(k + ": " + v);
    }
    header_lines_.push_back("Content-Type: application/json");
    init_curl_once();
    thread_ = std::thread([this] { run(); });
  }

  ~HttpWorker() { close(); }

  void emit(const TelemetryEvent& event) {
    std::string body =
        event.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    {
      std::lock_guard<std::mutex> g(lock_);
      if (closing_ || queue_.size() >= kQueueCapacity) {  // never blocks the caller
        ++stats_.dropped;
        return;
      }
      queue_.push_back(std::move(body));
    }
    wake_.notify_one();
  }

  void flush() {
    std::unique_lock<std::mutex> g(lock_);
    if (queue_.empty() && in_flight_ == 0) return;
    flush_pending_ = true;
    wake_.notify_one();
    idle_.wait(g, [this] { return queue_.empty() && in_flight_ == 0; });
  }

  // Sends what is queued for at most one timeout (plus the retry delays), drops the rest, stops.
  void close() {
    {
      std::lock_guard<std::mutex> g(lock_);
      if (closing_) return;
      closing_ = true;
      close_deadline_ = std::chrono::steady_clock::now() + options_.timeout +
                        options_.retry_delay * options_.max_retries;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  SinkStats stats() const {
    std::lock_guard<std::mutex> g(lock_);
    return stats_;
  }

  const std::string& url() const noexcept { return url_; }

 private:
  void run() {
    CURL* curl = curl_easy_init();
    curl_slist* headers = nullptr;
    for (const auto& h : header_lines_) headers = curl_slist_append(headers, h.c_str());
    const size_t want = options_.batch_size ? options_.batch_size : 1;
    auto last_post = std::chrono::steady_clock::now();
    while (true) {
      std::vector<std::string> batch;
      {
        std::unique_lock<std::mutex> g(lock_);
        auto ready = [&] {
          return closing_ || queue_.size() >= want || (flush_pending_ && !queue_.empty());
        };
        if (options_.batch_size)
          wake_.wait_until(g, last_post + options_.flush_interval, ready);
        else
          wake_.wait(g, ready);
        if (closing_ && std::chrono::steady_clock::now() > close_deadline_) {
          stats_.dropped += queue_.size();
          queue_.clear();
        }
        if (queue_.empty()) {
          if (closing_) break;
          last_post = std::chrono::steady_clock::now();  // the interval starts again
          continue;
        }
        while (!queue_.empty() && batch.size() < want) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        in_flight_ = batch.size();
      }
      std::string body;
      if (options_.batch_size) {
        body = "[";
        for (size_t i = 0; i < batch.size(); ++i) body += (i ? "," : "") + batch[i];
        body += "]";
      } else {
        body = std::move(batch.front());
      }
      bool ok = curl && post(curl, headers, body);
      for (int attempt = 0; !ok && curl && attempt < options_.max_retries; ++attempt) {
        std::this_thread::sleep_for(options_.retry_delay);
        ok = post(curl, headers, body);
      }
      last_post = std::chrono::steady_clock::now();
      {
        std::lock_guard<std::mutex> g(lock_);
        (ok ? stats_.sent : stats_.failed) += in_flight_;
        in_flight_ = 0;
        if (queue_.empty()) {
          flush_pending_ = false;
          idle_.notify_all();
        }
      }
    }
    {
      std::lock_guard<std::mutex> g(lock_);
      idle_.notify_all();
    }
    curl_slist_free_all(headers);
    if (curl) curl_easy_cleanup(curl);
  }

  bool post(CURL* curl, curl_slist* headers, const std::string& body) const {
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");  // the URL was checked
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count() * 1000));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    if (const char* ca = std::getenv("SSL_CERT_FILE")) curl_easy_setopt(curl, CURLOPT_CAINFO, ca);
    if (curl_easy_perform(curl) != CURLE_OK) return false;
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    return code >= 200 && code < 300;
  }

  const std::string url_;
  const Options options_;
  std::vector<std::string> header_lines_;
  mutable std::mutex lock_;
  std::condition_variable wake_, idle_;
  std::deque<std::string> queue_;
  size_t in_flight_ = 0;
  bool flush_pending_ = false;
  bool closing_ = false;
  std::chrono::steady_clock::time_point close_deadline_;
  SinkStats stats_;
  std::thread thread_;
};

}  // namespace detail

HttpSink::HttpSink(std::unique_ptr<detail::HttpWorker> worker) : worker_(std::move(worker)) {}
HttpSink::~HttpSink() = default;
void HttpSink::emit(const TelemetryEvent& event) { worker_->emit(event); }
void HttpSink::flush() { worker_->flush(); }
void HttpSink::close() { worker_->close(); }
SinkStats HttpSink::stats() const { return worker_->stats(); }
const std::string& HttpSink::url() const noexcept { return worker_->url(); }

HTTPEventSink::HTTPEventSink(std::string url, Headers headers, std::chrono::seconds timeout,
                             bool allow_insecure)
    : HttpSink(std::make_unique<detail::HttpWorker>(std::move(url), std::move(headers),
                                                    detail::HttpWorker::Options{.timeout = timeout},
                                                    allow_insecure)) {}

namespace {
size_t checked_batch_size(size_t n) {
  if (n < 1)
    throw_error(invalid_input("telemetry.batch_size", "batch_size", "batch_size must be >= 1"));
  return n;
}
}  // namespace

BatchHTTPSink::BatchHTTPSink(std::string url, Headers headers, std::chrono::seconds timeout,
                             size_t batch_size, std::chrono::milliseconds flush_interval,
                             int max_retries, std::chrono::milliseconds retry_delay,
                             bool allow_insecure)
    : HttpSink(std::make_unique<detail::HttpWorker>(
          std::move(url), std::move(headers),
          detail::HttpWorker::Options{.timeout = timeout,
                                      .batch_size = checked_batch_size(batch_size),
                                      .flush_interval = flush_interval,
                                      .max_retries = max_retries,
                                      .retry_delay = retry_delay},
          allow_insecure)) {}

std::shared_ptr<EventSink> http_sink(std::string url, std::optional<size_t> batch_size,
                                     Headers headers, std::chrono::seconds timeout,
                                     bool allow_insecure) {
  if (!batch_size)
    return std::make_shared<HTTPEventSink>(std::move(url), std::move(headers), timeout,
                                           allow_insecure);
  return std::make_shared<BatchHTTPSink>(std::move(url), std::move(headers), timeout, *batch_size,
                                         std::chrono::seconds(60), 1, std::chrono::seconds(1),
                                         allow_insecure);
}

TelemetryEmitter::TelemetryEmitter(std::string source,
                                   std::optional<std::string> encryption_public_key,
                                   TelemetryEpoch epoch)
    : source_(std::move(source)) {
  if (source_.empty())
    throw_error(invalid_input("telemetry.source", "source", "source is required"));
  std::string_view field = "encryption_public_key";
  if (!encryption_public_key) {
    const char* env = std::getenv("AEGIS_MASTER_KEK_PUBLIC");
    if (env && *env) encryption_public_key = env;
    field = "AEGIS_MASTER_KEK_PUBLIC";
  }
  if (encryption_public_key) {
    auto e = EventEncryptor::from_text_or_bytes(*encryption_public_key, field, epoch);
    if (!e) throw_error(e.error());
    encryptor_ = std::move(e).value();
  }
}

void TelemetryEmitter::add_sink(std::shared_ptr<EventSink> sink) {
  if (!sink) throw_error(invalid_input("telemetry.sink", "sink", "sink is null"));
  std::lock_guard<std::mutex> g(lock_);
  sinks_.push_back(std::move(sink));
}

void TelemetryEmitter::send(TelemetryEvent event) {
  event.event_id = new_uuid_v4();
  event.source = source_;
  if (event.timestamp.empty()) event.timestamp = format_timestamp(std::chrono::system_clock::now());
  if (encryptor_) encryptor_->seal(event);
  std::lock_guard<std::mutex> g(lock_);
  for (const auto& s : sinks_) s->emit(event);
}

void TelemetryEmitter::emit(std::string_view event_type, nlohmann::json payload,
                            std::string_view agent_id, std::string_view session_id,
                            std::string_view decision_id) {
  TelemetryEvent e;
  e.event_type = event_type;
  e.agent_id = agent_id;
  e.session_id = session_id;
  e.decision_id = decision_id;
  e.payload = std::move(payload);
  send(std::move(e));
}

void TelemetryEmitter::on_decision(const PCWContext& context, const PCWDecision& decision) {
  TelemetryEvent base;
  base.timestamp = format_timestamp(decision.timestamp);
  base.agent_id = context.agent_id;
  base.session_id = context.session_id;
  base.decision_id = decision.decision_id;

  TelemetryEvent made = base;
  made.event_type = decision.shadow_result ? "decision.shadow" : "decision.made";
  made.payload = {{"status", to_string(decision.status)},
                  {"phase", to_string(context.phase)},
                  {"confidence", decision.confidence},
                  {"failing_gates", decision.failing_gates},
                  {"gates_passed", decision.gates_passed},
                  {"gates_failed", decision.gates_failed},
                  {"override_eligible", decision.override_eligible}};
  send(std::move(made));
  if (decision.gate_evaluation) {
    for (const auto& g : decision.gate_evaluation->gates) {
      if (!g) continue;
      TelemetryEvent e = base;
      e.event_type = "gate.evaluated";
      e.payload = {{"gate", to_string(g->gate_type)},
                   {"passed", g->passed},
                   {"value", g->value},
                   {"threshold", g->threshold},
                   {"margin", g->margin()}};
      send(std::move(e));
    }
  }
  if (decision.drift_result && (decision.drift_result->status == DriftStatus::WARNING ||
                                decision.drift_result->status == DriftStatus::CRITICAL)) {
    TelemetryEvent e = base;
    e.event_type = "drift.detected";
    e.payload = drift_result_to_json(*decision.drift_result);
    send(std::move(e));
  }
}

void TelemetryEmitter::flush() {
  std::vector<std::shared_ptr<EventSink>> sinks;
  {
    std::lock_guard<std::mutex> g(lock_);
    sinks = sinks_;
  }
  for (const auto& s : sinks) s->flush();
}

void TelemetryEmitter::close() {
  std::vector<std::shared_ptr<EventSink>> sinks;
  {
    std::lock_guard<std::mutex> g(lock_);
    sinks = sinks_;
  }
  for (const auto& s : sinks) s->close();
}

uint64_t TelemetryEmitter::lost() const {
  std::lock_guard<std::mutex> g(lock_);
  uint64_t n = 0;
  for (const auto& s : sinks_) {
    const SinkStats st = s->stats();
    n += st.dropped + st.failed;
  }
  return n;
}

}  // namespace aegis
