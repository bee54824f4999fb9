// The durable store: decisions, versioned objects, the audit chain.
#include <pybind11/stl.h>

#include <mutex>

#include "aegis/store/store.h"
#include "bindings.h"

namespace aegis::python {

namespace {

// A Store is used by one thread at a time (store.h); its calls here run without the GIL, so
// each takes the store's lock first — after letting go of the GIL, never while holding it.
struct GuardedStore {
  std::unique_ptr<Store> store;
  std::mutex lock;
  // Given to an AFABridge, whose decision log writes from threads of its own: from then on the
  // Store is the bridge's, and calls here are refused rather than racing with it.
  bool lent = false;

  template <typename F>
  auto run(F&& f) {
    if (lent)
      throw std::runtime_error(
          "this Store was given to an AFABridge, which writes to it from its own threads; open "
          "another Store on the same database for other calls");
    py::gil_scoped_release free;
    std::lock_guard<std::mutex> g(lock);
    return f(*store);
  }
};

}  // namespace

void bind_store(py::module_& m) {
  py::class_<GuardedStore>(
      m, "Store",
      "Durable store (sqlite:PATH or postgresql://...) with a tamper-evident chain. Calls release "
      "the GIL; threads sharing a Store take turns.")
      .def_static(
          "open",
          [](const std::string& url) {
            auto g = std::make_unique<GuardedStore>();
            py::gil_scoped_release free;
            g->store = Store::open(url);
            return g;
          },
          py::arg("url"))
      .def(
          "record_decisions",
          [](GuardedStore& s, const std::vector<PCWDecision>& ds) {
            return s.run([&](Store& st) { return st.record_decisions(ds).size(); });
          },
          py::arg("decisions"), "Appends decisions durably; returns how many.")
      .def(
          "get_decision",
          [](GuardedStore& s, std::string_view id) {
            return s.run([&](Store& st) { return st.get_decision(id); });
          },
          py::arg("decision_id"), "The decision's JSON text, or None.")
      .def(
          "save_object",
          [](GuardedStore& s, std::string_view type, std::string_view id, const std::string& state,
             int64_t expected_version) {
            return s.run(
                [&](Store& st) { return st.save_object(type, id, state, expected_version); });
          },
          py::arg("type"), py::arg("id"), py::arg("state"), py::arg("expected_version"),
          "Saves JSON state; expected_version 0 creates. A stale version raises ValueError "
          "(AegisConflictError). Returns the new version.")
      .def(
          "load_object",
          [](GuardedStore& s, std::string_view type, std::string_view id) -> py::object {
            auto o = s.run([&](Store& st) { return st.load_object(type, id); });
            if (!o) return py::none();
            return py::make_tuple(o->state, o->version);
          },
          py::arg("type"), py::arg("id"), "(state_json, version) or None.")
      .def("verify_chain",
           [](GuardedStore& s) {
             const ChainVerification v = s.run([](Store& st) { return st.verify_chain(); });
             return py::dict(py::arg("intact") = v.intact, py::arg("entries") = v.entries,
                             py::arg("first_broken_seq") = v.first_broken_seq,
                             py::arg("problem") = v.problem);
           })
      .def("entries", [](GuardedStore& s) {
        std::vector<AuditEntry> entries;
        s.run([&](Store& st) {
          st.for_each_entry([&](const AuditEntry& e) {
            entries.push_back(e);
            return true;
          });
          return 0;
        });
        py::list l;
        for (const auto& e : entries)
          l.append(py::dict(py::arg("seq") = e.seq, py::arg("kind") = e.kind, py::arg("id") = e.id,
                            py::arg("time") = e.time, py::arg("body") = e.body,
                            py::arg("prev_hash") = e.prev_hash,
                            py::arg("entry_hash") = e.entry_hash));
        return l;
      });
}

Store* lend_store(py::handle store) {
  GuardedStore* g = optional_object<GuardedStore>(store, "store");
  if (!g) return nullptr;
  // Wait for a call of another thread to finish, then hand the Store over.
  {
    py::gil_scoped_release free;
    std::lock_guard<std::mutex> l(g->lock);
  }
  if (g->lent) throw std::runtime_error("this Store was already given to an AFABridge");
  g->lent = true;
  return g->store.get();
}

}  // namespace aegis::python
