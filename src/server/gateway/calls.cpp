// A tool call through the gateway: pin check → policy → decision → durable record → forward (a
// PROCEED) or an error result saying why (anything else). Nothing is forwarded that was not
// decided and recorded first, and what is forwarded is exactly what was decided on.
#include <memory>
#include <string>

#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/core/spelling.h"
#include "aegis/server/errors.h"
#include "gateway_internal.h"

namespace aegis {
namespace {

// The `_meta` key of a refusal's details.
constexpr const char* kMetaKey = "aegis/decision";

// A tool result the client reads as "not done": isError, the text, and the details — in
// structuredContent, unless the tool declares an output schema (which they would not match: the
// SDK clients validate even an error's structured content), and always in `_meta`.
json refusal(const std::string& text, json details, bool output_schema) {
  json r = {{"content", json::array({{{"type", "text"}, {"text", text}}})},
            {"isError", true},
            {"_meta", {{kMetaKey, details}}}};
  if (!output_schema) r["structuredContent"] = {{"aegis", std::move(details)}};
  return r;
}

// Why the call was not forwarded, from a decision that was not PROCEED.
json decision_refusal(const Evaluation& ev, const std::string& tool, bool output_schema) {
  json s = decision_details(ev.decision);
  std::string text;
  if (ev.decision.status == PCWStatus::HALT) {
    text = "AEGIS halted " + tool + "; it was not called. " + ev.decision.rationale;
    for (const auto& step : ev.decision.next_steps) text += "\n- " + step;
  } else {
    text = "AEGIS: " + tool + " requires approval; it was not called. " + ev.decision.rationale +
           " Decision " + ev.decision.decision_id + ".";
  }
  return refusal(text, std::move(s), output_schema);
}

}  // namespace

void Gateway::Impl::count(const std::string& upstream, const std::string& tool,
                          const std::string& status) {
  {
    std::lock_guard<std::mutex> l(mu);
    ++counts[{upstream, tool, status}];
  }
  if (observer) observer(upstream, tool, status);
}

// Refuses a call that was not decided: counted as "refused", logged without arguments.
static void refuse(Gateway::Impl& g, const GatewayToolCall& c, const std::string& text,
                   std::string_view detail) {
  g.count(c.upstream_name, c.tool, "refused");
  g.log("call " + c.offered + " refused: " + text);
  g.reply_refusal(c, "AEGIS: " + c.offered + " was not called: " + text, {{"refused", detail}});
}

void Gateway::Impl::reply_refusal(const GatewayToolCall& c, const std::string& text, json details) {
  reply(c.id, refusal(text, std::move(details), c.output_schema));
}

// A changed pin the operator may have accepted since: read it again.
static bool pin_accepted_since(Gateway::Impl& g, const GatewayToolCall& c) {
  std::string hash;
  {
    std::lock_guard<std::mutex> l(g.mu);
    const auto& tools = g.ups[c.upstream].tools;
    if (!tools.count(c.tool)) return false;
    hash = tool_definition_hash(tools.at(c.tool));
  }
  try {
    for (const ToolPin& p : list_tool_pins(g.store, g.store_lock)) {
      if (p.upstream != c.upstream_name || p.tool != c.tool || p.sha256 != hash) continue;
      // Only if the definition is still the one accepted (a new listing may have come meanwhile).
      std::lock_guard<std::mutex> l(g.mu);
      const auto& tools = g.ups[c.upstream].tools;
      if (!tools.count(c.tool) || tool_definition_hash(tools.at(c.tool)) != hash) return false;
      g.ups[c.upstream].changed.erase(c.tool);
      return true;
    }
  } catch (const std::exception&) {
  }
  return false;
}

// The call's upstream and tool, or the JSON-RPC error naming the nearest tool offered.
static std::optional<GatewayToolCall> resolve(Gateway::Impl& g, const json& id,
                                              const json& params) {
  const json name = params.value("name", json());
  const json args = params.value("arguments", json::object());
  if (!name.is_string() || !args.is_object()) {
    g.reply_error(id, -32602, "tools/call needs a tool name and an arguments object",
                  {{"detail", errors::kGatewayMessage.detail}});
    return std::nullopt;
  }
  const auto target = g.split_name(name.get<std::string>());
  std::unique_lock<std::mutex> l(g.mu);
  if (!target || !g.ups[target->first].tools.count(target->second)) {
    std::vector<std::string> offered;
    for (const auto& u : g.ups)
      for (const auto& t : u.tool_order)
        offered.push_back(u.spec->name + std::string(kPrefixSeparator) + t);
    l.unlock();  // never to the client under mu
    g.reply_error(id, -32602,
                  "unknown tool '" + name.get<std::string>() + "'" +
                      did_you_mean(name.get<std::string>(), offered),
                  {{"detail", errors::kGatewayUnknownTool.detail}});
    return std::nullopt;
  }
  const auto& u = g.ups[target->first];
  const json& def = u.tools.at(target->second);
  GatewayToolCall c{id,
                    target->first,
                    u.spec->name,
                    target->second,
                    name.get<std::string>(),
                    args,
                    def.value("annotations", json()),
                    params.value("_meta", json()),
                    def.contains("outputSchema"),
                    std::nullopt,
                    u.initialized};
  if (auto it = u.changed.find(c.tool); it != u.changed.end()) c.changed = it->second.what;
  return c;
}

void Gateway::Impl::call_tool(const json& id, const json& params) {
  auto resolved = resolve(*this, id, params);
  if (!resolved) return;
  auto c = std::make_shared<GatewayToolCall>(std::move(*resolved));
  if (!c->ready)
    return refuse(*this, *c,
                  "its upstream is starting again; its tools are checked against their pins "
                  "before any call goes to it (retry shortly)",
                  errors::kGatewayUpstream.detail);
  if (c->changed && !pin_accepted_since(*this, *c))
    return refuse(
        *this, *c,
        "its definition changed since it was pinned (" + *c->changed +
            "); an operator must review and accept it: aegis gateway pins list, then pins accept " +
            c->upstream_name + " " + c->tool,
        errors::kGatewayPinChanged.detail);
  if (!service.durable())
    return refuse(*this, *c, "the gateway has no store to record decisions in",
                  errors::kGatewayStore.detail);
  const GatewayCall call{ups[c->upstream].spec, c->tool,   &c->arguments, &c->annotations,
                         settings.principal,    session_id};
  auto decided = decide_tool_call(settings, service, config_hash, call);
  if (!decided) return refuse(*this, *c, decided.error().message, decided.error().detail);
  c->digest = decided.value().digest;
  c->status = decided.value().evaluation.decision.status;
  c->exact = decided.value().exact;
  c->shown = decided.value().shown;
  auto ev = std::make_shared<Evaluation>(decided.value().evaluation);
  std::vector<NewEntry> entries = std::move(decided.value().entries);
  ++recording;
  {
    std::lock_guard<std::mutex> l(mu);
    deciding.insert(c->id.dump());
  }
  // Done on the worker: the log's committer thread must never wait on an upstream's pipe.
  service.record(std::move(entries), [this, c, ev](bool durable) {
    post([this, c, ev, durable] { after_record(c, *ev, durable); });
  });
}

void Gateway::Impl::after_record(const std::shared_ptr<const GatewayToolCall>& call,
                                 const Evaluation& ev, bool durable) {
  const GatewayToolCall& c = *call;
  const bool held_for_approval =
      durable && approvals &&
      (ev.decision.status == PCWStatus::PAUSE || ev.decision.status == PCWStatus::ESCALATE);
  bool gave_up = false;
  if (!held_for_approval) {  // a held call leaves `deciding` once it is held (hold_or_release)
    std::lock_guard<std::mutex> l(mu);
    deciding.erase(c.id.dump());
    gave_up = cancelled.erase(c.id.dump()) > 0;
  }
  struct Done {
    std::atomic<int>& n;
    ~Done() { --n; }
  } done{recording};
  if (!durable)
    return refuse(*this, c, "its decision could not be recorded, so it was not forwarded",
                  errors::kGatewayStore.detail);
  const std::string status(to_string(ev.decision.status));
  count(c.upstream_name, c.tool, status);
  log("call " + c.offered + ": " + status + " (decision " + ev.decision.decision_id + ")");
  if (ev.decision.status != PCWStatus::PROCEED && !held_for_approval)
    return reply(c.id, decision_refusal(ev, c.offered, c.output_schema));
  if (held_for_approval) return hold_or_release(call, ev);
  if (gave_up) return;  // the client cancelled it while it was decided: not sent
  forward_call(c);
}

void Gateway::Impl::forward_call(const GatewayToolCall& c) {
  // Exactly the arguments decided on, re-serialised from what was parsed.
  json forwarded = {{"name", c.tool}, {"arguments", c.arguments}};
  if (!c.meta.is_null()) forwarded["_meta"] = c.meta;
  forward(c.upstream, c.id, "tools/call", std::move(forwarded));
}

}  // namespace aegis
