// The durable store: decisions, versioned objects, the audit chain.
#include <pybind11/stl.h>

#include "aegis/store.h"
#include "bindings.h"

namespace aegis::python {

void bind_store(py::module_& m) {
  py::class_<Store>(m, "Store",
                    "Durable store (sqlite:PATH or postgresql://...) with a tamper-evident chain.")
      .def_static("open", &Store::open, py::arg("url"))
      .def(
          "record_decisions",
          [](Store& s, const std::vector<PCWDecision>& ds) {
            return s.record_decisions(ds).size();
          },
          py::arg("decisions"), "Appends decisions durably; returns how many.")
      .def("get_decision", &Store::get_decision, py::arg("decision_id"),
           "The decision's JSON text, or None.")
      .def("save_object", &Store::save_object, py::arg("type"), py::arg("id"), py::arg("state"),
           py::arg("expected_version"),
           "Saves JSON state; expected_version 0 creates. A stale version raises ValueError "
           "(AegisConflictError). Returns the new version.")
      .def(
          "load_object",
          [](Store& s, std::string_view type, std::string_view id) -> py::object {
            auto o = s.load_object(type, id);
            if (!o) return py::none();
            return py::make_tuple(o->state, o->version);
          },
          py::arg("type"), py::arg("id"), "(state_json, version) or None.")
      .def("verify_chain",
           [](Store& s) {
             const ChainVerification v = s.verify_chain();
             return py::dict(py::arg("intact") = v.intact, py::arg("entries") = v.entries,
                             py::arg("first_broken_seq") = v.first_broken_seq,
                             py::arg("problem") = v.problem);
           })
      .def("entries", [](Store& s) {
        py::list l;
        s.for_each_entry([&](const AuditEntry& e) {
          l.append(py::dict(py::arg("seq") = e.seq, py::arg("kind") = e.kind, py::arg("id") = e.id,
                            py::arg("time") = e.time, py::arg("body") = e.body,
                            py::arg("prev_hash") = e.prev_hash,
                            py::arg("entry_hash") = e.entry_hash));
          return true;
        });
        return l;
      });
}

}  // namespace aegis::python
