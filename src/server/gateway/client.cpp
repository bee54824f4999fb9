// The gateway's client side: initialize, the methods it routes to one upstream or aggregates over
// all, the client's notifications, and its answers to the upstreams' requests.
#include <algorithm>
#include <memory>
#include <string>

#include "aegis/core/version.h"
#include "aegis/server/errors.h"
#include "gateway_internal.h"

namespace aegis {
namespace {

json detail(const ErrorCode& code) { return {{"detail", code.detail}}; }

// The capabilities the gateway offers: what at least one upstream has.
json aggregate_capabilities(const std::vector<Gateway::Impl::Upstream>& ups) {
  json caps = {{"tools", {{"listChanged", true}}}};
  for (const auto& u : ups) {
    const json& c = u.capabilities;  // an object (on_init keeps nothing else)
    if (c.contains("prompts")) caps["prompts"] = {{"listChanged", true}};
    if (c.contains("completions")) caps["completions"] = json::object();
    if (c.contains("logging")) caps["logging"] = json::object();
    if (c.contains("resources")) {
      json& r = caps["resources"];
      r["listChanged"] = true;
      if (c["resources"].is_object() && c["resources"].value("subscribe", json()) == true)
        r["subscribe"] = true;
    }
  }
  return caps;
}

}  // namespace

void Gateway::Impl::forward(size_t upstream, const json& id, const std::string& method,
                            json params) {
  const bool sent = request(
      upstream, method, std::move(params),
      [this, id](const json& r) {
        json out = r;
        out["id"] = id;
        to_client(out);
      },
      std::nullopt, id.dump());
  if (!sent)
    reply_error(id, -32603, "upstream '" + ups[upstream].spec->name + "' is not running",
                detail(errors::kGatewayUpstream));
}

// initialize: every upstream is initialized with the client's capabilities (so that roots,
// sampling and elicitation reach the client only when it has them), then the client is answered.
static void initialize(Gateway::Impl& g, const json& id, const json& params) {
  const auto& versions = Gateway::supported_protocol_versions();
  const std::string asked = params.value("protocolVersion", json()).is_string()
                                ? params["protocolVersion"].get<std::string>()
                                : "";
  {
    std::unique_lock<std::mutex> l(g.mu);
    if (g.client_init) {
      l.unlock();  // never to the client under mu
      return g.reply_error(id, -32600, "the session is already initialized",
                           detail(errors::kGatewayMessage));
    }
    g.client_init = params;
    g.version = std::find(versions.begin(), versions.end(), asked) != versions.end()
                    ? asked
                    : versions.back();
  }
  struct Countdown {
    std::mutex mu;
    size_t left;
    std::vector<std::string> errors;
  };
  auto state = std::make_shared<Countdown>();
  state->left = g.ups.size();
  for (size_t i = 0; i < g.ups.size(); ++i)
    g.initialize_upstream(i, [&g, id, state](std::optional<std::string> error) {
      std::unique_lock<std::mutex> l(state->mu);
      if (error) state->errors.push_back(*error);
      if (--state->left > 0) return;
      l.unlock();
      if (!state->errors.empty()) {
        {
          std::lock_guard<std::mutex> gl(g.mu);
          g.client_init.reset();  // the client may try again
        }
        return g.reply_error(id, -32603, state->errors.front(), detail(errors::kGatewayUpstream));
      }
      json result;
      {
        std::lock_guard<std::mutex> gl(g.mu);
        result = {
            {"protocolVersion", g.version},
            {"capabilities", aggregate_capabilities(g.ups)},
            {"serverInfo", {{"name", "aegis-gateway"}, {"version", std::string(kEngineVersion)}}},
            {"instructions",
             "Every tool call passes AEGIS's governance gates first; a call that is not "
             "allowed returns an error result saying why and what would pass."}};
      }
      g.reply(id, std::move(result));
    });
}

void Gateway::Impl::handle_client_request(const json& m) {
  const json& id = m["id"];
  const std::string method = m["method"];
  const json params = m.value("params", json::object());
  if (method == "initialize") return initialize(*this, id, params);
  if (method == "ping") return reply(id, json::object());
  bool initialized;
  {
    std::lock_guard<std::mutex> l(mu);
    initialized = client_init.has_value();
  }
  if (!initialized)
    return reply_error(id, -32600, "not initialized: send initialize first",
                       detail(errors::kGatewayMessage));
  if (method == "tools/list") return list_tools(id);
  if (method == "tools/call") return call_tool(id, params);
  if (method == "prompts/list") return list_prompts(id);
  if (method == "resources/list") return list_resources(id, method, "resources");
  if (method == "resources/templates/list") return list_resources(id, method, "resourceTemplates");
  if (method == "prompts/get" || method == "completion/complete") {
    const bool prompt = method == "prompts/get";
    const json ref = prompt ? json::object() : params.value("ref", json());
    if (!ref.is_object())
      return reply_error(id, -32602, "completion/complete needs a ref object",
                         detail(errors::kGatewayMessage));
    json out = params;
    std::optional<size_t> owner;
    if (prompt || ref.value("type", json()) == "ref/prompt") {
      const json name = prompt ? params.value("name", json()) : ref.value("name", json());
      auto target = name.is_string() ? split_name(name.get<std::string>()) : std::nullopt;
      if (target) {
        owner = target->first;
        (prompt ? out["name"] : out["ref"]["name"]) = target->second;
      }
    } else if (ref.value("uri", json()).is_string()) {
      owner = resource_owner(ref["uri"].get<std::string>());
    }
    if (!owner) return reply_error(id, -32602, "no upstream offers that prompt or resource");
    return forward(*owner, id, method, std::move(out));
  }
  if (method == "resources/read" || method == "resources/subscribe" ||
      method == "resources/unsubscribe") {
    const json uri = params.value("uri", json());
    auto owner = uri.is_string() ? resource_owner(uri.get<std::string>()) : std::nullopt;
    if (!owner) return reply_error(id, -32002, "resource not found: no upstream offers that URI");
    return forward(*owner, id, method, params);
  }
  if (method == "logging/setLevel") {
    std::vector<size_t> logging;
    {
      std::lock_guard<std::mutex> l(mu);
      for (size_t i = 0; i < ups.size(); ++i)
        if (ups[i].capabilities.contains("logging")) logging.push_back(i);
    }
    for (size_t i : logging) request(i, method, params, [](const json&) {});
    return reply(id, json::object());
  }
  reply_error(id, -32601, "method not found: " + method);
}

void Gateway::Impl::handle_client_notification(const json& m) {
  const std::string method = m["method"];
  if (method == "notifications/initialized") {
    // The upstreams had theirs from the gateway; what they asked of the client meanwhile goes now.
    std::vector<json> asked;
    {
      std::lock_guard<std::mutex> l(mu);
      client_ready = true;
      asked.swap(held);
    }
    for (const json& r : asked) to_client(r);
  } else if (method == "notifications/cancelled") {
    // The client gives up a request: tell the upstream it went to, by the id it got.
    const json rid = m.value("params", json::object()).value("requestId", json());
    std::optional<std::pair<size_t, int64_t>> target;
    {
      std::lock_guard<std::mutex> l(mu);
      for (auto it = pending.begin(); it != pending.end(); ++it)
        if (!it->second.client_id.empty() && it->second.client_id == rid.dump()) {
          target = {it->second.upstream, it->first};
          pending.erase(it);
          break;
        }
      // A call still being decided is not forwarded when its decision is recorded.
      if (!target && deciding.count(rid.dump())) cancelled.insert(rid.dump());
    }
    if (!target && drop_hold(rid.dump())) return;  // a held call is no longer held
    if (!target) return;
    json out = m;
    out["params"]["requestId"] = target->second;
    ups[target->first].link->send(out.dump());
  } else if (method == "notifications/roots/list_changed") {
    for (auto& u : ups)
      if (u.link) u.link->send(m.dump());
  }
  // Other notifications (progress of a client's answer) have no upstream to go to.
}

void Gateway::Impl::handle_client_response(const json& m) {
  const json& id = m["id"];
  if (!id.is_string()) return;
  Reverse target;
  {
    std::unique_lock<std::mutex> l(mu);
    if (auto own = own_requests.find(id.get<std::string>()); own != own_requests.end()) {
      Reply done = std::move(own->second);
      own_requests.erase(own);
      l.unlock();
      return done(m);
    }
    auto it = reverse.find(id.get<std::string>());
    if (it == reverse.end()) return;  // its upstream restarted, or not a request of ours
    target = it->second;
    reverse.erase(it);
  }
  json out = m;
  out["id"] = target.id;
  ups[target.upstream].link->send(out.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace aegis
