// One decision endpoint for other MCP gateways (docs/gateway.md#other-gateways): POST
// /v1/tool-calls/decide, and the adapter for Docker MCP Gateway's `--interceptor before:http:URL`.
// Both decide with the config's gateway: policy and the same approvals as `aegis gateway`, and
// record the decision and the call in one group before answering. They run on the worker pool.
#include <algorithm>
#include <cctype>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/core/uuid.h"
#include "aegis/server/errors.h"
#include "aegis/server/gateway.h"
#include "routes.h"

namespace aegis::server {
namespace {

using http::Access;
using http::Caller;
using http::Reply;
using http::Request;
using http::Runs;
using nlohmann::json;

// A tool call as another gateway states it. `caller` is the API key's actor; `agent` the agent
// it asks for ("" or the caller: itself). The principal decided and bound is the caller, or
// "caller/agent" — so that no other key can use an approval granted for this caller's agent.
struct StatedCall {
  std::string upstream, tool, caller, agent, session_id;
  std::string principal() const {
    return agent.empty() || agent == caller ? caller : caller + "/" + agent;
  }
  json arguments = json::object(), annotations;
};

// What the decision says about one stated call: allow (PROCEED, or an approval released it),
// the decision's fields and the approval's.
Result<json> decide_stated(const ToolCallRoutes& t, const StatedCall& s) {
  if (!t.settings)
    return Error(errors::kGatewayConfig, "gateway",
                 "the server's config has no gateway: section: its rules decide tool calls");
  GatewayUpstream named;  // an upstream the config does not list: known by its name only
  named.name = s.upstream;
  const GatewayUpstream* upstream = &named;
  for (const auto& u : t.settings->upstreams)
    if (u.name == s.upstream) upstream = &u;
  const GatewayCall call{upstream,      s.tool,
                         &s.arguments,  &s.annotations,
                         s.principal(), s.session_id.empty() ? new_uuid_v4() : s.session_id};
  auto decided = decide_tool_call(*t.settings, t.service, t.config_hash, call);
  if (!decided) return decided.error();
  if (!t.service.record_and_wait(decided.value().entries))
    return Error(errors::kGatewayStore, "", "the decision could not be recorded; do not call");
  const PCWDecision& d = decided.value().evaluation.decision;
  const json dj = json::parse(decided.value().evaluation.json);
  json out = {{"allow", d.status == PCWStatus::PROCEED},
              {"status", to_string(d.status)},
              {"decision_id", d.decision_id},
              {"rationale", dj["rationale"]},
              {"next_steps", dj["next_steps"]},
              {"digest", decided.value().digest},
              {"approval", nullptr}};
  if (d.status == PCWStatus::PAUSE || d.status == PCWStatus::ESCALATE) {
    auto step =
        approval_step(t.approvals, decided.value(), s.caller, s.agent == s.caller ? "" : s.agent);
    if (!step) return step.error();
    out["allow"] = step.value().released;
    out["approval"] = step.value().approval.to_json();
  }
  return out;
}

// The body of POST /v1/tool-calls/decide.
Result<StatedCall> read_stated(const Request& r, const Caller& c) {
  auto body = read_json(r.body);
  if (!body) return body.error();
  try {
    const StrictObject in(
        body.value(), {"upstream", "tool", "arguments", "principal", "session_id", "annotations"},
        errors::kGatewayMessage);
    StatedCall s;
    s.upstream = in.string("upstream", 128).value_or("");
    s.tool = in.string("tool", 256).value_or("");
    if (s.upstream.empty() || s.tool.empty())
      return Error(errors::kGatewayMessage, s.upstream.empty() ? "upstream" : "tool",
                   "upstream and tool are required (non-empty strings)");
    if (const json* a = in.object("arguments")) s.arguments = *a;
    if (const json* a = in.object("annotations")) s.annotations = *a;
    s.caller = c.actor_id;
    s.agent = in.string("principal", 256).value_or("");
    s.session_id = in.string("session_id", 256).value_or("");
    return s;
  } catch (const AegisError& e) {
    return e.error();
  }
}

// Docker MCP Gateway sends the SDK's request object: {"Session", "Params": {"name",
// "arguments", "_meta"}, "Extra"} (keys as Go writes them; a later shape is {"method",
// "params"}). Go reads keys without regard to case; so does this.
const json* field(const json& j, std::string_view name) {
  if (!j.is_object()) return nullptr;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k.size() == name.size() && std::equal(k.begin(), k.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == b;
        }))
      return &*it;
  }
  return nullptr;
}

// A CallToolResult the Docker gateway hands to its client instead of calling the tool.
json blocked(const std::string& text, const json& details) {
  return {{"content", json::array({{{"type", "text"}, {"text", text}}})},
          {"isError", true},
          {"_meta", {{"aegis/decision", details}}}};
}

void docker_before(const ToolCallRoutes& t, Request& r, const Caller& c, Reply reply) {
  auto fail = [&reply](const Error& e) { reply(error_response(e)); };
  if (auto e = check_query(r, {"upstream", "principal"})) return fail(*e);
  const std::string* upstream = query_value(r, "upstream");
  if (!upstream || upstream->empty())
    return fail(Error(errors::kGatewayMessage, "upstream",
                      "name the MCP server in the interceptor's URL: ?upstream=NAME"));
  auto body = read_json(r.body);
  if (!body) return fail(body.error());
  const json* params = field(body.value(), "params");
  const json* name = params ? field(*params, "name") : nullptr;
  const json* args = params ? field(*params, "arguments") : nullptr;
  if (!name || !name->is_string() || (args && !args->is_null() && !args->is_object()))
    return fail(Error(errors::kGatewayMessage, "Params",
                      "not a Docker MCP Gateway tools/call interception: Params.name (a string) "
                      "and Params.arguments (an object) are expected"));
  StatedCall s{
      *upstream, name->get<std::string>(), c.actor_id,
      "",        "docker-mcp-gateway",     args && args->is_object() ? *args : json::object(),
      json()};
  if (const std::string* p = query_value(r, "principal"); p && !p->empty()) s.agent = *p;
  auto out = decide_stated(t, s);
  if (!out) return fail(out.error());
  const json& o = out.value();
  // An empty body lets the Docker gateway call the tool; any other body is the tool's result.
  if (o["allow"] == true) return reply(http::Response{200, "application/json", "", {}, false});
  const std::string status = o["status"].get<std::string>();
  std::string text = "AEGIS: " + s.tool + " was not called: the decision is " + status + ". " +
                     o["rationale"].get<std::string>();
  if (o["approval"].is_object())
    text += " Held for approval " + o["approval"]["id"].get<std::string>() +
            "; call it again with exactly the same arguments once it is approved.";
  reply(json_response(200, blocked(text, o).dump()));
}

}  // namespace

void add_tool_call_routes(http::Router& router, const ToolCallRoutes& t) {
  router.add({"POST", "/v1/tool-calls/decide", Access::kPermission, "decide", Runs::kOnWorker,
              [t](Request& r, const Caller& c, Reply reply) {
                auto stated = read_stated(r, c);
                if (!stated) return reply(error_response(stated.error()));
                auto out = decide_stated(t, stated.value());
                if (!out) return reply(error_response(out.error()));
                reply(json_response(200, out.value().dump()));
              }});
  router.add({"POST", "/v1/integrations/docker-mcp", Access::kPermission, "decide", Runs::kOnWorker,
              [t](Request& r, const Caller& c, Reply reply) {
                docker_before(t, r, c, std::move(reply));
              }});
}

}  // namespace aegis::server
