// One tool call decided by the policy, and the approval step of one that needs a person: what
// the MCP gateway and POST /v1/tool-calls/decide share.
#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/server/errors.h"
#include "aegis/server/gateway.h"

namespace aegis {

using nlohmann::json;

namespace {

// Whether every integer in `j` is one an IEEE double holds exactly (|n| <= 2^53).
bool exact_integers(const json& j) {
  constexpr uint64_t kLimit = uint64_t{1} << 53;
  switch (j.type()) {
    case json::value_t::number_unsigned:
      return j.get<uint64_t>() <= kLimit;
    case json::value_t::number_integer: {
      const int64_t v = j.get<int64_t>();
      return v >= -static_cast<int64_t>(kLimit) && v <= static_cast<int64_t>(kLimit);
    }
    case json::value_t::array:
    case json::value_t::object:
      for (const auto& e : j)
        if (!exact_integers(e)) return false;
      return true;
    default:
      return true;
  }
}

}  // namespace

std::string gateway_config_hash(const DecisionService& service, const GatewaySettings& settings) {
  return sha256_hex(service.config().config_hash() + settings.policy_hash);
}

Result<DecidedToolCall> decide_tool_call(const GatewaySettings& settings,
                                         const DecisionService& service,
                                         const std::string& config_hash, const GatewayCall& call) {
  auto input = gateway_context(settings, call);
  if (!input) return Error(errors::kGatewayPolicy, input.error().field, input.error().message);
  auto evaluated = service.evaluate(input.value().context);
  if (!evaluated)
    return Error(errors::kGatewayPolicy, evaluated.error().field,
                 "it could not be decided: " + evaluated.error().message);
  DecidedToolCall out{std::move(evaluated).value(), "", json(), {}, true};
  const std::string& upstream = call.upstream->name;
  out.exact = exact_integers(*call.arguments);
  try {
    out.digest = action_digest({{"upstream", upstream},
                                {"tool", call.tool},
                                {"arguments", *call.arguments},
                                {"principal", call.principal},
                                {"config_hash", config_hash}});
    out.shown = {{"upstream", upstream},
                 {"tool", call.tool},
                 {"principal", call.principal},
                 {"rule", input.value().rule},
                 {"arguments", input.value().recorded},
                 {"config_hash", config_hash}};
    const PCWDecision& d = out.evaluation.decision;
    const json record = {{"arguments", input.value().recorded},
                         {"call_digest", out.digest},
                         {"decision_id", d.decision_id},
                         {"principal", call.principal},
                         {"rule", input.value().rule},
                         {"session_id", call.session_id},
                         {"status", to_string(d.status)},
                         {"tool", call.tool},
                         {"upstream", upstream}};
    out.entries = {out.evaluation.entry(),
                   NewEntry{"gateway.call", d.decision_id, canonical_json(record), {}}};
  } catch (const std::exception& e) {
    return Error(errors::kGatewayStore, "", std::string("it could not be recorded: ") + e.what());
  }
  return out;
}

Result<ApprovalStep> approval_step(Approvals& approvals, const DecidedToolCall& call,
                                   const std::string& requester, const std::string& agent) {
  if (!call.exact)
    return Error(errors::kGatewayPolicy, "arguments",
                 "an argument is an integer beyond 2^53, which an approval's digest (RFC 8785) "
                 "cannot bind exactly; such a call cannot be approved");
  json action = call.shown;
  action["decision"] = decision_details(call.evaluation.decision);
  const PCWStatus status = call.evaluation.decision.status;
  const ApprovalRequest request{
      "tool_call",      call.digest, requester, agent, status, call.evaluation.decision.decision_id,
      std::move(action)};
  return approvals.hold(request);
}

}  // namespace aegis
