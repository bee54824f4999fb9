// Telemetry events and HTTP sinks (docs/interfaces.md#telemetry-and-metrics). A TelemetryEmitter is
// a decision side channel (pass it to pcw_decide as telemetry_emitter) that turns each decision
// into events and hands them to its sinks. Sinks POST off the caller's thread; a full queue or a
// failed POST is counted, never thrown into a decision. All classes are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/decide.h"
#include "aegis/telemetry/encryption.h"

namespace aegis {

// {event_id, event_type, timestamp, source, agent_id, session_id, decision_id, payload}.
// event_type: decision.made, decision.shadow, gate.evaluated, override.requested,
// override.approved, override.rejected, drift.detected.
struct TelemetryEvent {
  std::string event_id;
  std::string event_type;
  std::string timestamp;  // RFC 3339 UTC, milliseconds
  std::string source;
  std::string agent_id;
  std::string session_id;
  std::string decision_id;
  nlohmann::json payload = nlohmann::json::object();
  // With encryption (telemetry/encryption.h): the sealed personal fields; agent_id and
  // session_id are then left out of the JSON.
  std::optional<nlohmann::json> encrypted;
  nlohmann::json to_json() const;
};

// What a sink did so far.
struct SinkStats {
  uint64_t sent = 0;     // events delivered (2xx)
  uint64_t failed = 0;   // events whose POST failed after the retries
  uint64_t dropped = 0;  // events refused because the queue was full or the sink closed
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Queues the event; never blocks on the network and never throws.
  virtual void emit(const TelemetryEvent& event) = 0;
  // Blocks until everything queued so far was attempted.
  virtual void flush() = 0;
  // flush(), then stops; later events are dropped.
  virtual void close() = 0;
  virtual SinkStats stats() const = 0;
};

using Headers = std::map<std::string, std::string>;

// Checks a sink URL: https, or http only with allow_insecure. InvalidInputError naming `field`.
void validate_sink_url(std::string_view url, bool allow_insecure, std::string_view field = "url");

namespace detail {
class SinkWorker;
}

// What both HTTP sinks share: a bounded queue (10,000 events) and one thread that POSTs with
// libcurl. https:// only unless allow_insecure; TLS peers are verified against the system CAs,
// or the file named by SSL_CERT_FILE.
class HttpSink : public EventSink {
 public:
  ~HttpSink() override;
  void emit(const TelemetryEvent& event) override;
  void flush() override;
  void close() override;
  SinkStats stats() const override;
  const std::string& url() const noexcept;

 protected:
  // batch_size 0: one POST per event, else JSON arrays (see BatchHTTPSink).
  HttpSink(std::string url, const Headers& headers, std::chrono::seconds timeout,
           bool allow_insecure, size_t batch_size = 0,
           std::chrono::milliseconds flush_interval = {}, int max_retries = 0,
           std::chrono::milliseconds retry_delay = {});

 private:
  std::string url_;
  std::unique_ptr<detail::SinkWorker> worker_;
};

// One POST per event (the event's JSON object), no retry.
class HTTPEventSink : public HttpSink {
 public:
  HTTPEventSink(std::string url, Headers headers = {},
                std::chrono::seconds timeout = std::chrono::seconds(10),
                bool allow_insecure = false);
};

// Buffers events and POSTs them as one JSON array when batch_size are waiting or every
// flush_interval; a failed POST is retried max_retries times, retry_delay apart.
class BatchHTTPSink : public HttpSink {
 public:
  BatchHTTPSink(std::string url, Headers headers = {},
                std::chrono::seconds timeout = std::chrono::seconds(10), size_t batch_size = 100,
                std::chrono::milliseconds flush_interval = std::chrono::seconds(60),
                int max_retries = 1,
                std::chrono::milliseconds retry_delay = std::chrono::milliseconds(1000),
                bool allow_insecure = false);
};

// A sink that hands each event's JSON text to `deliver`, one at a time on the sink's own thread
// (the same bounded queue as the HTTP sinks): false or an exception counts the event as failed,
// never reaching the emitter. flush() waits for the queue, then calls on_flush (not after
// close); close() delivers for at most close_grace, drops the rest, then calls on_close (once).
// For sinks written in another language (the Python module's `emit(event: dict)` objects).
// `deliver` may call flush() or close() (they do not wait for the delivery that calls them), but
// a CallbackSink must not be destroyed on its own delivery thread (on_delivery_thread()): hand
// that to another thread.
class CallbackSink : public EventSink {
 public:
  using Deliver = std::function<bool(const std::string& event_json)>;
  explicit CallbackSink(Deliver deliver, std::function<void()> on_flush = {},
                        std::function<void()> on_close = {},
                        std::chrono::milliseconds close_grace = std::chrono::seconds(10));
  ~CallbackSink() override;
  void emit(const TelemetryEvent& event) override;
  void flush() override;
  void close() override;
  SinkStats stats() const override;
  bool on_delivery_thread() const noexcept;

 private:
  std::function<void()> on_flush_, on_close_;
  std::atomic<bool> closed_{false};
  std::unique_ptr<detail::SinkWorker> worker_;
};

// HTTPEventSink without batch_size, BatchHTTPSink with one.
std::shared_ptr<EventSink> http_sink(std::string url,
                                     std::optional<size_t> batch_size = std::nullopt,
                                     Headers headers = {},
                                     std::chrono::seconds timeout = std::chrono::seconds(10),
                                     bool allow_insecure = false);

// Fans events out to its sinks. As a DecisionObserver it emits, per decision: decision.made (or
// decision.shadow in shadow mode) with the status, failing gates and confidence; one
// gate.evaluated per gate; drift.detected when drift is WARNING or CRITICAL.
class TelemetryEmitter : public DecisionObserver {
 public:
  // Encrypts the events' personal fields (telemetry/encryption.h) to `encryption_public_key`
  // when given (the 1216 key bytes, or their base64), else to AEGIS_MASTER_KEK_PUBLIC when that
  // is set; a malformed key is an error, never a reason to send in the clear.
  explicit TelemetryEmitter(std::string source,
                            std::optional<std::string> encryption_public_key = std::nullopt,
                            TelemetryEpoch epoch = {});
  // Whether events leave with their personal fields encrypted.
  bool encrypting() const noexcept { return encryptor_ != nullptr; }
  const EventEncryptor* encryptor() const noexcept { return encryptor_.get(); }
  void add_sink(std::shared_ptr<EventSink> sink);
  void on_decision(const PCWContext& context, const PCWDecision& decision) override;
  // Any other event (override.requested, ...), filled in with an id, time and this source.
  void emit(std::string_view event_type, nlohmann::json payload, std::string_view agent_id = "",
            std::string_view session_id = "", std::string_view decision_id = "");
  void flush();
  void close();
  const std::string& source() const noexcept { return source_; }
  // Events dropped or failed across all sinks so far.
  uint64_t lost() const;

 private:
  void send(TelemetryEvent event);

  std::string source_;
  std::unique_ptr<EventEncryptor> encryptor_;
  mutable std::mutex lock_;
  std::vector<std::shared_ptr<EventSink>> sinks_;
};

}  // namespace aegis
