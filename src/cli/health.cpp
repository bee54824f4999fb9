// `aegis health`: a self-test of the engine on known inputs.
#include <cmath>
#include <cstdio>
#include <functional>

#include "aegis/core/bayes.h"
#include "aegis/core/json.h"
#include "aegis/core/version.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {
namespace {

// Each check returns an empty string when it passes, else what went wrong.
using Check = std::function<std::string()>;

std::string expect_status(const char* json, PCWStatus expected) {
  ContextParser parser;
  auto req = parser.parse(json);
  if (!req) return "parse failed: " + req.error().message;
  const PCWDecision d = pcw_decide(req.value().context);
  if (d.status != expected) {
    return "expected " + std::string(to_string(expected)) + ", got " +
           std::string(to_string(d.status));
  }
  auto round = nlohmann::json::parse(decision_to_json(d));
  if (round["status"] != to_string(expected)) return "decision JSON does not round-trip";
  return "";
}

}  // namespace

int run_health(const std::string& format) {
  const std::vector<std::pair<std::string, Check>> checks = {
      {"normal_quantile",
       [] {
         const double p = normal_cdf(normal_quantile(0.975));
         return std::fabs(p - 0.975) < 1e-14 ? "" : "Phi(Phi^-1(0.975)) != 0.975";
       }},
      {"config",
       [] { return AegisConfig().config_hash().size() == 64 ? "" : "config hash malformed"; }},
      {"decide_proceed",
       [] {
         return expect_status(
             R"({"agent_id":"health","session_id":"h","phase":"plan","proposal_summary":"safe",
                 "estimated_impact":"low","risk_baseline":0.2,"risk_proposed":0.2,
                 "novelty_score":0.8,"complexity_score":0.8,"quality_score":0.8})",
             PCWStatus::PROCEED);
       }},
      {"decide_halt",
       [] {
         return expect_status(
             R"({"agent_id":"health","session_id":"h","phase":"plan","proposal_summary":"risky",
                 "estimated_impact":"medium","risk_proposed":0.3})",
             PCWStatus::HALT);
       }},
      {"decide_escalate",
       [] {
         return expect_status(
             R"({"agent_id":"health","session_id":"h","phase":"commit","proposal_summary":"x",
                 "estimated_impact":"critical","risk_proposed":0.3,"novelty_score":0.8})",
             PCWStatus::ESCALATE);
       }},
  };
  nlohmann::json results = nlohmann::json::object();
  bool ok = true;
  for (const auto& [name, check] : checks) {
    std::string problem;
    try {
      problem = check();
    } catch (const std::exception& e) {
      problem = std::string("threw: ") + e.what();
    }
    ok &= problem.empty();
    results[name] = problem.empty() ? "ok" : problem;
  }
  const nlohmann::json out = {
      {"status", ok ? "ok" : "degraded"}, {"engine_version", kEngineVersion}, {"checks", results}};
  if (format == "text") {
    std::printf("%s\n", ok ? "ok" : "degraded");
    for (const auto& [name, r] : results.items())
      std::printf("  %-16s %s\n", name.c_str(), r.get<std::string>().c_str());
  } else {
    std::printf("%s\n", out.dump().c_str());
  }
  return ok ? kExitProceed : kExitInternal;
}

}  // namespace aegis::cli
