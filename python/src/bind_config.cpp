// AegisConfig and KLDriftConfig: immutable, validated, with the reference's constructors.
#include <pybind11/stl.h>
#include <yaml-cpp/yaml.h>

#include "aegis/core/config_loader.h"
#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/utility.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/rbac.h"
#include "bindings.h"

namespace aegis::python {
namespace {

[[noreturn]] void wrong_type(const std::string& field, const char* expected, py::handle v) {
  throw InvalidInputError(
      Error(errors::kConfigWrongType, field,
            field + " must be " + expected + ", got " + py::repr(v).cast<std::string>()));
}

KLDriftConfig make_kl(const py::kwargs& kw) {
  KLDriftConfig kl;
  for (auto item : kw) {
    const std::string k = item.first.cast<std::string>();
    if (k == "tau_warning") {
      kl.tau_warning = number("kl_drift.tau_warning", item.second);
    } else if (k == "tau_critical") {
      kl.tau_critical = number("kl_drift.tau_critical", item.second);
    } else if (k == "window_days") {
      kl.window_days = integer("kl_drift.window_days", item.second);
    } else {
      throw py::type_error("KLDriftConfig() got an unexpected keyword argument '" + k + "'");
    }
  }
  if (auto e = validate_kl_drift(kl)) throw InvalidInputError(*e);
  return kl;
}

AegisConfig make_config(const py::kwargs& kw) {
  AegisParameters p;
  for (auto item : kw) {
    const std::string k = item.first.cast<std::string>();
    bool done = false;
    for (const auto& [name, member] : numeric_parameters()) {
      if (k == name) {
        p.*member = number(k, item.second);
        done = true;
      }
    }
    if (done) continue;
    if (k == "quality_no_zero_subscore") {
      p.quality_no_zero_subscore = boolean(k, item.second);
    } else if (k == "kl_drift") {
      if (!py::isinstance<KLDriftConfig>(item.second))
        wrong_type(k, "a KLDriftConfig", item.second);
      p.kl_drift = item.second.cast<KLDriftConfig>();
    } else if (k == "telemetry_url") {
      if (item.second.is_none()) {
        p.telemetry_url.reset();
      } else if (py::isinstance<py::str>(item.second)) {
        p.telemetry_url = item.second.cast<std::string>();
      } else {
        wrong_type(k, "a str or None", item.second);
      }
    } else if (k == "telemetry_allow_insecure") {
      p.telemetry_allow_insecure = boolean(k, item.second);
    } else if (k == "mcp_rate_limit") {
      p.mcp_rate_limit = integer(k, item.second);
    } else if (k == "telemetry_encryption_public_key") {
      if (item.second.is_none()) {
        p.telemetry_encryption_public_key.reset();
      } else if (py::isinstance<py::str>(item.second)) {
        p.telemetry_encryption_public_key = item.second.cast<std::string>();
      } else {
        wrong_type(k, "a str (base64) or None", item.second);
      }
    } else if (k == "telemetry_encryption_epoch_events") {
      p.telemetry_encryption_epoch_events = integer(k, item.second);
    } else if (k == "telemetry_encryption_epoch_seconds") {
      p.telemetry_encryption_epoch_seconds = integer(k, item.second);
    } else {
      throw py::type_error("AegisConfig() got an unexpected keyword argument '" + k + "'");
    }
  }
  return AegisConfig(p);
}

}  // namespace

void bind_config(py::module_& m) {
  py::class_<KLDriftConfig>(m, "KLDriftConfig",
                            "Frozen KL-divergence drift thresholds (tau_warning < tau_critical).")
      .def(py::init(&make_kl))
      .def_property_readonly("tau_warning", [](const KLDriftConfig& k) { return k.tau_warning; })
      .def_property_readonly("tau_critical", [](const KLDriftConfig& k) { return k.tau_critical; })
      .def_property_readonly("window_days", [](const KLDriftConfig& k) { return k.window_days; })
      .def("__eq__",
           [](const KLDriftConfig& a, const KLDriftConfig& b) {
             return a.tau_warning == b.tau_warning && a.tau_critical == b.tau_critical &&
                    a.window_days == b.window_days;
           })
      .def("__hash__",
           [](const KLDriftConfig& k) {
             return py::hash(py::make_tuple(k.tau_warning, k.tau_critical, k.window_days));
           })
      .def("__repr__", [](const KLDriftConfig& k) {
        return "KLDriftConfig(tau_warning=" +
               py::repr(py::float_(k.tau_warning)).cast<std::string>() +
               ", tau_critical=" + py::repr(py::float_(k.tau_critical)).cast<std::string>() +
               ", window_days=" + std::to_string(k.window_days) + ")";
      });

  py::class_<AegisConfig> cfg(m, "AegisConfig",
                              "Frozen parameters of every gate and of drift detection. Immutable: "
                              "assigning a field raises AttributeError.");
  cfg.def(py::init(&make_config))
      .def_static(
          "default", [] { return AegisConfig::default_config(); },
          "The built-in defaults (equal to schema/interface-contract.yaml).")
      .def_static(
          "from_yaml",
          [](py::object path) {
            const std::string p =
                py::module_::import("os").attr("fspath")(path).cast<std::string>();
            // The reference's documented leniency: an unknown key is ignored, with a warning
            // that names the nearest known key.
            std::vector<std::string> warnings;
            // The sections of an aegis config file are not unknown keys: rbac: and custodians:
            // are checked by their readers (a fault is a warning here), server: and mcp: belong
            // to `aegis serve` and `aegis mcp`, which this module does not run.
            const auto skip = [](const YAML::Node&, const std::string&) -> std::optional<Error> {
              return std::nullopt;
            };
            using Section = std::optional<Error>;
            ConfigLoader loader;
            loader
                .add_section("rbac",
                             [](const YAML::Node& n, const std::string& source) -> Section {
                               auto r = RBACEnforcer::read_section(n, source);
                               return r ? std::nullopt : Section(r.error());
                             })
                .add_section("custodians",
                             [](const YAML::Node& n, const std::string& source) -> Section {
                               auto r = CustodianRegistry::read_section(n, source);
                               return r ? std::nullopt : Section(r.error());
                             })
                .add_section("server", skip)
                .add_section("mcp", skip);
            auto loaded = loader.load(p, &warnings);
            const py::object warn = py::module_::import("warnings").attr("warn");
            for (const auto& w : warnings)
              warn(w, py::module_::import("builtins").attr("UserWarning"), 2);
            if (!loaded) throw_error(loaded.error());
            return std::move(loaded).value();
          },
          py::arg("path"),
          "Loads a YAML config. FileNotFoundError if missing, ValueError if invalid. An unknown "
          "key "
          "is ignored with a UserWarning naming the nearest known key (the reference's leniency; "
          "the aegis command refuses it).")
      .def("create_gate_evaluator", &AegisConfig::create_gate_evaluator)
      .def("create_drift_monitor", &AegisConfig::create_drift_monitor)
      .def("create_utility_calculator", &AegisConfig::create_utility_calculator)
      .def_property_readonly("config_hash", &AegisConfig::config_hash,
                             "SHA-256 hex of the canonical JSON of all parameters.")
      .def_property_readonly("kl_drift", [](const AegisConfig& c) { return c.kl_drift(); })
      .def_property_readonly(
          "quality_no_zero_subscore",
          [](const AegisConfig& c) { return c.parameters().quality_no_zero_subscore; })
      .def_property_readonly("telemetry_url",
                             [](const AegisConfig& c) { return c.parameters().telemetry_url; })
      .def_property_readonly(
          "telemetry_allow_insecure",
          [](const AegisConfig& c) { return c.parameters().telemetry_allow_insecure; })
      .def_property_readonly("mcp_rate_limit",
                             [](const AegisConfig& c) { return c.parameters().mcp_rate_limit; })
      .def_property_readonly(
          "telemetry_encryption_public_key",
          [](const AegisConfig& c) { return c.parameters().telemetry_encryption_public_key; })
      .def_property_readonly(
          "telemetry_encryption_epoch_events",
          [](const AegisConfig& c) { return c.parameters().telemetry_encryption_epoch_events; })
      .def_property_readonly(
          "telemetry_encryption_epoch_seconds",
          [](const AegisConfig& c) { return c.parameters().telemetry_encryption_epoch_seconds; })
      .def("to_dict",
           [](const AegisConfig& c) { return from_json(config_to_json(c.parameters())); })
      .def("__eq__", [](const AegisConfig& a, const AegisConfig& b) { return a == b; })
      .def("__hash__", [](const AegisConfig& c) { return py::hash(py::str(c.config_hash())); })
      .def("__repr__", [](const AegisConfig& c) {
        return "AegisConfig(config_hash='" + c.config_hash().substr(0, 12) + "...')";
      });
  for (const auto& [name, member] : numeric_parameters()) {
    const auto mp = member;
    cfg.def_property_readonly(name, [mp](const AegisConfig& c) { return c.parameters().*mp; });
  }
}

}  // namespace aegis::python
