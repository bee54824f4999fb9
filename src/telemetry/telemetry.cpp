#include "aegis/telemetry/telemetry.h"

#include <curl/curl.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <thread>

#include "aegis/core/json.h"
#include "aegis/core/uuid.h"
#include "aegis/telemetry/errors.h"

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
    return {{"event_id", event_id},   {"event_type", event_type},   {"timestamp", timestamp},
            {"source", source},       {"decision_id", decision_id}, {"payload", payload},
            {"encrypted", *encrypted}};
  return {{"event_id", event_id},       {"event_type", event_type}, {"timestamp", timestamp},
          {"source", source},           {"agent_id", agent_id},     {"session_id", session_id},
          {"decision_id", decision_id}, {"payload", payload}};
}

void validate_sink_url(std::string_view url, bool allow_insecure, std::string_view field) {
  const bool https = url.rfind("https://", 0) == 0 && url.size() > 8;
  const bool http = url.rfind("http://", 0) == 0 && url.size() > 7;
  if (https || (http && allow_insecure)) return;
  throw_error(Error(errors::kTelemetryUrl, std::string(field),
                    http ? std::string(field) +
                               " must be https:// (http:// only with allow_insecure, for "
                               "local development)"
                         : std::string(field) + " must be an https:// URL"));
}

namespace detail {

// The queue and the thread behind every sink: events wait as JSON texts in a bounded queue, and
// one thread hands them to `deliver` — alone (batch_size 0) or up to batch_size at a time, every
// flush_interval at the latest — retrying a failed delivery max_retries times.
class SinkWorker {
 public:
  using Deliver = std::function<bool(const std::vector<std::string>& events)>;
  struct Options {
    size_t batch_size = 0;
    std::chrono::milliseconds flush_interval{0};
    int max_retries = 0;
    std::chrono::milliseconds retry_delay{0};
    std::chrono::milliseconds close_grace{0};  // how long close() still delivers
  };

  SinkWorker(Options options, Deliver deliver) : options_(options), deliver_(std::move(deliver)) {
    if (options_.max_retries < 0)
      throw_error(Error(errors::kTelemetryRetries, "max_retries", "max_retries must be >= 0"));
    if (options_.batch_size > 0 && options_.flush_interval.count() <= 0)
      throw_error(Error(errors::kTelemetryInterval, "flush_interval_seconds",
                        "flush_interval_seconds must be positive"));
    thread_ = std::thread([this] { run(); });
  }

  ~SinkWorker() { close(); }

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

  // From the worker's own thread (a delivery that flushes its sink) it returns at once: that
  // delivery is what the wait would wait for.
  void flush() {
    if (on_worker_thread()) return;
    std::unique_lock<std::mutex> g(lock_);
    if (queue_.empty() && in_flight_ == 0) return;
    flush_pending_ = true;
    wake_.notify_one();
    idle_.wait(g, [this] { return queue_.empty() && in_flight_ == 0; });
  }

  // Delivers what is queued for at most close_grace (plus the retry delays), drops the rest,
  // stops. From the worker's own thread it only asks the thread to stop (the destructor, which
  // joins, must then run on another thread).
  void close() {
    {
      std::lock_guard<std::mutex> g(lock_);
      if (!closing_) {
        closing_ = true;
        close_deadline_ = std::chrono::steady_clock::now() + options_.close_grace +
                          options_.retry_delay * options_.max_retries;
      }
    }
    wake_.notify_one();
    if (!on_worker_thread() && thread_.joinable()) thread_.join();
  }

  bool on_worker_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

  SinkStats stats() const {
    std::lock_guard<std::mutex> g(lock_);
    return stats_;
  }

 private:
  void run() {
    const size_t want = options_.batch_size ? options_.batch_size : 1;
    auto last_delivery = std::chrono::steady_clock::now();
    while (true) {
      std::vector<std::string> batch;
      {
        std::unique_lock<std::mutex> g(lock_);
        auto ready = [&] {
          return closing_ || queue_.size() >= want || (flush_pending_ && !queue_.empty());
        };
        if (options_.batch_size)
          wake_.wait_until(g, last_delivery + options_.flush_interval, ready);
        else
          wake_.wait(g, ready);
        if (closing_ && std::chrono::steady_clock::now() > close_deadline_) {
          stats_.dropped += queue_.size();
          queue_.clear();
        }
        if (queue_.empty()) {
          if (closing_) break;
          last_delivery = std::chrono::steady_clock::now();  // the interval starts again
          continue;
        }
        while (!queue_.empty() && batch.size() < want) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        in_flight_ = batch.size();
      }
      bool ok = attempt(batch);
      for (int retry = 0; !ok && retry < options_.max_retries; ++retry) {
        std::this_thread::sleep_for(options_.retry_delay);
        ok = attempt(batch);
      }
      last_delivery = std::chrono::steady_clock::now();
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
    std::lock_guard<std::mutex> g(lock_);
    idle_.notify_all();
  }

  // A delivery that throws failed, like one that returns false.
  bool attempt(const std::vector<std::string>& batch) noexcept {
    try {
      return deliver_(batch);
    } catch (...) {
      return false;
    }
  }

  const Options options_;
  const Deliver deliver_;
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

namespace {

// One libcurl handle POSTing JSON to one URL; used by the sink's thread only.
class Poster {
 public:
  Poster(std::string url, const Headers& headers, std::chrono::seconds timeout)
      : url_(std::move(url)), timeout_(timeout) {
    if (timeout_.count() <= 0)
      throw_error(Error(errors::kTelemetryTimeout, "timeout", "timeout must be positive"));
    for (const auto& [k, v] : headers) {
      if (k.empty() || k.find_first_of(":\r\n") != std::string::npos ||
          v.find_first_of("\r\n") != std::string::npos)
        throw_error(Error(errors::kTelemetryHeader, "headers",
                          "header names may not contain ':', nor any header a line break"));
      headers_ = curl_slist_append(headers_, (k + ": " + v).c_str());
    }
    headers_ = curl_slist_append(headers_, "Content-Type: application/json");
    init_curl_once();
    curl_ = curl_easy_init();
  }
  ~Poster() {
    curl_slist_free_all(headers_);
    if (curl_) curl_easy_cleanup(curl_);
  }
  Poster(const Poster&) = delete;
  Poster& operator=(const Poster&) = delete;

  bool post(const std::string& body) const {
    if (!curl_) return false;
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "http,https");  // the URL was checked
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count() * 1000));
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
    if (const char* ca = std::getenv("SSL_CERT_FILE")) curl_easy_setopt(curl_, CURLOPT_CAINFO, ca);
    if (curl_easy_perform(curl_) != CURLE_OK) return false;
    long code = 0;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &code);
    return code >= 200 && code < 300;
  }

