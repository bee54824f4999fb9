// Tool pinning: each tool's definition hashed when first seen, kept in the store; a definition
// that changes is refused until an operator accepts it.
#include <set>
#include <string>
#include <vector>

#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/server/errors.h"
#include "gateway_internal.h"

namespace aegis {
namespace {

constexpr std::string_view kPinType = "gateway_pin";
// What is pinned of a tool: its whole definition as listed (name, title, description, schemas,
// annotations, icons, execution, _meta and whatever a later protocol adds).
json definition_of(const json& tool) { return tool.is_object() ? tool : json::object(); }

ToolPin pin_from(const StoredObject& o) {
  const json s = json::parse(o.state);
  ToolPin p;
  p.upstream = s.at("upstream");
  p.tool = s.at("tool");
  p.sha256 = s.at("sha256");
  p.definition = s.at("definition");
  if (s.contains("pending") && s["pending"].is_object()) {
    p.pending = s["pending"].at("sha256").get<std::string>();
    p.pending_definition = s["pending"].at("definition");
  }
  p.version = o.version;
  return p;
}

std::string pin_state(const ToolPin& p, const std::string& actor) {
  json s = {{"upstream", p.upstream},     {"tool", p.tool},     {"sha256", p.sha256},
            {"definition", p.definition}, {"pending", nullptr}, {"by", actor}};
  if (p.pending) s["pending"] = {{"sha256", *p.pending}, {"definition", p.pending_definition}};
  return canonical_json(s);
}

std::string pin_id(const std::string& upstream, const std::string& tool) {
  return upstream + "/" + tool;
}

}  // namespace

std::string tool_definition_hash(const json& definition) {
  return sha256_hex(canonical_json(definition_of(definition)));
}

std::vector<std::string> tool_definition_changes(const json& before, const json& after) {
  std::set<std::string> parts;  // in name order
  for (const json* d : {&before, &after})
    if (d->is_object())
      for (const auto& [key, value] : d->items()) parts.insert(key);
  std::vector<std::string> out;
  for (const auto& part : parts)
    if (before.value(part, json()) != after.value(part, json())) out.push_back(part);
  return out;
}

std::vector<ToolPin> list_tool_pins(Store& store, std::mutex& store_lock) {
  std::vector<ToolPin> out;
  std::lock_guard<std::mutex> l(store_lock);
  int64_t before = 0;
  while (true) {
    auto page = store.list_objects(kPinType, 500, before);
    for (const auto& o : page) out.push_back(pin_from(o.object));
    if (page.size() < 500) break;
    before = page.back().seq;
  }
  std::sort(out.begin(), out.end(), [](const ToolPin& a, const ToolPin& b) {
    return std::tie(a.upstream, a.tool) < std::tie(b.upstream, b.tool);
  });
  return out;
}

Result<ToolPin> accept_tool_pin(Store& store, std::mutex& store_lock, const std::string& upstream,
                                const std::string& tool, const std::string& sha256,
                                const std::string& actor) {
  std::lock_guard<std::mutex> l(store_lock);
  const auto o = store.load_object(kPinType, pin_id(upstream, tool));
  if (!o)
    return Error(errors::kGatewayPinNotFound, "tool",
                 "no pinned tool '" + tool + "' of upstream '" + upstream + "'");
  ToolPin p = pin_from(*o);
  if (!p.pending)
    return Error(errors::kGatewayPinNotFound, "tool",
                 "tool '" + tool + "' of upstream '" + upstream + "' has no change to accept");
  if (*p.pending != sha256)
    return Error(errors::kGatewayPinMismatch, "sha256",
                 "tool '" + tool + "' of upstream '" + upstream + "' now has pending definition " +
                     *p.pending + ", not " + sha256 +
                     ": review it again (aegis gateway pins list)");
  p.sha256 = *p.pending;
  p.definition = p.pending_definition;
  p.pending.reset();
  p.pending_definition = nullptr;
  p.version = store.save_object(kPinType, pin_id(upstream, tool), pin_state(p, actor), p.version);
  return p;
}

// Checks each listed tool against its pin: a new tool is pinned; a changed one is refused (and its
// new definition kept as pending, for an operator to accept) until its definition is accepted.
void Gateway::Impl::keep_tools(size_t i, const std::vector<json>& listed) {
  const std::string& upstream = ups[i].spec->name;
  std::map<std::string, json> tools;
  std::vector<std::string> order;
  std::map<std::string, Upstream::Changed> changed;
  for (const json& t : listed) {
    if (!t.value("name", json()).is_string()) continue;
    const std::string name = t["name"];
    if (tools.count(name)) {
      log("upstream '" + upstream + "' lists tool '" + name + "' twice; the second is refused");
      continue;
    }
    const json def = definition_of(t);
    const std::string hash = tool_definition_hash(def);
    try {
      std::lock_guard<std::mutex> l(store_lock);
      const auto o = store.load_object(kPinType, pin_id(upstream, name));
      if (!o) {
        ToolPin p{upstream, name, hash, def, std::nullopt, nullptr, 0};
        store.save_object(kPinType, pin_id(upstream, name), pin_state(p, "aegis-gateway"), 0);
      } else if (ToolPin p = pin_from(*o); p.sha256 != hash) {
        const auto parts = tool_definition_changes(p.definition, def);
        std::string what;
        for (const auto& part : parts) what += (what.empty() ? "" : ", ") + part;
        changed[name] = {what, p.definition};
        if (p.pending != hash) {
          p.pending = hash;
          p.pending_definition = def;
          store.save_object(kPinType, pin_id(upstream, name), pin_state(p, "aegis-gateway"),
                            p.version);
          log("tool '" + name + "' of upstream '" + upstream + "' changed (" + what +
              "); refused until accepted: aegis gateway pins accept " + upstream + " " + name);
        }
      }
    } catch (const std::exception& e) {
      // The pin cannot be read or written: the tool is refused, as a changed one.
      changed[name] = {std::string("its pin cannot be checked: ") + e.what(), nullptr};
    }
    tools[name] = t;
    order.push_back(name);
  }
  std::lock_guard<std::mutex> l(mu);
  ups[i].tools = std::move(tools);
  ups[i].tool_order = std::move(order);
  ups[i].changed = std::move(changed);
}

}  // namespace aegis
