// The aegis_governance._core extension: the C++ engine, with the reference SDK's names.
#include "aegis/core/version.h"
#include "bindings.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "AEGIS governance decision engine (C++ core).";
  m.attr("__version__") = aegis::kEngineVersion;
  aegis::python::bind_errors(m);
  aegis::python::bind_config(m);
  aegis::python::bind_gates(m);
  aegis::python::bind_drift(m);
  aegis::python::bind_decide(m);
  aegis::python::bind_workflow(m);  // Actor first: Approver derives from it
  aegis::python::bind_override(m);
  aegis::python::bind_store(m);
  aegis::python::bind_metrics(m);
  aegis::python::bind_telemetry(m);
  aegis::python::bind_kek(m);
  aegis::python::add_text_signatures(m);  // last: it reads the finished docstrings
}