 private:
  const std::string url_;
  const std::chrono::seconds timeout_;
  curl_slist* headers_ = nullptr;
  CURL* curl_ = nullptr;
};

// batch_size 0: each event's JSON object alone; otherwise a JSON array of them.
SinkWorker::Deliver http_delivery(std::shared_ptr<const Poster> poster, bool arrays) {
  return [poster = std::move(poster), arrays](const std::vector<std::string>& events) {
    if (!arrays) return poster->post(events.front());
    std::string body = "[";
    for (size_t i = 0; i < events.size(); ++i) body += (i ? "," : "") + events[i];
    body += "]";
    return poster->post(body);
  };
}

}  // namespace
}  // namespace detail

HttpSink::HttpSink(std::string url, const Headers& headers, std::chrono::seconds timeout,
                   bool allow_insecure, size_t batch_size, std::chrono::milliseconds flush_interval,
                   int max_retries, std::chrono::milliseconds retry_delay)
    : url_((validate_sink_url(url, allow_insecure), std::move(url))) {
  auto poster = std::make_shared<const detail::Poster>(url_, headers, timeout);
  worker_ = std::make_unique<detail::SinkWorker>(
      detail::SinkWorker::Options{.batch_size = batch_size,
                                  .flush_interval = flush_interval,
                                  .max_retries = max_retries,
                                  .retry_delay = retry_delay,
                                  .close_grace = timeout},
      detail::http_delivery(std::move(poster), batch_size > 0));
}
HttpSink::~HttpSink() = default;
void HttpSink::emit(const TelemetryEvent& event) { worker_->emit(event); }
void HttpSink::flush() { worker_->flush(); }
void HttpSink::close() { worker_->close(); }
SinkStats HttpSink::stats() const { return worker_->stats(); }
const std::string& HttpSink::url() const noexcept { return url_; }

HTTPEventSink::HTTPEventSink(std::string url, Headers headers, std::chrono::seconds timeout,
                             bool allow_insecure)
    : HttpSink(std::move(url), headers, timeout, allow_insecure) {}

namespace {
size_t checked_batch_size(size_t n) {
  if (n < 1)
    throw_error(Error(errors::kTelemetryBatchSize, "batch_size", "batch_size must be >= 1"));
  return n;
}
}  // namespace

BatchHTTPSink::BatchHTTPSink(std::string url, Headers headers, std::chrono::seconds timeout,
                             size_t batch_size, std::chrono::milliseconds flush_interval,
                             int max_retries, std::chrono::milliseconds retry_delay,
                             bool allow_insecure)
    : HttpSink(std::move(url), headers, timeout, allow_insecure, checked_batch_size(batch_size),
               flush_interval, max_retries, retry_delay) {}

CallbackSink::CallbackSink(Deliver deliver, std::function<void()> on_flush,
                           std::function<void()> on_close, std::chrono::milliseconds close_grace)
    : on_flush_(std::move(on_flush)), on_close_(std::move(on_close)) {
  if (!deliver) throw_error(Error(errors::kTelemetrySink, "deliver", "deliver is empty"));
  worker_ = std::make_unique<detail::SinkWorker>(
      detail::SinkWorker::Options{.close_grace = close_grace},
      [deliver = std::move(deliver)](const std::vector<std::string>& events) {
        return deliver(events.front());
      });
}
CallbackSink::~CallbackSink() { close(); }
void CallbackSink::emit(const TelemetryEvent& event) { worker_->emit(event); }
void CallbackSink::flush() {
  worker_->flush();
  if (on_flush_ && !closed_) on_flush_();
}
bool CallbackSink::on_delivery_thread() const noexcept { return worker_->on_worker_thread(); }
void CallbackSink::close() {
  if (closed_.exchange(true)) return;
  worker_->close();
  if (on_close_) on_close_();
}
SinkStats CallbackSink::stats() const { return worker_->stats(); }

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
  if (source_.empty()) throw_error(Error(errors::kTelemetrySource, "source", "source is required"));
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
  if (!sink) throw_error(Error(errors::kTelemetrySink, "sink", "sink is null"));
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
