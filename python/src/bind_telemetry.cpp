// Telemetry: TelemetryEmitter, HTTPEventSink, BatchHTTPSink, http_sink
// (docs/interfaces.md#telemetry-and-metrics). The sinks post from their own C++ threads; flush()
// and close() release the GIL while they wait.
#include <pybind11/stl.h>

#include <cmath>
#include <thread>

#include "aegis/telemetry/errors.h"
#include "aegis/telemetry/telemetry.h"
#include "bindings.h"

namespace aegis::python {
namespace {

Headers headers_of(const std::optional<std::map<std::string, std::string>>& h) {
  return h ? Headers(h->begin(), h->end()) : Headers{};
}

std::chrono::seconds seconds(double s, const char* name) {
  if (!(s > 0) || s > 86400)
    throw_error(
        Error(errors::kTelemetryTimeout, name, std::string(name) + " must be in (0, 86400]"));
  return std::chrono::seconds(static_cast<int64_t>(std::ceil(s)));
}

std::chrono::milliseconds millis(double s, const char* name) {
  if (!(s >= 0) || s > 86400)
    throw_error(
        Error(errors::kTelemetryInterval, name, std::string(name) + " must be in [0, 86400]"));
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

py::dict stats_dict(const SinkStats& s) {
  py::dict d;
  d["sent"] = s.sent;
  d["failed"] = s.failed;
  d["dropped"] = s.dropped;
  return d;
}

TelemetryEvent event_from(const py::dict& d) {
  const nlohmann::json j = to_json(d, "event");
  TelemetryEvent e;
  auto text = [&](const char* k, std::string& out) {
    if (j.contains(k) && j[k].is_string()) out = j[k].get<std::string>();
  };
  text("event_id", e.event_id);
  text("event_type", e.event_type);
  text("timestamp", e.timestamp);
  text("source", e.source);
  text("agent_id", e.agent_id);
  text("session_id", e.session_id);
  text("decision_id", e.decision_id);
  if (e.event_type.empty())
    throw_error(Error(errors::kTelemetryEvent, "event_type", "event_type is required"));
  if (j.contains("payload")) e.payload = j["payload"];
  return e;
}

// A Python object held by C++ threads: dropped with the GIL held, and not at all once the
// interpreter is gone.
struct PyRef {
  py::object object;
  explicit PyRef(py::object o) : object(std::move(o)) {}
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  ~PyRef() {
    if (!Py_IsInitialized()) {
      object.release();
      return;
    }
    py::gil_scoped_acquire gil;
    object = py::object();
  }
};

// The Python-written sinks, so that interpreter exit closes them before their threads could
// wait for a GIL that no longer exists.
std::mutex python_sinks_lock;
std::vector<std::weak_ptr<CallbackSink>> python_sinks;

void close_python_sinks() {
  std::vector<std::shared_ptr<CallbackSink>> open;
  {
    std::lock_guard<std::mutex> g(python_sinks_lock);
    for (auto& w : python_sinks)
      if (auto s = w.lock()) open.push_back(std::move(s));
    python_sinks.clear();
  }
  py::gil_scoped_release release;
  for (auto& s : open) s->close();
}

// Any object with emit(event: dict), and optionally flush() and close(), as an EventSink: emit
// runs on the sink's own thread; an exception it raises counts the event as failed.
std::shared_ptr<EventSink> python_sink(const py::object& object) {
  if (!py::hasattr(object, "emit") || !PyCallable_Check(object.attr("emit").ptr()))
    throw InvalidInputError(
        Error(errors::kTelemetrySink, "sink",
              "sink must be an EventSink or have an emit(event: dict) method, got a " +
                  py::str(py::type::handle_of(object).attr("__name__")).cast<std::string>()));
  auto ref = std::make_shared<PyRef>(object);
  auto call = [ref](const char* method) -> std::function<void()> {
    if (!py::hasattr(ref->object, method)) return {};
    return [ref, method] {
      py::gil_scoped_acquire gil;
      try {
        ref->object.attr(method)();
      } catch (py::error_already_set& e) {
        e.discard_as_unraisable(method);
      }
    };
  };
  // The first exception emit raises goes to sys.unraisablehook (printed, by default), so that a
  // broken sink is seen; all of them are counted as lost.
  auto reported = std::make_shared<bool>(false);
  auto deliver = [ref, reported](const std::string& event_json) {
    py::gil_scoped_acquire gil;
    try {
      ref->object.attr("emit")(from_json(nlohmann::json::parse(event_json)));
      return true;
    } catch (py::error_already_set& e) {
      if (!*reported) {
        *reported = true;
        e.discard_as_unraisable("aegis_governance: a telemetry sink's emit() (counted as lost)");
      }
      return false;
    }
  };
  // Destroyed without the GIL (closing joins the sink's thread, which may be waiting for it),
  // and never on that thread itself (a sink whose emit drops the last reference to it): then on
  // a thread of its own.
  auto sink = std::shared_ptr<CallbackSink>(new CallbackSink(deliver, call("flush"), call("close")),
                                            [](CallbackSink* s) {
                                              if (s->on_delivery_thread()) {
                                                std::thread([s] { delete s; }).detach();
                                              } else if (Py_IsInitialized() && PyGILState_Check()) {
                                                py::gil_scoped_release release;
                                                delete s;
                                              } else {
                                                delete s;
                                              }
                                            });
  std::lock_guard<std::mutex> g(python_sinks_lock);
  std::erase_if(python_sinks, [](const auto& w) { return w.expired(); });
  python_sinks.push_back(sink);
  return sink;
}

}  // namespace

void bind_telemetry(py::module_& m) {
  py::module_::import("atexit").attr("register")(py::cpp_function(&close_python_sinks));
  py::class_<EventSink, std::shared_ptr<EventSink>>(m, "EventSink", "A telemetry event sink.")
      .def(
          "emit", [](EventSink& s, const py::dict& event) { s.emit(event_from(event)); },
          py::arg("event"), "Queues an event (a dict of the event fields); never blocks.")
      .def("flush", &EventSink::flush, py::call_guard<py::gil_scoped_release>())
      .def("close", &EventSink::close, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("stats", [](const EventSink& s) { return stats_dict(s.stats()); });
  py::class_<HttpSink, EventSink, std::shared_ptr<HttpSink>>(m, "HttpSink",
                                                             "What both HTTP sinks share.")
      .def_property_readonly("url", &HttpSink::url);

  py::class_<HTTPEventSink, HttpSink, std::shared_ptr<HTTPEventSink>>(
      m, "HTTPEventSink", "One HTTPS POST per event, off the caller's thread.")
      .def(py::init([](std::string url, std::optional<std::map<std::string, std::string>> headers,
                       double timeout, bool allow_insecure) {
             return std::make_shared<HTTPEventSink>(std::move(url), headers_of(headers),
                                                    seconds(timeout, "timeout"), allow_insecure);
           }),
           py::arg("url"), py::arg("headers") = py::none(), py::arg("timeout") = 10,
           py::arg("allow_insecure") = false);

  py::class_<BatchHTTPSink, HttpSink, std::shared_ptr<BatchHTTPSink>>(
      m, "BatchHTTPSink", "JSON arrays of events, by size or interval, with retries.")
      .def(py::init([](std::string url, std::optional<std::map<std::string, std::string>> headers,
                       double timeout, int64_t batch_size, double flush_interval_seconds,
                       int max_retries, double retry_delay_seconds, bool allow_insecure) {
             if (batch_size < 1)
               throw_error(
                   Error(errors::kTelemetryBatchSize, "batch_size", "batch_size must be >= 1"));
             return std::make_shared<BatchHTTPSink>(
                 std::move(url), headers_of(headers), seconds(timeout, "timeout"),
                 static_cast<size_t>(batch_size),
                 millis(flush_interval_seconds, "flush_interval_seconds"), max_retries,
                 millis(retry_delay_seconds, "retry_delay_seconds"), allow_insecure);
           }),
           py::arg("url"), py::arg("headers") = py::none(), py::arg("timeout") = 10,
           py::arg("batch_size") = 100, py::arg("flush_interval_seconds") = 60,
           py::arg("max_retries") = 1, py::arg("retry_delay_seconds") = 1.0,
           py::arg("allow_insecure") = false);

  m.def(
      "http_sink",
      [](std::string url, std::optional<int64_t> batch_size,
         std::optional<std::map<std::string, std::string>> headers, double timeout,
         bool allow_insecure) {
        if (batch_size && *batch_size < 1)
          throw_error(Error(errors::kTelemetryBatchSize, "batch_size", "batch_size must be >= 1"));
        return http_sink(
            std::move(url),
            batch_size ? std::optional<size_t>(static_cast<size_t>(*batch_size)) : std::nullopt,
            headers_of(headers), seconds(timeout, "timeout"), allow_insecure);
      },
      py::arg("url"), py::arg("batch_size") = py::none(), py::arg("headers") = py::none(),
      py::arg("timeout") = 10, py::arg("allow_insecure") = false,
      "HTTPEventSink without batch_size, BatchHTTPSink with one.");

  py::class_<TelemetryEmitter>(m, "TelemetryEmitter",
                               "Turns decisions into events for its sinks "
                               "(pcw_decide(..., telemetry_emitter=emitter)).")
      .def(py::init([](std::string source, const py::object& key) {
             std::optional<std::string> k;
             if (py::isinstance<py::bytes>(key))
               k = key.cast<std::string>();
             else if (py::isinstance<py::str>(key))
               k = key.cast<std::string>();
             else if (!key.is_none())
               throw InvalidInputError(
                   Error(errors::kTelemetryEncryptionKey, "encryption_public_key",
                         "encryption_public_key must be bytes (1216) or their base64 text"));
             return std::make_unique<TelemetryEmitter>(std::move(source), std::move(k));
           }),
           py::arg("source"), py::arg("encryption_public_key") = py::none(),
           "With encryption_public_key (or AEGIS_MASTER_KEK_PUBLIC set), the events' personal "
           "fields leave sealed (HPKE X-Wing epochs, AES-256-GCM per event).")
      .def_property_readonly("encrypting", &TelemetryEmitter::encrypting)
      .def(
          "add_sink",
          [](TelemetryEmitter& e, const py::object& sink) {
            if (py::isinstance<EventSink>(sink))
              e.add_sink(sink.cast<std::shared_ptr<EventSink>>());
            else
              e.add_sink(python_sink(sink));
          },
          py::arg("sink"),
          "An EventSink, or any object with emit(event: dict) and optional flush()/close(): "
          "called on a thread of its own, off the decision path; an exception in emit counts the "
          "event as lost (see lost), never reaching pcw_decide.")
      .def(
          "on_decision",
          [](TelemetryEmitter& e, py::handle context, const PCWDecision& decision) {
            e.on_decision(synced(context), decision);
          },
          py::arg("context"), py::arg("decision"))
      .def(
          "emit",
          [](TelemetryEmitter& e, const std::string& event_type, py::object payload,
             const std::string& agent_id, const std::string& session_id,
             const std::string& decision_id) {
            e.emit(event_type,
                   payload.is_none() ? nlohmann::json::object() : to_json(payload, "payload"),
                   agent_id, session_id, decision_id);
          },
          py::arg("event_type"), py::arg("payload") = py::none(), py::arg("agent_id") = "",
          py::arg("session_id") = "", py::arg("decision_id") = "")
      .def("flush", &TelemetryEmitter::flush, py::call_guard<py::gil_scoped_release>())
      .def("close", &TelemetryEmitter::close, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("source", &TelemetryEmitter::source)
      .def_property_readonly("lost", &TelemetryEmitter::lost,
                             "Events dropped or failed across its sinks so far.");
}

}  // namespace aegis::python
