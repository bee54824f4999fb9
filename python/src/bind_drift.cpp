// Drift detection: DriftStatus, DriftAction, DriftResult, DriftMonitor.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "bindings.h"

namespace aegis::python {
namespace {

using TimePoint = DriftMonitor::TimePoint;

// A datetime (aware; naive ones are read as local time, as datetime.timestamp() does).
TimePoint to_time_point(py::handle dt) {
  const double secs = dt.attr("timestamp")().cast<double>();
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(secs)));
}

}  // namespace

void bind_drift(py::module_& m) {
  bind_enum<DriftStatus>(m, "Drift status of the current window.");
  bind_enum<DriftAction>(m, "What a drift status asks for.");

  py::class_<DriftResult>(m, "DriftResult", "The outcome of one drift evaluation.")
      .def(py::init<>())
      .def_readwrite("status", &DriftResult::status)
      .def_readwrite("action", &DriftResult::action)
      .def_readwrite("kl_divergence", &DriftResult::kl_divergence)
      .def_readwrite("n_baseline", &DriftResult::n_baseline)
      .def_readwrite("n_current", &DriftResult::n_current)
      .def_readwrite("tau_warning", &DriftResult::tau_warning)
      .def_readwrite("tau_critical", &DriftResult::tau_critical)
      .def_property_readonly("message", &DriftResult::message, "Derived from the other fields.");

  py::class_<DriftMonitor>(m, "DriftMonitor",
                           "KL-divergence drift detector. Not thread-safe: one per thread.")
      .def(py::init([](const KLDriftConfig* config, py::object clock) {
             DriftMonitor::Clock c;
             if (!clock.is_none()) {
               c = [clock]() {
                 py::gil_scoped_acquire gil;
                 return to_time_point(clock());
               };
             }
             return DriftMonitor(config ? *config : KLDriftConfig{}, c);
           }),
           py::arg("config") = py::none(), py::arg("clock") = py::none(),
           "clock: optional callable returning the current datetime (for tests).")
      .def(
          "set_baseline", [](DriftMonitor& d, const Numbers& v) { d.set_baseline(v.value); },
          py::arg("values"), "At least 30 finite values.")
      .def_property_readonly("has_baseline", &DriftMonitor::has_baseline)
      .def_property_readonly("baseline_hash", &DriftMonitor::baseline_hash)
      .def(
          "add_observation",
          [](DriftMonitor& d, Number value, py::object timestamp) {
            if (timestamp.is_none()) {
              d.add_observation(value);
            } else {
              d.add_observation(value, to_time_point(timestamp));
            }
          },
          py::arg("value"), py::arg("timestamp") = py::none())
      .def("evaluate", &DriftMonitor::evaluate)
      .def(
          "check", [](const DriftMonitor& d, const Numbers& v) { return d.check(v.value); },
          py::arg("values"))
      .def_property_readonly("window_size", &DriftMonitor::window_size);
}

}  // namespace aegis::python
