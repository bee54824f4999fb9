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

double number(const char* field, py::handle v) {
  if (py::isinstance<py::bool_>(v) ||
      !(py::isinstance<py::float_>(v) || py::isinstance<py::int_>(v)))
    wrong_type(field, "a number", v);
  return v.cast<double>();
}

bool boolean(const char* field, py::handle v) {
  if (!py::isinstance<py::bool_>(v)) wrong_type(field, "a bool", v);
  return v.cast<bool>();
}

std::string text(const char* field, py::handle v) {
  if (!py::isinstance<py::str>(v)) wrong_type(field, "a str", v);
  return v.cast<std::string>();
}

std::vector<double> numbers(const char* field, py::handle v) {
  if (!(py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)))
    wrong_type(field, "a list of numbers", v);
  std::vector<double> out;
  size_t i = 0;
  for (auto x : v) {
    const std::string f = std::string(field) + "[" + std::to_string(i++) + "]";
    out.push_back(number(f.c_str(), x));
  }
  return out;
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
    {"quality_subscores",
     [](PCWContext& c, py::handle v) { c.quality_subscores = numbers("quality_subscores", v); },
     [](const PCWContext& c) { return py::cast(c.quality_subscores); }},
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
    {"metadata",
     [](PCWContext& c, py::handle v) {
       if (v.is_none()) {
         c.metadata = nlohmann::json::object();
         return;
       }
       if (!py::isinstance<py::dict>(v)) wrong_type("metadata", "a dict", v);
       c.metadata = to_json(v, "metadata");
     },
     // A fresh dict each read: assign the attribute to change it.
     [](const PCWContext& c) { return from_json(c.metadata); }},
};
#undef AEGIS_NUM
#undef AEGIS_BOOL
#undef AEGIS_STR

constexpr const char* kRequired[] = {"agent_id", "session_id", "phase", "proposal_summary",
                                     "estimated_impact"};

PCWContext make_context(const py::kwargs& kw) {
  for (const char* r : kRequired) {
    if (!kw.contains(r))
      throw py::type_error(std::string("PCWContext() missing required keyword argument '") + r +
                           "'");
  }
  PCWContext c;
  for (auto item : kw) {
    const std::string k = item.first.cast<std::string>();
    const FieldSetter* f = nullptr;
    for (const auto& fs : kFields)
      if (k == fs.name) f = &fs;
    if (!f) throw py::type_error("PCWContext() got an unexpected keyword argument '" + k + "'");
    f->set(c, item.second);
  }
  return c;
}

