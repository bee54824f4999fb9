// The decision interface: PCWPhase, PCWStatus, PCWContext, PCWDecision, ShadowResult,
// DecisionTrace, pcw_decide, quick_risk_check, require_human_approval.
#include <pybind11/stl.h>

#include <chrono>

#include "aegis/json.h"
#include "aegis/metrics.h"
#include "aegis/telemetry.h"
#include "bindings.h"

namespace aegis::python {
namespace {

[[noreturn]] void wrong_type(const std::string& field, const char* expected, py::handle v) {
  throw InvalidInputError(
      invalid_input("context.wrong_type", field,
                    field + " must be " + expected + ", got " + py::repr(v).cast<std::string>()));
}

// One setter per field, shared by the keyword constructor and attribute assignment, so both
// reject bad types with a ValueError naming the field.
struct FieldSetter {
  const char* name;
  void (*set)(PCWContext&, py::handle);
  py::object (*get)(const PCWContext&);
};

#define AEGIS_NUM(f)                                                                              \
  {                                                                                               \
#f, [](PCWContext & c,                                                                        \
           py::handle v) { c.f = number(#f, v); }, [](const PCWContext& c)                        \
                                                        -> py::object { return py::float_(c.f); } \
  }
#define AEGIS_BOOL(f)                                                                             \
  {                                                                                               \
#f, [](PCWContext & c,                                                                        \
           py::handle v) { c.f = boolean(#f, v); }, [](const PCWContext& c)                       \
                                                         -> py::object { return py::bool_(c.f); } \
  }
#define AEGIS_STR(f)                                                                         \
  {                                                                                          \
#f, [](PCWContext & c,                                                                   \
           py::handle v) { c.f = text(#f, v); }, [](const PCWContext& c)                     \
                                                      -> py::object { return py::str(c.f); } \
  }
const FieldSetter kFields[] = {
    AEGIS_STR(agent_id),
    AEGIS_STR(session_id),
    {"phase", [](PCWContext& c, py::handle v) { c.phase = enum_from_python<PCWPhase>(v, "phase"); },
     [](const PCWContext& c) { return enum_to_python(c.phase); }},
    AEGIS_STR(proposal_summary),
    AEGIS_STR(estimated_impact),
    AEGIS_NUM(risk_baseline),
    AEGIS_NUM(risk_proposed),
    AEGIS_NUM(profit_baseline),
    AEGIS_NUM(profit_proposed),
    AEGIS_NUM(novelty_score),
    AEGIS_NUM(complexity_score),
    AEGIS_NUM(quality_score),
    {"utility_result",
     [](PCWContext& c, py::handle v) {
       if (v.is_none()) {
         c.utility_result.reset();
       } else if (py::isinstance<UtilityResult>(v)) {
         c.utility_result = v.cast<UtilityResult>();
       } else {
         wrong_type("utility_result", "a UtilityResult or None", v);
       }
     },
     [](const PCWContext& c) { return py::cast(c.utility_result); }},
    AEGIS_BOOL(requires_human_approval),
    AEGIS_BOOL(time_sensitive),
    AEGIS_BOOL(reversible),
};
#undef AEGIS_NUM
#undef AEGIS_BOOL
#undef AEGIS_STR

constexpr const char* kRequired[] = {"agent_id", "session_id", "phase", "proposal_summary",
                                     "estimated_impact"};

// A context's quality_subscores and metadata are the Python list and dict the caller gave (or
// that the first read made), kept in the instance: changed in place, they reach the next
// decision, which reads them again (synced()).
const py::str& subscores_key() {
  static const py::str* k = new py::str("_aegis_quality_subscores");
  return *k;
}
const py::str& metadata_key() {
  static const py::str* k = new py::str("_aegis_metadata");
  return *k;
}

py::dict instance_dict(py::handle self) {
  return py::reinterpret_steal<py::dict>(PyObject_GenericGetDict(self.ptr(), nullptr));
}

nlohmann::json metadata_json(py::handle v) {
  if (!py::isinstance<py::dict>(v)) wrong_type("metadata", "a dict", v);
  return to_json(v, "metadata");
}

void set_subscores(py::handle self, py::object v) {
  self.cast<PCWContext&>().quality_subscores = numbers("quality_subscores", v);
  instance_dict(self)[subscores_key()] = std::move(v);
}

void set_metadata(py::handle self, py::object v) {
  if (v.is_none()) v = py::dict();
  self.cast<PCWContext&>().metadata = metadata_json(v);
  instance_dict(self)[metadata_key()] = std::move(v);
}

py::object get_subscores(py::handle self) {
  py::dict d = instance_dict(self);
  if (!d.contains(subscores_key()))
    d[subscores_key()] = py::cast(self.cast<const PCWContext&>().quality_subscores);
  return d[subscores_key()];
}

py::object get_metadata(py::handle self) {
  py::dict d = instance_dict(self);
  if (!d.contains(metadata_key())) d[metadata_key()] = from_json(self.cast<const PCWContext&>().metadata);
  return d[metadata_key()];
}

PCWContext make_context(const py::kwargs& kw) {
  for (const char* r : kRequired) {
    if (!kw.contains(r))
      throw py::type_error(std::string("PCWContext() missing required argument '") + r + "'");
  }
  PCWContext c;
  for (auto item : kw) {
    const std::string k = item.first.cast<std::string>();
    if (k == "quality_subscores") {
      c.quality_subscores = numbers(k, item.second);
    } else if (k == "metadata") {
      c.metadata = item.second.is_none() ? nlohmann::json::object() : metadata_json(item.second);
    } else {
      const FieldSetter* f = nullptr;
      for (const auto& fs : kFields)
        if (k == fs.name) f = &fs;
      if (!f) throw py::type_error("PCWContext() got an unexpected keyword argument '" + k + "'");
      f->set(c, item.second);
    }
  }
  return c;
}

// Adapts a Python side channel with `on_decision(context, decision)`.
class PyObserver : public DecisionObserver {
 public:
  explicit PyObserver(py::object o) : o_(std::move(o)) {}
  void on_decision(const PCWContext& c, const PCWDecision& d) override {
    o_.attr("on_decision")(c, d);
  }

 private:
  py::object o_;
};

// Adapts a Python RBAC object with `has_permission(actor_id, permission) -> bool`.
class PyPermissions : public PermissionChecker {
 public:
  explicit PyPermissions(py::object o) : o_(std::move(o)) {}
  std::optional<Error> check(std::string_view actor, std::string_view permission) const override {
    if (o_.attr("has_permission")(actor, permission).cast<bool>()) return std::nullopt;
    return Error{ErrorKind::kForbidden, "rbac.denied", "agent_id",
                 "actor '" + std::string(actor) + "' lacks the '" + std::string(permission) +
                     "' permission"};
  }

 private:
  py::object o_;
};

std::optional<PyObserver> observer(py::object o, const char* name) {
  if (o.is_none() || py::isinstance<PrometheusExporter>(o) || py::isinstance<TelemetryEmitter>(o))
    return std::nullopt;
  if (!py::hasattr(o, "on_decision"))
    throw py::type_error(std::string(name) + " must have an on_decision(context, decision) method");
  return PyObserver(std::move(o));
}

}  // namespace

const PCWContext& synced(py::handle context) {
  if (!py::isinstance<PCWContext>(context))
    throw py::type_error("context must be a PCWContext, got " +
                         py::str(py::type::handle_of(context).attr("__name__")).cast<std::string>());
  PCWContext& c = context.cast<PCWContext&>();
  PyObject** dict = _PyObject_GetDictPtr(context.ptr());
  if (dict && *dict) {
    if (PyObject* l = PyDict_GetItem(*dict, subscores_key().ptr()))
      c.quality_subscores = numbers("quality_subscores", l);
    if (PyObject* d = PyDict_GetItem(*dict, metadata_key().ptr())) c.metadata = metadata_json(d);
  }
  return c;
}

void bind_decide(py::module_& m) {
  bind_enum<PCWPhase>(m, "Plan-Commit-Work lifecycle phase.");
  bind_enum<PCWStatus>(m, "Decision outcome.");

  py::class_<PCWContext> ctx(m, "PCWContext", py::dynamic_attr(),
                             "All inputs for a governance decision.");
  ctx.def(py::init(&make_context))
      .def("to_dict", [](py::handle self) { return from_json(context_to_json(synced(self))); })
      .def_property("quality_subscores", &get_subscores, &set_subscores)
      .def_property("metadata", &get_metadata, &set_metadata);
  for (const auto& f : kFields) {
    const FieldSetter* fs = &f;
    ctx.def_property(f.name, py::cpp_function([fs](const PCWContext& c) { return fs->get(c); }),
                     py::cpp_function([fs](PCWContext& c, py::handle v) { fs->set(c, v); }));
  }

  // Value types for the dataclass facade (aegis_governance/_dataclasses.py).
  py::class_<DecisionTrace>(m, "DecisionTrace", "What the engine saw and computed.")
      .def(py::init<>())
      .def_readwrite("config_hash", &DecisionTrace::config_hash)
      .def_readwrite("engine_version", &DecisionTrace::engine_version)
      .def_readwrite("x_R", &DecisionTrace::x_R)
      .def_readwrite("x_P", &DecisionTrace::x_P)
      .def_property(
          "gate_results", [](const DecisionTrace& t) { return gates_to_dict(t.gate_results); },
          [](DecisionTrace& t, const py::dict& d) {
            t.gate_results = gates_from_dict(d, "gate_results");
          })
      .def_readwrite("evaluation_time_ns", &DecisionTrace::evaluation_time_ns)
      .def_readwrite("phase", &DecisionTrace::phase);

  py::class_<ShadowResult>(m, "ShadowResult", "Attached when shadow_mode=True.")
      .def(py::init<>())
      .def_readwrite("drift_result", &ShadowResult::drift_result)
      .def_readwrite("observation_values", &ShadowResult::observation_values)
      .def_readwrite("baseline_hash", &ShadowResult::baseline_hash)
      .def_readwrite("shadow_only", &ShadowResult::shadow_only);

  py::class_<PCWDecision>(m, "PCWDecision", "The full decision result.")
      .def(py::init<>())
      .def_readwrite("status", &PCWDecision::status)
      .def_readwrite("confidence", &PCWDecision::confidence)
      .def_readwrite("gates_passed", &PCWDecision::gates_passed)
      .def_readwrite("gates_failed", &PCWDecision::gates_failed)
      .def_readwrite("failing_gates", &PCWDecision::failing_gates)
      .def_readwrite("rationale", &PCWDecision::rationale)
      .def_readwrite("next_steps", &PCWDecision::next_steps)
      .def_readwrite("constraints", &PCWDecision::constraints)
      .def_readwrite("decision_id", &PCWDecision::decision_id)
      .def_property(
          "timestamp", [](const PCWDecision& d) { return to_datetime(d.timestamp); },
          [](PCWDecision& d, py::handle t) { d.timestamp = from_datetime(t, "timestamp"); },
          "UTC, timezone-aware datetime (millisecond precision).")
      .def_readwrite("override_eligible", &PCWDecision::override_eligible)
      .def_readwrite("override_requires", &PCWDecision::override_requires)
      .def_readwrite("gate_evaluation", &PCWDecision::gate_evaluation)
      .def_readwrite("decision_trace", &PCWDecision::decision_trace)
      .def_readwrite("shadow_result", &PCWDecision::shadow_result)
      .def_readwrite("drift_result", &PCWDecision::drift_result)
      .def_readwrite("counterfactuals", &PCWDecision::counterfactuals,
                     "Per failing gate, each single input that flips it.")
      .def_readwrite("headroom", &PCWDecision::headroom,
                     "Per passing gate, how far each input may move.")
      .def("to_json", &decision_to_json, "The decision's wire-format JSON (SPEC §8).")
      .def(
          "to_dict",
          [](const PCWDecision& d) { return from_json(nlohmann::json::parse(decision_to_json(d))); },
          "The wire form as plain Python values (json.dumps takes it).");

  m.def(
      "pcw_decide",
      [](py::handle context_object, const GateEvaluator* gate_evaluator,
         py::object prometheus_exporter, py::object rbac_enforcer, bool shadow_mode,
         DriftMonitor* drift_monitor, py::object telemetry_emitter) {
        const PCWContext& context = synced(context_object);
        std::optional<PyObserver> prom = observer(prometheus_exporter, "prometheus_exporter");
        std::optional<PyObserver> tele = observer(telemetry_emitter, "telemetry_emitter");
        std::optional<PyPermissions> rbac;
        if (!rbac_enforcer.is_none()) {
          if (!py::hasattr(rbac_enforcer, "has_permission"))
            throw py::type_error(
                "rbac_enforcer must have a has_permission(actor_id, permission) method");
          rbac.emplace(rbac_enforcer);
        }
        // The C++ exporter is called directly; other objects through on_decision().
        DecisionObserver* exporter = prom ? static_cast<DecisionObserver*>(&*prom) : nullptr;
        if (py::isinstance<PrometheusExporter>(prometheus_exporter))
          exporter = prometheus_exporter.cast<PrometheusExporter*>();
        DecisionObserver* emitter = tele ? static_cast<DecisionObserver*>(&*tele) : nullptr;
        if (py::isinstance<TelemetryEmitter>(telemetry_emitter))
          emitter = telemetry_emitter.cast<TelemetryEmitter*>();
        return pcw_decide(context, {.gate_evaluator = gate_evaluator,
                                    .prometheus_exporter = exporter,
                                    .rbac_enforcer = rbac ? &*rbac : nullptr,
                                    .shadow_mode = shadow_mode,
                                    .drift_monitor = drift_monitor,
                                    .telemetry_emitter = emitter});
      },
      py::arg("context"), py::arg("gate_evaluator") = py::none(),
      py::arg("prometheus_exporter") = py::none(), py::arg("rbac_enforcer") = py::none(),
      py::kw_only(), py::arg("shadow_mode") = false, py::arg("drift_monitor") = py::none(),
      py::arg("telemetry_emitter") = py::none(),
      "Evaluates a proposal against the gates. ValueError names an invalid field; "
      "PermissionError when rbac_enforcer denies 'decide'.");

  m.def(
      "quick_risk_check",
      [](const std::string& agent_id, const std::string& action, Number risk, Number threshold) {
        return quick_risk_check(agent_id, action, risk, threshold);
      },
      py::arg("agent_id"), py::arg("action_description"), py::arg("risk_score"),
      py::arg("threshold") = Number{0.5},
        "risk_score < threshold (no Bayesian evaluation).");
  m.def(
      "require_human_approval",
      [](py::handle context, const GateEvaluator* gate_evaluator) {
        return require_human_approval(synced(context), gate_evaluator);
      },
      py::arg("context"),
        py::arg("gate_evaluator") = py::none(),
        "True for high/critical impact, irreversible, flagged, failing risk gate, or risk "
        "posterior >= 0.5.");
}

}  // namespace aegis::python
