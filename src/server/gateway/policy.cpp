// The gateway policy's evaluation: rules in order, predicates over arguments, the annotations'
// fallback, and the context a call is decided on.
#include <re2/re2.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "aegis/server/errors.h"
#include "aegis/server/gateway_policy.h"

namespace aegis {
namespace {

using nlohmann::json;

// The value at a dotted path of the arguments, or null when a step is missing.
const json* argument(const json& args, const std::string& path) {
  const json* at = &args;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object()) return nullptr;
    const auto it = at->find(key);
    if (it == at->end()) return nullptr;
    at = &*it;
    if (dot == std::string::npos) return at;
    start = dot + 1;
  }
}

Error policy_error(const std::string& field, const std::string& why) {
  return Error(errors::kGatewayPolicy, field, "gateway policy: " + why);
}

// A path argument as the upstream will read it: absolute (relative ones against its cwd), with
// "." and ".." folded and the symlinks of its existing part resolved.
Result<std::string> normalised_path(const std::string& value, const GatewayCall& call,
                                    const std::string& field) {
  std::filesystem::path p(value);
  if (value.empty() || value[0] == '~')
    return policy_error(field, "argument " + field + " is not a path the gateway can place");
  if (p.is_relative()) {
    if (!call.upstream->cwd)
      return policy_error(field, "argument " + field + " is a relative path and upstream '" +
                                     call.upstream->name + "' has no cwd to resolve it against");
    p = std::filesystem::path(*call.upstream->cwd) / p;
  }
  std::error_code ec;
  std::filesystem::path n = std::filesystem::weakly_canonical(p, ec);
  if (ec) return policy_error(field, "argument " + field + " cannot be normalised");
  return n.lexically_normal().string();
}

bool inside(const std::string& path, const std::string& dir) {
  if (path == dir) return true;
  const std::string base = dir.back() == '/' ? dir : dir + "/";
  return path.compare(0, base.size(), base) == 0;
}

// One scalar value against the predicate.
Result<bool> test_value(const GatewayPredicate& p, const json& v, const GatewayCall& call,
                        const std::string& field) {
  using Op = GatewayPredicate::Op;
  switch (p.op) {
    case Op::kEquals:
      return v == p.value;
    case Op::kPrefix:
      return v.is_string() &&
             v.get_ref<const std::string&>().compare(0, p.text.size(), p.text) == 0;
    case Op::kRegex:
      return v.is_string() && RE2::PartialMatch(v.get_ref<const std::string&>(),
                                                *static_cast<const RE2*>(p.regex.get()));
    case Op::kRange: {
      if (!v.is_number())
        return policy_error(field, "argument " + field + " must be a number for its range rule");
      const double d = v.get<double>();
      return p.lo <= d && d <= p.hi;
    }
    case Op::kInside:
    case Op::kOutside: {
      if (!v.is_string())
        return policy_error(field, "argument " + field + " must be a path (a string)");
      auto path = normalised_path(v.get<std::string>(), call, field);
      if (!path) return path.error();
      return inside(path.value(), p.text) == (p.op == Op::kInside);
    }
  }
  return false;
}

Result<bool> holds(const GatewayPredicate& p, const GatewayCall& call) {
  for (const std::string& arg : p.args) {
    const json* v = argument(*call.arguments, arg);
    if (!v) continue;
    const size_t n = v->is_array() ? v->size() : 1;
    for (size_t i = 0; i < n; ++i) {
      auto r = v->is_array() ? test_value(p, (*v)[i], call, arg + "[" + std::to_string(i) + "]")
                             : test_value(p, *v, call, arg);
      if (!r || r.value()) return r;
    }
  }
  return false;
}

Result<bool> matches(const GatewayRule& rule, const GatewayCall& call) {
  if (rule.upstream && *rule.upstream != call.upstream->name) return false;
  bool named = false;
  for (const auto& pattern : rule.tools) named = named || glob_match(pattern, call.tool);
  if (!named) return false;
  for (const auto& p : rule.when) {
    auto r = holds(p, call);
    if (!r || !r.value()) return r;
  }
  return true;
}

// The routine call: low impact, reversible, the risk the same as the baseline, and novelty 1 —
// the novelty gate passes novel proposals and fails routine ones (as the reference defines it), so
// the gateway does not let routine tool use count against a call.
PCWContext routine_context(const GatewayCall& call) {
  PCWContext c;
  c.agent_id = call.principal;
  c.session_id = call.session_id;
  c.phase = PCWPhase::WORK;
  c.proposal_summary = "MCP tool call " + call.tool + " on upstream " + call.upstream->name;
  c.estimated_impact = "low";
  c.risk_baseline = 0.05;
  c.risk_proposed = 0.05;
  c.novelty_score = 1.0;
  c.complexity_score = 0.9;
  c.quality_score = 0.9;
  c.quality_subscores = {0.9, 0.9, 0.9};
  return c;
}

void apply(const GatewayContextTemplate& t, PCWContext& c) {
  if (t.estimated_impact) c.estimated_impact = *t.estimated_impact;
  if (t.reversible) c.reversible = *t.reversible;
  if (t.requires_human_approval) c.requires_human_approval = *t.requires_human_approval;
  if (t.risk_baseline) c.risk_baseline = *t.risk_baseline;
  if (t.risk_proposed) c.risk_proposed = *t.risk_proposed;
  if (t.novelty_score) c.novelty_score = *t.novelty_score;
  if (t.complexity_score) c.complexity_score = *t.complexity_score;
  if (t.quality_score) {
    c.quality_score = *t.quality_score;
    c.quality_subscores.assign(3, *t.quality_score);
  }
  c.metadata = t.metadata;
}

// The annotations' reading, for a call no rule matches.
void apply_annotations(const json* annotations, PCWContext& c) {
  const auto hint = [&](const char* name) -> std::optional<bool> {
    if (!annotations || !annotations->is_object()) return std::nullopt;
    const auto it = annotations->find(name);
    if (it == annotations->end() || !it->is_boolean()) return std::nullopt;
    return it->get<bool>();
  };
  if (hint("readOnlyHint").value_or(false)) return;  // low impact, reversible
  if (hint("destructiveHint") == false) {
    c.estimated_impact = "medium";
    return;
  }
  c.estimated_impact = "high";
  c.reversible = false;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view name) noexcept {
  // Iterative matching with one backtrack point: linear in practice, never recursive.
  size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<GatewayVerdictInput> gateway_context(const GatewaySettings& settings,
                                            const GatewayCall& call) {
  GatewayVerdictInput out;
  out.context = routine_context(call);
  out.recorded = json::object();
  for (const GatewayRule& rule : settings.rules) {
    auto m = matches(rule, call);
    if (!m) return m.error();
    if (!m.value()) continue;
    apply(rule.context, out.context);
    out.rule = rule.name;
    for (const auto& name : rule.record)
      if (const json* v = argument(*call.arguments, name)) out.recorded[name] = *v;
    return out;
  }
  apply_annotations(call.annotations, out.context);
  out.rule = "annotations";
  return out;
}

}  // namespace aegis
