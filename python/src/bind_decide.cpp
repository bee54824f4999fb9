// The decision interface: PCWPhase, PCWStatus, PCWContext, PCWDecision, ShadowResult,
// DecisionTrace, pcw_decide, quick_risk_check, require_human_approval.
#include <pybind11/stl.h>

#include <chrono>

#include "aegis/core/context_fields.h"
#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/telemetry/metrics.h"
#include "aegis/telemetry/telemetry.h"
#include "aegis/workflow/errors.h"
#include "bindings.h"

namespace aegis::python {
namespace {

[[noreturn]] void wrong_type(const std::string& field, const char* expected, py::handle v) {
  throw InvalidInputError(
      Error(errors::kContextWrongType, field,
            field + " must be " + expected + ", got " + py::repr(v).cast<std::string>()));
}

// The scalar fields of kContextFields are attributes read and written through their row, shared
// by the keyword constructor and attribute assignment, so both reject bad types with a ValueError
// naming the field.
bool is_attribute(const ContextField& f) {
  return f.type == FieldType::kText || f.type == FieldType::kImpact ||
         f.type == FieldType::kPhase || f.type == FieldType::kNumber || f.type == FieldType::kFlag;
}

void set_field(const ContextField& f, PCWContext& c, py::handle v) {
  const std::string name(f.name);
  switch (f.type) {
    case FieldType::kText:
    case FieldType::kImpact:
      c.*f.text = text(name, v);
      return;
    case FieldType::kNumber:
      c.*f.number = number(name, v);
      return;
    case FieldType::kFlag:
      c.*f.flag = boolean(name, v);
      return;
    case FieldType::kPhase:
      c.phase = enum_from_python<PCWPhase>(v, "phase");
      return;
    default:
      return;
  }
}

py::object get_field(const ContextField& f, const PCWContext& c) {
  switch (f.type) {
    case FieldType::kText:
    case FieldType::kImpact:
      return py::str(c.*f.text);
    case FieldType::kNumber:
      return py::float_(c.*f.number);
    case FieldType::kFlag:
      return py::bool_(c.*f.flag);
    case FieldType::kPhase:
      return enum_to_python(c.phase);
    default:
      return py::none();
  }
}

void set_utility_result(PCWContext& c, py::handle v) {
  if (v.is_none()) {
    c.utility_result.reset();
  } else if (py::isinstance<UtilityResult>(v)) {
    c.utility_result = v.cast<UtilityResult>();
  } else {
    wrong_type("utility_result", "a UtilityResult or None", v);
  }
}

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
  if (!d.contains(metadata_key()))
    d[metadata_key()] = from_json(self.cast<const PCWContext&>().metadata);
  return d[metadata_key()];
}

PCWContext make_context(const py::kwargs& kw) {
  for (const ContextField& f : kContextFields) {
    const std::string name(f.name);
    if (library_required(f) && !kw.contains(name))
      throw py::type_error("PCWContext() missing required argument '" + name + "'");
  }
  PCWContext c;
  for (auto item : kw) {
    const std::string k = item.first.cast<std::string>();
    if (k == "quality_subscores") {
      c.quality_subscores = numbers(k, item.second);
    } else if (k == "metadata") {
      c.metadata = item.second.is_none() ? nlohmann::json::object() : metadata_json(item.second);
    } else {
      const ContextField* f = nullptr;
      for (const ContextField& row : kContextFields)
        if (k == row.name && is_attribute(row)) f = &row;
      if (k == "utility_result") {
        set_utility_result(c, item.second);
        continue;
      }
      if (!f) throw py::type_error("PCWContext() got an unexpected keyword argument '" + k + "'");
      set_field(*f, c, item.second);
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
    return Error{errors::kRbacDenied, "agent_id",
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

// The `aegis_governance` logger: one INFO record per decision (agent id, decision id, status;
// never a secret). Off by default (logging's WARNING); the check then is one dict lookup in the
// logger's own level cache, which logging clears in place whenever levels change.
class DecisionLogger {
 public:
  DecisionLogger() {
    logger_ = py::module_::import("logging").attr("getLogger")("aegis_governance");
    if (py::hasattr(logger_, "_cache") && py::isinstance<py::dict>(logger_.attr("_cache")))
      cache_ = logger_.attr("_cache");
  }
  bool enabled() const {
    if (cache_) {
      if (PyObject* hit = PyDict_GetItem(cache_.ptr(), info_.ptr())) return hit == Py_True;
    }
    return logger_.attr("isEnabledFor")(info_).cast<bool>();
  }
  template <typename... Args>
  void info(const char* format, Args&&... args) const {
    logger_.attr("info")(format, std::forward<Args>(args)...);
  }
  // Made at import (bind_decide), not at a first call: a function-local static built by Python
  // code could deadlock two threads (one holds the GIL, the other the static's guard).
  static const DecisionLogger& get() {
    static const DecisionLogger* l = new DecisionLogger();  // lives as long as the module
    return *l;
  }

 private:
  py::object logger_;
  py::object cache_;
  py::int_ info_{20};  // logging.INFO
};

// A Python PCWDecision that takes `d` over as it is: no copy, no move, and the type looked up
// once rather than per call. Under the GIL.
py::object decision_object(std::unique_ptr<PCWDecision> d) {
  static const py::detail::type_info* type = py::detail::get_type_info(typeid(PCWDecision));
  py::handle h = py::detail::type_caster_generic::cast(
      d.get(), py::return_value_policy::take_ownership, {}, type, nullptr, nullptr, nullptr);
  if (!h) throw py::error_already_set();
  d.release();  // owned by the Python object now
  return py::reinterpret_steal<py::object>(h);
}

// An error of contexts[i], named so.
[[noreturn]] void rethrow_for_item(size_t i, const AegisError& e) {
  Error err = e.error();
  const std::string at = "contexts[" + std::to_string(i) + "]";
  err.field = err.field.empty() ? at : at + "." + err.field;
  err.message = at + ": " + err.message;
  throw_error(err);
}

}  // namespace

const PCWContext& synced(py::handle context) {
  // One caster, made once: its type lookup (a hash of the type's name) is then not paid per
  // call. Used under the GIL only.
  static auto* caster = new py::detail::make_caster<PCWContext>();
  if (!caster->load(context, false))
    throw py::type_error(
        "context must be a PCWContext, got " +
        py::str(py::type::handle_of(context).attr("__name__")).cast<std::string>());
  PCWContext& c = py::detail::cast_op<PCWContext&>(*caster);
  PyObject** dict = _PyObject_GetDictPtr(context.ptr());
  if (dict && *dict) {
    if (PyObject* l = PyDict_GetItem(*dict, subscores_key().ptr()))
      c.quality_subscores = numbers("quality_subscores", l);
    if (PyObject* d = PyDict_GetItem(*dict, metadata_key().ptr())) c.metadata = metadata_json(d);
  }
  return c;
}

void bind_decide(py::module_& m) {
  DecisionLogger::get();
  bind_enum<PCWPhase>(m, "Plan-Commit-Work lifecycle phase.");
  bind_enum<PCWStatus>(m, "Decision outcome.");

  py::class_<PCWContext> ctx(m, "PCWContext", py::dynamic_attr(),
                             "All inputs for a governance decision.");
  ctx.def(py::init(&make_context))
      .def("to_dict", [](py::handle self) { return from_json(context_to_json(synced(self))); })
      .def_property("quality_subscores", &get_subscores, &set_subscores)
      .def_property("metadata", &get_metadata, &set_metadata);
  // The dataclass facade's fields (aegis_governance/_values.py), from the same table:
  // (name, kind, default): the default is None for a required field (text, phase) and for
  // utility and metadata, whose defaults the facade makes itself.
  m.def("_context_fields", [] {
    const PCWContext d;
    py::list out;
    for (const ContextField& f : kContextFields) {
      const std::string name(f.name);
      const py::object required = py::none();
      switch (f.type) {
        case FieldType::kText:
        case FieldType::kImpact:
          out.append(py::make_tuple(name, "text", required));
          break;
        case FieldType::kPhase:
          out.append(py::make_tuple(name, "phase", required));
          break;
        case FieldType::kNumber:
          out.append(py::make_tuple(name, "number", d.*f.number));
          break;
        case FieldType::kFlag:
          out.append(py::make_tuple(name, "flag", d.*f.flag));
          break;
        case FieldType::kUnitList:
          out.append(py::make_tuple(name, "numbers", d.quality_subscores));
          break;
        case FieldType::kUtility:
          out.append(py::make_tuple("utility_result", "utility", required));
          break;
        case FieldType::kObject:
          out.append(py::make_tuple(name, "object", required));
          break;
        case FieldType::kChangeType:  // metadata.change_type: no attribute of its own
          break;
      }
    }
    return out;
  });
  ctx.def_property(
      "utility_result", [](const PCWContext& c) { return py::cast(c.utility_result); },
      &set_utility_result);
  for (const ContextField& f : kContextFields) {
    if (!is_attribute(f)) continue;
    const ContextField* row = &f;
    ctx.def_property(
        std::string(f.name).c_str(),
        py::cpp_function([row](const PCWContext& c) { return get_field(*row, c); }),
        py::cpp_function([row](PCWContext& c, py::handle v) { set_field(*row, c, v); }));
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
      .def("to_json", &decision_to_json,
           "The decision's wire-format JSON (docs/decision-rules.md#wire-format).")
      .def(
          "to_dict",
          [](const PCWDecision& d) {
            return from_json(nlohmann::json::parse(decision_to_json(d)));
          },
          "The wire form as plain Python values (json.dumps takes it).");

  m.def(
      "pcw_decide",
      [](py::handle context_object, py::handle gate_evaluator_object,
         py::object prometheus_exporter, py::object rbac_enforcer, bool shadow_mode,
         py::handle drift_monitor_object, py::object telemetry_emitter) {
        const PCWContext& context = synced(context_object);
        const auto* gate_evaluator =
            optional_object<GateEvaluator>(gate_evaluator_object, "gate_evaluator");
        auto* drift_monitor = optional_object<DriftMonitor>(drift_monitor_object, "drift_monitor");
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
        if (!prometheus_exporter.is_none() &&
            py::isinstance<PrometheusExporter>(prometheus_exporter))
          exporter = prometheus_exporter.cast<PrometheusExporter*>();
        DecisionObserver* emitter = tele ? static_cast<DecisionObserver*>(&*tele) : nullptr;
        if (!telemetry_emitter.is_none() && py::isinstance<TelemetryEmitter>(telemetry_emitter))
          emitter = telemetry_emitter.cast<TelemetryEmitter*>();
        auto d = std::make_unique<PCWDecision>(
            pcw_decide(context, {.gate_evaluator = gate_evaluator,
                                 .prometheus_exporter = exporter,
                                 .rbac_enforcer = rbac ? &*rbac : nullptr,
                                 .shadow_mode = shadow_mode,
                                 .drift_monitor = drift_monitor,
                                 .telemetry_emitter = emitter}));
        if (const auto& log = DecisionLogger::get(); log.enabled())
          log.info("pcw_decide agent_id=%s decision_id=%s status=%s", context.agent_id,
                   d->decision_id, to_string(d->status));
        return decision_object(std::move(d));
      },
      py::arg("context"), py::arg("gate_evaluator") = py::none(),
      py::arg("prometheus_exporter") = py::none(), py::arg("rbac_enforcer") = py::none(),
      py::kw_only(), py::arg("shadow_mode") = false, py::arg("drift_monitor") = py::none(),
      py::arg("telemetry_emitter") = py::none(),
      "Evaluates a proposal against the gates. ValueError names an invalid field; "
      "PermissionError when rbac_enforcer denies 'decide'.");

  m.def(
      "pcw_decide_batch",
      [](py::handle contexts, py::handle gate_evaluator_object, bool shadow_mode,
         py::handle drift_monitor_object) {
        const auto* gate_evaluator =
            optional_object<GateEvaluator>(gate_evaluator_object, "gate_evaluator");
        auto* drift_monitor = optional_object<DriftMonitor>(drift_monitor_object, "drift_monitor");
        if (!is_sequence(contexts))
          throw py::type_error(
              "contexts must be a sequence of PCWContext, got a " +
              py::str(py::type::handle_of(contexts).attr("__name__")).cast<std::string>());
        const auto seq = py::reinterpret_borrow<py::sequence>(contexts);
        const size_t n = seq.size();
        // Copies, so that no other thread's change can reach a context while it is decided.
        std::vector<PCWContext> inputs;
        inputs.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          try {
            inputs.push_back(synced(seq[i]));
          } catch (const AegisError& e) {
            rethrow_for_item(i, e);
          } catch (const py::type_error& e) {
            throw py::type_error("contexts[" + std::to_string(i) + "]: " + e.what());
          }
        }
        // Each decision is made on the heap in the parallel part, so that handing it to Python
        // (under the GIL) moves nothing.
        std::vector<std::unique_ptr<PCWDecision>> out(n);
        const DecideOptions options{.gate_evaluator = gate_evaluator,
                                    .shadow_mode = shadow_mode,
                                    .drift_monitor = drift_monitor};
        auto decide_all = [&] {
          for (size_t i = 0; i < n; ++i) {
            try {
              out[i] = std::make_unique<PCWDecision>(pcw_decide(inputs[i], options));
            } catch (const AegisError& e) {
              rethrow_for_item(i, e);
            }
          }
        };
        if (drift_monitor) {
          decide_all();  // a DriftMonitor is not thread-safe: it stays under the GIL
        } else {
          py::gil_scoped_release free;
          decide_all();
        }
        py::list result(n);
        for (size_t i = 0; i < n; ++i)
          PyList_SET_ITEM(result.ptr(), static_cast<Py_ssize_t>(i),
                          decision_object(std::move(out[i])).release().ptr());
        if (const auto& log = DecisionLogger::get(); log.enabled())
          for (size_t i = 0; i < n; ++i)
            log.info("pcw_decide agent_id=%s decision_id=%s status=%s", inputs[i].agent_id,
                     result[i].attr("decision_id"), result[i].attr("status").attr("value"));
        return result;
      },
      py::arg("contexts"), py::arg("gate_evaluator") = py::none(), py::kw_only(),
      py::arg("shadow_mode") = false, py::arg("drift_monitor") = py::none(),
      "Decides a list of contexts in one call, in order, the GIL released while it decides "
      "(kept when drift_monitor is given: a DriftMonitor is not thread-safe). An invalid context "
      "raises naming its index (contexts[3].risk_proposed ...); no decision is returned then.");

  m.def(
      "quick_risk_check",
      [](const std::string& agent_id, const std::string& action, Number risk, Number threshold) {
        const bool safe = quick_risk_check(agent_id, action, risk, threshold);
        if (const auto& log = DecisionLogger::get(); log.enabled())
          log.info("quick_risk_check agent_id=%s risk_score=%r threshold=%r safe=%s", agent_id,
                   risk.value, threshold.value, safe);
        return safe;
      },
      py::arg("agent_id"), py::arg("action_description"), py::arg("risk_score"),
      py::arg("threshold") = Number{0.5}, "risk_score < threshold (no Bayesian evaluation).");
  m.def(
      "require_human_approval",
      [](py::handle context, py::handle gate_evaluator) {
        return require_human_approval(
            synced(context), optional_object<GateEvaluator>(gate_evaluator, "gate_evaluator"));
      },
      py::arg("context"), py::arg("gate_evaluator") = py::none(),
      "True for high/critical impact, irreversible, flagged, failing risk gate, or risk "
      "posterior >= 0.5.");
}

}  // namespace aegis::python
