#include "aegis/service/what_if.h"

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/strict_object.h"
#include "aegis/service/errors.h"

namespace aegis {
namespace {

using nlohmann::json;

Error prefixed(Error e, std::string_view prefix) {
  e.field = e.field.empty() ? std::string(prefix) : std::string(prefix) + "." + e.field;
  return e;
}

json from_to(json from, json to) { return {{"from", std::move(from)}, {"to", std::move(to)}}; }

json gate_side(const PCWDecision& d, GateType g, bool passed) {
  const GateResult* r = d.gate_evaluation ? d.gate_evaluation->get(g) : nullptr;
  if (!r) return nullptr;
  return passed ? json(r->passed) : json(r->value);
}

// The texts of "K=V" items: commas inside brackets, braces or quotes do not split.
std::vector<std::string_view> split_items(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        quoted = false;
      continue;
    }
    if (c == '"')
      quoted = true;
    else if (c == '[' || c == '{')
      ++depth;
    else if (c == ']' || c == '}')
      --depth;
    else if (c == ',' && depth == 0) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

std::string WhatIf::to_json(bool recorded) const {
  const PCWDecision& a = original.decision;
  const PCWDecision& b = changed.decision;
  json gates = json::object();
  for (GateType g : kAllGates) {
    json pa = gate_side(a, g, true), pb = gate_side(b, g, true);
    if (pa.is_null() && pb.is_null()) continue;
    gates[std::string(to_string(g))] = {
        {"passed", from_to(std::move(pa), std::move(pb))},
        {"value", from_to(gate_side(a, g, false), gate_side(b, g, false))}};
  }
  const json diff = {
      {"status", from_to(std::string(to_string(a.status)), std::string(to_string(b.status)))},
      {"gates", std::move(gates)}};
  const json before = {{"decision_id", a.decision_id},
                       {"status", std::string(to_string(a.status))},
                       {"failing_gates", a.failing_gates}};
  std::string out = "{\"changes\":";
  out += canonical_json(changes);
  out += ",\"decision\":";
  out += changed.json;
  out += ",\"diff\":";
  out += canonical_json(diff);
  out += ",\"original\":";
  out += canonical_json(before);
  out += ",\"recorded\":";
  out += recorded ? "true" : "false";
  out += '}';
  return out;
}

Result<WhatIfRequest> what_if_request(const json& body) {
  try {
    const StrictObject in(body, {"context", "changes", "record"}, errors::kJsonWrongType);
    WhatIfRequest r;
    const json* context = in.object("context");
    const json* changes = in.find("changes");
    if (changes && !changes->is_object())
      in.fail("changes", "changes must be an object (a JSON merge patch of the context)");
    r.record = in.boolean("record").value_or(false);
    if (!context) return Error(errors::kContextRequired, "context", "context is required");
    if (!changes) return Error(errors::kContextRequired, "changes", "changes is required");
    r.context = *context;
    r.changes = *changes;
    return r;
  } catch (const AegisError& e) {
    return e.error();
  }
}

Result<json> parse_changes(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return Error(errors::kContextRequired, "what_if", "--what-if needs at least one change");
  if (text[first] == '{') {
    auto patch = read_json(text);
    if (!patch) return prefixed(patch.error(), "what_if");
    return std::move(patch).value();
  }
  json patch = json::object();
  for (std::string_view item : split_items(text)) {
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return Error(errors::kWhatIfSyntax, "what_if",
                   "a change is K=V (\"" + std::string(item.substr(0, 64)) + "\")");
    const std::string_view name = item.substr(0, eq), text_value = item.substr(eq + 1);
    auto parsed = read_json(text_value);
    json value = parsed ? std::move(parsed).value() : json(std::string(text_value));
    json* at = &patch;
    for (size_t start = 0;;) {
      const auto dot = name.find('.', start);
      const std::string part(name.substr(start, dot - start));
      if (part.empty())
        return Error(errors::kWhatIfSyntax, "what_if",
                     "an empty field name in \"" + std::string(name) + "\"");
      if (dot == std::string_view::npos) {
        (*at)[part] = std::move(value);
        break;
      }
      if (!(*at)[part].is_object()) (*at)[part] = json::object();
      at = &(*at)[part];
      start = dot + 1;
    }
  }
  return patch;
}

Result<WhatIf> what_if(const DecisionService& service, const json& context, const json& changes,
                       ContextParser& parser) {
  if (!context.is_object())
    return Error(errors::kJsonNotObject, "context", "the context must be a JSON object");
  if (!changes.is_object())
    return Error(errors::kJsonWrongType, "changes",
                 "changes must be an object (a JSON merge patch of the context)");
  auto decide = [&](const json& doc, std::string_view prefix) -> Result<Evaluation> {
    auto request = parser.parse(doc.dump());
    if (!request) return prefixed(request.error(), prefix);
    auto made = service.probe(request.value().context);
    if (!made) return prefixed(made.error(), prefix);
    return made;
  };
  auto original = decide(context, "context");
  if (!original) return original.error();
  json merged = context;
  merged.merge_patch(changes);
  auto changed = decide(merged, "changes");
  if (!changed) return changed.error();
  return WhatIf{changes, std::move(original).value(), std::move(changed).value()};
}

}  // namespace aegis