py::object to_datetime(std::chrono::system_clock::time_point t) {
  static py::object* epoch = [] {
    py::module_ dt = py::module_::import("datetime");
    return new py::object(
        dt.attr("datetime")(1970, 1, 1, py::arg("tzinfo") = dt.attr("timezone").attr("utc")));
  }();
  static py::object* timedelta = new py::object(py::module_::import("datetime").attr("timedelta"));
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  return *epoch + (*timedelta)(py::arg("milliseconds") = ms);
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

void bind_decide(py::module_& m) {
  bind_enum<PCWPhase>(m, "Plan-Commit-Work lifecycle phase.");
  bind_enum<PCWStatus>(m, "Decision outcome.");

  py::class_<PCWContext> ctx(m, "PCWContext", "All inputs for a governance decision.");
  ctx.def(py::init(&make_context))
      .def("to_dict", [](const PCWContext& c) { return from_json(context_to_json(c)); })
      .def("__repr__", [](const PCWContext& c) {
        return "PCWContext(agent_id=" + py::repr(py::str(c.agent_id)).cast<std::string>() +
               ", session_id=" + py::repr(py::str(c.session_id)).cast<std::string>() +
               ", phase=PCWPhase." +
               py::str(enum_to_python(c.phase).attr("name")).cast<std::string>() +
               ", proposal_summary=" + py::repr(py::str(c.proposal_summary)).cast<std::string>() +
               ", estimated_impact=" + py::repr(py::str(c.estimated_impact)).cast<std::string>() +
               ", risk_proposed=" + py::repr(py::float_(c.risk_proposed)).cast<std::string>() +
               ", ...)";
      });
  for (const auto& f : kFields) {
    const FieldSetter* fs = &f;
    ctx.def_property(f.name, py::cpp_function([fs](const PCWContext& c) { return fs->get(c); }),
                     py::cpp_function([fs](PCWContext& c, py::handle v) { fs->set(c, v); }));
  }

  py::class_<DecisionTrace>(m, "DecisionTrace", "What the engine saw and computed.")
      .def_readonly("config_hash", &DecisionTrace::config_hash)
      .def_readonly("engine_version", &DecisionTrace::engine_version)
      .def_readonly("x_R", &DecisionTrace::x_R)
      .def_readonly("x_P", &DecisionTrace::x_P)
      .def_readonly("evaluation_time_ns", &DecisionTrace::evaluation_time_ns)
      .def_readonly("phase", &DecisionTrace::phase)
      .def_property_readonly("gate_results", [](const DecisionTrace& t) {
        py::dict d;
        for (const auto& g : t.gate_results)
          if (g) d[enum_to_python(g->gate_type)] = py::cast(*g);
        return d;
      });

  py::class_<ShadowResult>(m, "ShadowResult", "Attached when shadow_mode=True.")
      .def_readonly("drift_result", &ShadowResult::drift_result)
      .def_readonly("observation_values", &ShadowResult::observation_values)
      .def_readonly("baseline_hash", &ShadowResult::baseline_hash)
      .def_readonly("shadow_only", &ShadowResult::shadow_only)
      .def("__repr__", [](const ShadowResult& s) {
        return "ShadowResult(observation_values=" +
               py::repr(py::cast(s.observation_values)).cast<std::string>() + ", shadow_only=True)";
      });

  py::class_<PCWDecision>(m, "PCWDecision", "The full decision result.")
      .def_readonly("status", &PCWDecision::status)
      .def_readonly("confidence", &PCWDecision::confidence)
      .def_readonly("gates_passed", &PCWDecision::gates_passed)
      .def_readonly("gates_failed", &PCWDecision::gates_failed)
      .def_readonly("failing_gates", &PCWDecision::failing_gates)
      .def_readonly("rationale", &PCWDecision::rationale)
      .def_readonly("next_steps", &PCWDecision::next_steps)
      .def_readonly("constraints", &PCWDecision::constraints)
      .def_readonly("decision_id", &PCWDecision::decision_id)
      .def_property_readonly(
          "timestamp", [](const PCWDecision& d) { return to_datetime(d.timestamp); },
          "UTC, timezone-aware datetime (millisecond precision).")
      .def_readonly("override_eligible", &PCWDecision::override_eligible)
      .def_readonly("override_requires", &PCWDecision::override_requires)
      .def_readonly("gate_evaluation", &PCWDecision::gate_evaluation)
      .def_readonly("decision_trace", &PCWDecision::decision_trace)
      .def_readonly("shadow_result", &PCWDecision::shadow_result)
      .def_readonly("drift_result", &PCWDecision::drift_result)
      .def_readonly("counterfactuals", &PCWDecision::counterfactuals,
                    "Per failing gate, each single input that flips it.")
      .def_readonly("headroom", &PCWDecision::headroom,
                    "Per passing gate, how far each input may move.")
      .def("to_json", &decision_to_json, "The decision's wire-format JSON (SPEC §8).")
      .def("__repr__", [](const PCWDecision& d) {
        return "PCWDecision(status=PCWStatus." +
               py::str(enum_to_python(d.status).attr("name")).cast<std::string>() +
               ", confidence=" + py::repr(py::float_(d.confidence)).cast<std::string>() +
               ", failing_gates=" + py::repr(py::cast(d.failing_gates)).cast<std::string>() +
               ", decision_id='" + d.decision_id + "')";
      });

  m.def(
      "pcw_decide",
      [](const PCWContext& context, const GateEvaluator* gate_evaluator,
         py::object prometheus_exporter, py::object rbac_enforcer, bool shadow_mode,
         DriftMonitor* drift_monitor, py::object telemetry_emitter) {
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

  m.def("quick_risk_check", &quick_risk_check, py::arg("agent_id"), py::arg("action_description"),
        py::arg("risk_score"), py::arg("threshold") = 0.5,
        "risk_score < threshold (no Bayesian evaluation).");
  m.def("require_human_approval", &require_human_approval, py::arg("context"),
        py::arg("gate_evaluator") = py::none(),
        "True for high/critical impact, irreversible, flagged, failing risk gate, or risk "
        "posterior >= 0.5.");
}

}  // namespace aegis::python
