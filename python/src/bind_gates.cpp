// The gate engine: GateType, GateResult, GateEvaluationResult, GateEvaluator, BayesianPosterior,
// the utility model and the complexity decomposer.
#include <pybind11/stl.h>

#include "aegis/bayes.h"
#include "aegis/complexity.h"
#include "aegis/utility.h"
#include "bindings.h"

namespace aegis::python {
namespace {

std::string fmt(double v) { return py::repr(py::float_(v)).cast<std::string>(); }

std::string opt(const std::optional<double>& v) { return v ? fmt(*v) : "None"; }

py::dict gates_dict(const GateEvaluationResult& r) {
  py::dict d;
  for (const auto& g : r.gates)
    if (g) d[enum_to_python(g->gate_type)] = py::cast(*g);
  return d;
}

std::vector<double> observations(py::handle obs) {
  if (py::isinstance<py::float_>(obs) || py::isinstance<py::int_>(obs)) return {obs.cast<double>()};
  return obs.cast<std::vector<double>>();
}

}  // namespace

void bind_gates(py::module_& m) {
  bind_enum<GateType>(m, "The six quantitative gates.");

  py::class_<GateResult>(m, "GateResult", "The result of one gate.")
      .def_readonly("gate_type", &GateResult::gate_type)
      .def_readonly("passed", &GateResult::passed)
      .def_readonly("value", &GateResult::value)
      .def_readonly("threshold", &GateResult::threshold)
      .def_readonly("confidence", &GateResult::confidence)
      .def_readonly("posterior_probability", &GateResult::posterior_probability)
      .def_property_readonly("message", &GateResult::message)
      .def_property_readonly("margin", &GateResult::margin, "value - threshold")
      .def("__repr__", [](const GateResult& g) {
        return "GateResult(gate_type=GateType." +
               py::str(enum_to_python(g.gate_type).attr("name")).cast<std::string>() +
               ", passed=" + (g.passed ? "True" : "False") + ", value=" + fmt(g.value) +
               ", threshold=" + fmt(g.threshold) + ", confidence=" + opt(g.confidence) +
               ", posterior_probability=" + opt(g.posterior_probability) + ")";
      });

  py::class_<GateEvaluationResult>(m, "GateEvaluationResult", "Results of all evaluated gates.")
      .def_property_readonly("gates", &gates_dict, "dict[GateType, GateResult]")
      .def_readonly("all_passed", &GateEvaluationResult::all_passed)
      .def_readonly("override_eligible", &GateEvaluationResult::override_eligible)
      .def_readonly("min_confidence", &GateEvaluationResult::min_confidence)
      .def("get_failures", &GateEvaluationResult::get_failures, "Failed gates, in gate order.")
      .def("__repr__", [](const GateEvaluationResult& r) {
        return "GateEvaluationResult(all_passed=" + std::string(r.all_passed ? "True" : "False") +
               ", failures=" + std::to_string(r.failed_count()) +
               ", min_confidence=" + fmt(r.min_confidence) + ")";
      });

  py::class_<Counterfactual>(m, "Counterfactual",
                             "One input that flips a failing gate, the others held fixed.")
      .def_readonly("gate", &Counterfactual::gate)
      .def_property_readonly("input", [](const Counterfactual& c) { return c.input.name(); })
      .def_readonly("current", &Counterfactual::current)
      .def_readonly("required", &Counterfactual::required, "None when not achievable")
      .def_property_readonly("relation",
                             [](const Counterfactual& c) { return std::string(to_string(c.relation)); })
      .def_property_readonly("achievable", &Counterfactual::achievable)
      .def("__repr__", [](const Counterfactual& c) {
        return "Counterfactual(gate=GateType." +
               py::str(enum_to_python(c.gate).attr("name")).cast<std::string>() + ", input='" +
               c.input.name() + "', current=" + fmt(c.current) + ", required=" + opt(c.required) +
               ", relation='" + std::string(to_string(c.relation)) + "')";
      });

  py::class_<GateHeadroom>(m, "GateHeadroom", "How far one input of a passing gate may move.")
      .def_readonly("gate", &GateHeadroom::gate)
      .def_property_readonly("input", [](const GateHeadroom& h) { return h.input.name(); })
      .def_readonly("current", &GateHeadroom::current)
      .def_readonly("limit", &GateHeadroom::limit, "None when no valid value fails the gate")
      .def_property_readonly("relation",
                             [](const GateHeadroom& h) { return std::string(to_string(h.relation)); })
      .def("__repr__", [](const GateHeadroom& h) {
        return "GateHeadroom(gate=GateType." +
               py::str(enum_to_python(h.gate).attr("name")).cast<std::string>() + ", input='" +
               h.input.name() + "', current=" + fmt(h.current) + ", limit=" + opt(h.limit) +
               ", relation='" + std::string(to_string(h.relation)) + "')";
      });

  py::class_<UtilityComponents>(m, "UtilityComponents",
                                "What a change is expected to bring and cost.")
      .def(py::init([](double expected_benefit, double benefit_std, int64_t n_samples,
                       double disruption_probability, double migration_cost) {
             return UtilityComponents{expected_benefit, benefit_std, n_samples,
                                      disruption_probability, migration_cost};
           }),
           py::arg("expected_benefit"), py::arg("benefit_std") = 0.0, py::arg("n_samples") = 1,
           py::arg("disruption_probability") = 0.0, py::arg("migration_cost") = 0.0)
      .def_readwrite("expected_benefit", &UtilityComponents::expected_benefit)
      .def_readwrite("benefit_std", &UtilityComponents::benefit_std)
      .def_readwrite("n_samples", &UtilityComponents::n_samples)
      .def_readwrite("disruption_probability", &UtilityComponents::disruption_probability)
      .def_readwrite("migration_cost", &UtilityComponents::migration_cost)
      .def("__repr__", [](const UtilityComponents& c) {
        return "UtilityComponents(expected_benefit=" + fmt(c.expected_benefit) +
               ", benefit_std=" + fmt(c.benefit_std) +
               ", n_samples=" + std::to_string(c.n_samples) +
               ", disruption_probability=" + fmt(c.disruption_probability) +
               ", migration_cost=" + fmt(c.migration_cost) + ")";
      });

  py::class_<UtilityResult>(m, "UtilityResult", "Expected utility and its lower confidence bound.")
      .def_readonly("components", &UtilityResult::components)
      .def_readonly("expected_utility", &UtilityResult::expected_utility)
      .def_readonly("standard_error", &UtilityResult::standard_error)
      .def_readonly("lcb", &UtilityResult::lcb)
      .def_readonly("cost", &UtilityResult::cost)
      .def_readonly("z", &UtilityResult::z)
      .def_readonly("within_budget", &UtilityResult::within_budget)
      .def("__repr__", [](const UtilityResult& r) {
        return "UtilityResult(expected_utility=" + fmt(r.expected_utility) + ", lcb=" + fmt(r.lcb) +
               ", within_budget=" + (r.within_budget ? "True" : "False") + ")";
      });

  py::class_<UtilityCalculator>(m, "UtilityCalculator",
                                "Computes UtilityResults with a config's utility parameters.")
      .def(py::init([](const AegisConfig* config) {
             return config ? UtilityCalculator(*config) : UtilityCalculator();
           }),
           py::arg("config") = py::none())
      .def("compute", &UtilityCalculator::compute, py::arg("components"))
      .def_property_readonly("z", &UtilityCalculator::z);

  py::class_<BayesianPosterior>(m, "BayesianPosterior",
                                "Normal-Normal conjugate posterior (prior N(0, 1), sd 0.5).")
      .def(py::init<double, double, double>(), py::arg("prior_mean") = 0.0,
           py::arg("prior_std") = 1.0, py::arg("likelihood_std") = 0.5)
      .def(
          "update",
          [](const BayesianPosterior& b, py::handle obs) {
            const Posterior p = b.update(observations(obs));
            return py::make_tuple(p.mean, p.std);
          },
          py::arg("observations"), "(mean, std) of the posterior after the observations.")
      .def(
          "probability_exceeds",
          [](const BayesianPosterior& b, double threshold, py::handle obs) {
            return b.probability_exceeds(threshold, observations(obs));
          },
          py::arg("threshold"), py::arg("observations"), "P(delta >= threshold | observations).")
      .def_property_readonly("prior_mean", &BayesianPosterior::prior_mean)
      .def_property_readonly("prior_std", &BayesianPosterior::prior_std)
      .def_property_readonly("likelihood_std", &BayesianPosterior::likelihood_std);

  py::class_<GateEvaluator>(m, "GateEvaluator", "Evaluates the gates with a config's parameters.")
      .def(py::init([](const AegisConfig* config) {
             return config ? GateEvaluator(*config) : GateEvaluator();
           }),
           py::arg("config") = py::none())
      .def_property_readonly("config", &GateEvaluator::config)
      .def("evaluate_risk_gate", &GateEvaluator::evaluate_risk_gate, py::arg("baseline"),
           py::arg("proposed"))
      .def("evaluate_profit_gate", &GateEvaluator::evaluate_profit_gate, py::arg("baseline"),
           py::arg("proposed"))
      .def("evaluate_novelty_gate", &GateEvaluator::evaluate_novelty_gate, py::arg("novelty_score"))
      .def("evaluate_complexity_gate", &GateEvaluator::evaluate_complexity_gate,
           py::arg("complexity_score"))
      .def(
          "evaluate_quality_gate",
          [](const GateEvaluator& e, double quality_score, std::vector<double> subscores) {
            return e.evaluate_quality_gate(quality_score, subscores);
          },
          py::arg("quality_score"),
          py::arg("quality_subscores") = std::vector<double>{0.7, 0.7, 0.7})
      .def("evaluate_utility_gate", &GateEvaluator::evaluate_utility_gate,
           py::arg("utility_result"))
      .def(
          "evaluate_all",
          [](const GateEvaluator& e, double risk_baseline, double risk_proposed,
             double profit_baseline, double profit_proposed, double novelty_score,
             double complexity_score, double quality_score, std::vector<double> quality_subscores,
             const UtilityResult* utility_result) {
            return e.evaluate_all(GateInputs{risk_baseline, risk_proposed, profit_baseline,
                                             profit_proposed, novelty_score, complexity_score,
                                             quality_score, quality_subscores, utility_result});
          },
          py::arg("risk_baseline") = 0.0, py::arg("risk_proposed") = 0.0,
          py::arg("profit_baseline") = 0.0, py::arg("profit_proposed") = 0.0,
          py::arg("novelty_score") = 0.5, py::arg("complexity_score") = 0.5,
          py::arg("quality_score") = 0.7,
          py::arg("quality_subscores") = std::vector<double>{0.7, 0.7, 0.7},
          py::arg("utility_result") = py::none());

  py::class_<ComplexityDecomposer>(m, "ComplexityDecomposer",
                                   "Turns raw size measures into a complexity score (higher = "
                                   "simpler) with a breakdown.")
      .def(py::init([](const std::vector<std::tuple<std::string, double, double>>& comps) {
             std::vector<ComplexityComponent> c;
             for (const auto& [name, sat, weight] : comps) c.push_back({name, sat, weight});
             return ComplexityDecomposer(std::move(c));
           }),
           py::arg("components"), "components: [(name, saturation, weight), ...]")
      .def_static("ci_preset", &ComplexityDecomposer::ci_preset)
      .def(
          "decompose",
          [](const ComplexityDecomposer& d, const std::map<std::string, double>& raw) {
            const ComplexityBreakdown b = d.decompose(raw);
            py::list comps;
            for (const auto& c : b.components) {
              comps.append(py::dict(py::arg("name") = c.name, py::arg("raw") = c.raw,
                                    py::arg("normalized") = c.normalized,
                                    py::arg("weight") = c.weight,
                                    py::arg("contribution") = c.contribution));
            }
            return py::dict(py::arg("complexity_score") = b.complexity_score,
                            py::arg("components") = comps,
                            py::arg("dominant_component") = b.dominant_component);
          },
          py::arg("measures"));
}

}  // namespace aegis::python
