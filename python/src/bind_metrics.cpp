// PrometheusExporter: a decision side channel with the Prometheus text of its counters.
#include "aegis/telemetry/metrics.h"
#include "bindings.h"

namespace aegis::python {

void bind_metrics(py::module_& m) {
  py::class_<PrometheusExporter>(m, "PrometheusExporter",
                                 "Prometheus metrics of the decisions it is given "
                                 "(pcw_decide(..., prometheus_exporter=exporter)).")
      .def(py::init<>())
      .def("record_override", &PrometheusExporter::record_override, py::arg("outcome"))
      .def("record_http_request", &PrometheusExporter::record_http_request, py::arg("route"),
           py::arg("code"))
      .def("text", &PrometheusExporter::text, "The Prometheus text exposition format.");
}

}  // namespace aegis::python
