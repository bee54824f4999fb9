// The gate engine: GateType, GateResult, GateEvaluationResult, GateEvaluator, BayesianPosterior,
// the utility model and the complexity decomposer.
#include <pybind11/stl.h>

#include "aegis/core/bayes.h"
#include "aegis/core/complexity.h"
#include "aegis/core/utility.h"
#include "bindings.h"
#include "errors.h"

namespace aegis::python {
namespace {

GateInputRef input_of(const std::string& name) {
  auto ref = parse_gate_input(name);
  if (!ref)
    throw InvalidInputError(
        Error(errors::kPythonUnknownValue, "input", "input is not a gate input: " + name));
  return *ref;
}

Relation relation_of(const std::string& s) {
  auto r = parse_relation(s);
  if (!r)
    throw InvalidInputError(Error(errors::kPythonUnknownValue, "relation",
                                  "relation must be <=, >=, <, > or !=, got " + s));
  return *r;
}

std::vector<double> observations(py::handle obs) {
  if (is_sequence(obs)) return numbers("observations", obs);
  return {number("observations", obs)};
}

}  // namespace

void bind_gates(py::module_& m) {
  bind_enum<GateType>(m, "The six quantitative gates.");

  // Value types: default-constructible with writable fields, for the dataclass facade
  // (aegis_governance/_dataclasses.py), which adds construction, equality, repr and pickling.
  py::class_<GateResult>(m, "GateResult", "The result of one gate.")
      .def(py::init<>())
      .def_readwrite("gate_type", &GateResult::gate_type)
      .def_readwrite("passed", &GateResult::passed)
      .def_readwrite("value", &GateResult::value)
      .def_readwrite("threshold", &GateResult::threshold)
      .def_readwrite("confidence", &GateResult::confidence)
      .def_readwrite("posterior_probability", &GateResult::posterior_probability)
      .def_property(
          "note",
          [](const GateResult& g) {
            return g.note == GateNote::kZeroSubscore ? "zero_subscore"
                   : g.note == GateNote::kOverBudget ? "over_budget"
                                                     : "none";
          },
          [](GateResult& g, const std::string& n) {
            if (n == "none")
              g.note = GateNote::kNone;
            else if (n == "zero_subscore")
              g.note = GateNote::kZeroSubscore;
            else if (n == "over_budget")
              g.note = GateNote::kOverBudget;
            else
              throw InvalidInputError(Error(errors::kPythonUnknownValue, "note",
                                            "note must be none, zero_subscore or "
                                            "over_budget, got " +
                                                n));
          },
          "Why a gate failed beyond value and threshold (the message names it).")
      .def_readwrite("note_index", &GateResult::note_index, "The zero subscore's index, or -1.")
      .def_property_readonly("message", &GateResult::message, "Derived from the other fields.")
      .def_property_readonly("margin", &GateResult::margin, "value - threshold");

  py::class_<GateEvaluationResult>(m, "GateEvaluationResult", "Results of all evaluated gates.")
      .def(py::init<>())
      .def_property(
          "gates", [](const GateEvaluationResult& r) { return gates_to_dict(r.gates); },
          [](GateEvaluationResult& r, const py::dict& d) { r.gates = gates_from_dict(d, "gates"); },
          "dict[GateType, GateResult]")
      .def_readwrite("all_passed", &GateEvaluationResult::all_passed)
      .def_readwrite("override_eligible", &GateEvaluationResult::override_eligible)
      .def_readwrite("min_confidence", &GateEvaluationResult::min_confidence)
      .def("get_failures", &GateEvaluationResult::get_failures, "Failed gates, in gate order.");

  py::class_<Counterfactual>(m, "Counterfactual",
                             "One input that flips a failing gate, the others held fixed.")
      .def(py::init<>())
      .def_readwrite("gate", &Counterfactual::gate)
      .def_property(
          "input", [](const Counterfactual& c) { return c.input.name(); },
          [](Counterfactual& c, const std::string& s) { c.input = input_of(s); })
      .def_readwrite("current", &Counterfactual::current)
      .def_readwrite("required", &Counterfactual::required, "None when not achievable")
      .def_property(
          "relation", [](const Counterfactual& c) { return std::string(to_string(c.relation)); },
          [](Counterfactual& c, const std::string& s) { c.relation = relation_of(s); })
      .def_property_readonly("achievable", &Counterfactual::achievable);

  py::class_<GateHeadroom>(m, "GateHeadroom", "How far one input of a passing gate may move.")
      .def(py::init<>())
      .def_readwrite("gate", &GateHeadroom::gate)
      .def_property(
          "input", [](const GateHeadroom& h) { return h.input.name(); },
          [](GateHeadroom& h, const std::string& s) { h.input = input_of(s); })
      .def_readwrite("current", &GateHeadroom::current)
      .def_readwrite("limit", &GateHeadroom::limit, "None when no valid value fails the gate")
      .def_property(
          "relation", [](const GateHeadroom& h) { return std::string(to_string(h.relation)); },
          [](GateHeadroom& h, const std::string& s) { h.relation = relation_of(s); });

  py::class_<UtilityComponents>(m, "UtilityComponents",
                                "What a change is expected to bring and cost.")
      .def(py::init([](Number expected_benefit, Number benefit_std, Integer n_samples,
                       Number disruption_probability, Number migration_cost) {
             return UtilityComponents{expected_benefit, benefit_std, n_samples.value,
                                      disruption_probability, migration_cost};
           }),
           py::arg("expected_benefit"), py::arg("benefit_std") = Number{0.0},
           py::arg("n_samples") = Integer{1}, py::arg("disruption_probability") = Number{0.0},
           py::arg("migration_cost") = Number{0.0})
      .def_readwrite("expected_benefit", &UtilityComponents::expected_benefit)
      .def_readwrite("benefit_std", &UtilityComponents::benefit_std)
      .def_readwrite("n_samples", &UtilityComponents::n_samples)
      .def_readwrite("disruption_probability", &UtilityComponents::disruption_probability)
      .def_readwrite("migration_cost", &UtilityComponents::migration_cost);

  py::class_<UtilityResult>(m, "UtilityResult", "Expected utility and its lower confidence bound.")
      .def(py::init<>())
      .def_readwrite("components", &UtilityResult::components)
      .def_readwrite("expected_utility", &UtilityResult::expected_utility)
      .def_readwrite("standard_error", &UtilityResult::standard_error)
      .def_readwrite("lcb", &UtilityResult::lcb)
      .def_readwrite("cost", &UtilityResult::cost)
      .def_readwrite("z", &UtilityResult::z)
      .def_readwrite("within_budget", &UtilityResult::within_budget);

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
      .def(py::init([](Number mean, Number sd, Number likelihood_sd) {
             return BayesianPosterior(mean, sd, likelihood_sd);
           }),
           py::arg("prior_mean") = Number{0.0}, py::arg("prior_std") = Number{1.0},
           py::arg("likelihood_std") = Number{0.5})
      .def(
          "update",
          [](const BayesianPosterior& b, py::handle obs) {
            const Posterior p = b.update(observations(obs));
            return py::make_tuple(p.mean, p.std);
          },
          py::arg("observations"), "(mean, std) of the posterior after the observations.")
      .def(
          "probability_exceeds",
          [](const BayesianPosterior& b, Number threshold, py::handle obs) {
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
      .def(
          "evaluate_risk_gate",
          [](const GateEvaluator& e, Number baseline, Number proposed) {
            return e.evaluate_risk_gate(baseline, proposed);
          },
          py::arg("baseline"), py::arg("proposed"))
      .def(
          "evaluate_profit_gate",
          [](const GateEvaluator& e, Number baseline, Number proposed) {
            return e.evaluate_profit_gate(baseline, proposed);
          },
          py::arg("baseline"), py::arg("proposed"))
      .def(
          "evaluate_novelty_gate",
          [](const GateEvaluator& e, Number score) { return e.evaluate_novelty_gate(score); },
          py::arg("novelty_score"))
      .def(
          "evaluate_complexity_gate",
          [](const GateEvaluator& e, Number score) { return e.evaluate_complexity_gate(score); },
          py::arg("complexity_score"))
      .def(
          "evaluate_quality_gate",
          [](const GateEvaluator& e, Number quality_score, const Numbers& subscores) {
            return e.evaluate_quality_gate(quality_score, subscores.value);
          },
          py::arg("quality_score"), py::arg("quality_subscores") = Numbers{{0.7, 0.7, 0.7}})
      .def("evaluate_utility_gate", &GateEvaluator::evaluate_utility_gate,
           py::arg("utility_result"))
      .def(
          "evaluate_all",
          [](const GateEvaluator& e, Number risk_baseline, Number risk_proposed,
             Number profit_baseline, Number profit_proposed, Number novelty_score,
             Number complexity_score, Number quality_score, const Numbers& quality_subscores,
             py::handle utility_result) {
            return e.evaluate_all(
                GateInputs{risk_baseline, risk_proposed, profit_baseline, profit_proposed,
                           novelty_score, complexity_score, quality_score, quality_subscores.value,
                           optional_object<UtilityResult>(utility_result, "utility_result")});
          },
          py::arg("risk_baseline") = Number{0.0}, py::arg("risk_proposed") = Number{0.0},
          py::arg("profit_baseline") = Number{0.0}, py::arg("profit_proposed") = Number{0.0},
          py::arg("novelty_score") = Number{0.5}, py::arg("complexity_score") = Number{0.5},
          py::arg("quality_score") = Number{0.7},
          py::arg("quality_subscores") = Numbers{{0.7, 0.7, 0.7}},
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
