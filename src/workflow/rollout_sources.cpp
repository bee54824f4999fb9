// The `sources:` section (docs/rollouts.md#measurements): what a rollout's context measures and
// the labels its queries take.
#include "aegis/workflow/rollout_sources.h"

#include <algorithm>

#include "aegis/core/config.h"
#include "aegis/core/context.h"
#include "aegis/core/context_fields.h"
#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/core/spelling.h"
#include "aegis/workflow/errors.h"

namespace aegis {
namespace {

using nlohmann::json;

const RolloutLabel* label_row(std::string_view name) {
  for (const auto& row : kRolloutLabels)
    if (row.name == name) return &row;
  return nullptr;
}

std::vector<std::string> label_names() {
  std::vector<std::string> out;
  for (const auto& row : kRolloutLabels) out.emplace_back(row.name);
  return out;
}

// The fields AEGIS fills for every rollout: never measured, never fixed by the file.
constexpr std::string_view kFilled[] = {"agent_id", "session_id", "proposal_summary"};
bool filled(std::string_view name) {
  return std::find(std::begin(kFilled), std::end(kFilled), name) != std::end(kFilled);
}

// Each {{label}} of `promql` in turn: `visit(label, begin, end)`; the error for an unclosed one.
template <typename Visit>
std::optional<std::string> each_placeholder(const std::string& promql, Visit visit) {
  size_t at = 0;
  while ((at = promql.find("{{", at)) != std::string::npos) {
    const size_t close = promql.find("}}", at + 2);
    if (close == std::string::npos) return "has a '{{' without its '}}'";
    std::string label = promql.substr(at + 2, close - at - 2);
    label.erase(0, label.find_first_not_of(' '));
    label.erase(label.find_last_not_of(' ') + 1);
    visit(label, at, close + 2);
    at = close + 2;
  }
  return std::nullopt;
}

// A YAML value of the `context:` mapping as the JSON the context parser reads, by its field type.
json context_value(const ContextField& f, const YAML::Node& n) {
  switch (f.type) {
    case FieldType::kNumber:
      return n.IsScalar() ? json(n.as<double>()) : json(n.Scalar());
    case FieldType::kFlag:
      return n.as<bool>();
    case FieldType::kUnitList: {
      json out = json::array();
      for (const auto& v : n) out.push_back(v.as<double>());
      return out;
    }
    case FieldType::kObject: {
      json out = json::object();
      for (const auto& kv : n) out[kv.first.Scalar()] = kv.second.Scalar();
      return out;
    }
    default:
      return n.Scalar();
  }
}

}  // namespace

std::optional<Error> check_rollout_label(std::string_view name, std::string_view value) {
  const RolloutLabel* row = label_row(name);
  if (!row) return Error(errors::kRolloutInvalid, std::string(name), "unknown label");
  const bool dns = name == "namespace" || name == "name";
  bool ok = !value.empty() && value.size() <= row->max_bytes;
  for (char c : value) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (dns ? !(alnum || c == '-' || (name == "name" && c == '.'))
            : !(alnum || (c >= 'A' && c <= 'Z')))
      ok = false;
  }
  if (ok) return std::nullopt;
  return Error(errors::kRolloutInvalid, std::string(name),
               std::string(name) + " must be 1 to " + std::to_string(row->max_bytes) +
                   " bytes of " + std::string(row->allowed));
}

Result<std::string> RolloutSources::query(const std::string& field, const std::string& promql,
                                          const RolloutLabels& labels) const {
  std::string out;
  size_t copied = 0;
  std::optional<Error> missing;
  each_placeholder(promql, [&](const std::string& label, size_t begin, size_t end) {
    out.append(promql, copied, begin - copied);
    copied = end;
    const auto it = labels.find(label);
    if (it == labels.end()) {
      if (!missing)
        missing = Error(
            errors::kRolloutInvalid, label,
            "the query of " + field + " names {{" + label + "}}, which this request does not give");
      return;
    }
    out += it->second;
  });
  if (missing) return *missing;
  out.append(promql, copied);
  return out;
}

namespace {

// Reads one part of the section into `s`; the error naming the key, or nullopt.
struct SectionReader {
  const std::string& source;
  RolloutSources& s;

  Error bad(const std::string& key, const std::string& why) const {
    return Error(errors::kRolloutConfig, key, source + ": key '" + key + "': " + why);
  }

  // prometheus: {url, timeout_ms}
  std::optional<Error> prometheus(const YAML::Node& p) const {
    if (!p || !p.IsMap()) return bad("sources.prometheus", "must be a mapping with url");
    for (const auto& kv : p) {
      const std::string key = kv.first.Scalar();
      if (key != "url" && key != "timeout_ms")
        return unknown_config_key(source, "sources.prometheus." + key, "sources.prometheus", key,
                                  {"url", "timeout_ms"});
    }
    s.prometheus_url = p["url"] && p["url"].IsScalar() ? p["url"].Scalar() : "";
    const size_t scheme = s.prometheus_url.find("://");
    const std::string_view after =
        scheme == std::string::npos ? "" : std::string_view(s.prometheus_url).substr(scheme + 3);
    if (!(s.prometheus_url.starts_with("http://") || s.prometheus_url.starts_with("https://")) ||
        after.empty() || after.front() == '/')
      return bad("sources.prometheus.url", "must be the server's http:// or https:// URL");
    if (const YAML::Node t = p["timeout_ms"]) {
      int64_t v = 0;
      if (!t.IsScalar() || !YAML::convert<int64_t>::decode(t, v) || v < 50 || v > 9000)
        return bad("sources.prometheus.timeout_ms", "must be a whole number from 50 to 9000");
      s.timeout = std::chrono::milliseconds(v);
    }
    return std::nullopt;
  }

  // fields: {numeric context field: PromQL naming only known labels}
  std::optional<Error> fields(const YAML::Node& f) const {
    if (!f || !f.IsMap() || f.size() == 0)
      return bad("sources.fields", "must map at least one context field to its PromQL query");
    std::vector<std::string> numeric;
    for (const auto& row : kContextFields)
      if (row.type == FieldType::kNumber) numeric.emplace_back(row.name);
    for (const auto& kv : f) {
      const std::string name = kv.first.Scalar(), at = "sources.fields." + name;
      if (std::find(numeric.begin(), numeric.end(), name) == numeric.end())
        return bad(at, "is not a numeric context field" + did_you_mean(name, numeric));
      if (!kv.second.IsScalar() || kv.second.Scalar().empty() || !is_valid_utf8(kv.second.Scalar()))
        return bad(at, "must be a PromQL query (a UTF-8 string)");
      const std::string promql = kv.second.Scalar();
      std::optional<std::string> unknown;
      const auto shape = each_placeholder(promql, [&](const std::string& label, size_t, size_t) {
        if (!unknown && !label_row(label)) unknown = label;
      });
      if (shape) return bad(at, *shape);
      if (unknown)
        return bad(at, "names {{" + *unknown + "}}, which no request fills" +
                           did_you_mean(*unknown, label_names()));
      s.fields.emplace_back(name, promql);
    }
    if (s.fields.size() * static_cast<size_t>(s.timeout.count()) > 9000)
      return bad("sources.prometheus.timeout_ms",
                 "times the number of fields must stay within 9000 ms, so that an answer always "
                 "comes before the controllers' 10 s timeout");
    return std::nullopt;
  }

  // context: fixed fields over a routine rollout's, each as the context parser reads it.
  std::optional<Error> context(const YAML::Node& c) const {
    PCWContext routine;
    routine.phase = PCWPhase::COMMIT;
    routine.estimated_impact = "medium";
    routine.reversible = true;
    routine.novelty_score = 1.0;
    routine.complexity_score = 0.9;
    routine.quality_score = 0.9;
    routine.quality_subscores = {0.9, 0.9, 0.9};
    s.context = context_to_json(routine);
    for (std::string_view name : kFilled) s.context.erase(std::string(name));
    if (c && !c.IsMap()) return bad("sources.context", "must be a mapping of context fields");
    std::vector<std::string> known;
    for (const auto& row : kContextFields) known.emplace_back(row.name);
    for (const auto& kv : c ? c : YAML::Node(YAML::NodeType::Map)) {
      const std::string name = kv.first.Scalar(), at = "sources.context." + name;
      const ContextField* row = context_field(name);
      if (!row) return unknown_config_key(source, at, "sources.context", name, known);
      if (filled(name)) return bad(at, "is filled by AEGIS for each rollout");
      if (row->type == FieldType::kUtility) return bad(at, "cannot be fixed for rollouts");
      for (const auto& [measured, _] : s.fields)
        if (measured == name) return bad(at, "is measured (sources.fields." + name + ")");
      try {
        s.context[name] = context_value(*row, kv.second);
        if (name == "quality_score" && !c["quality_subscores"])
          s.context["quality_subscores"] =
              json::array({s.context[name], s.context[name], s.context[name]});
      } catch (const YAML::Exception&) {
        return bad(at, "has a value of the wrong type");
      }
    }
    for (const auto& [measured, _] : s.fields)  // measured quality: its subscores follow it
      if (measured == "quality_score" && !(c && c["quality_subscores"]))
        s.context.erase("quality_subscores");
    json probe = s.context;  // beside measured values in range
    for (std::string_view name : kFilled) probe[std::string(name)] = "probe";
    for (const auto& [measured, _] : s.fields) probe[measured] = 0.0;
    ContextParser parser;
    if (auto parsed = parser.parse(probe.dump()); !parsed)
      return bad("sources.context." + parsed.error().field, parsed.error().message);
    return std::nullopt;
  }
};

}  // namespace

Result<RolloutSources> read_sources_section(const YAML::Node& node, const std::string& source) {
  RolloutSources s;
  const SectionReader r{source, s};
  try {
    if (!node.IsMap()) return r.bad("sources", "must be a mapping");
    static const std::vector<std::string> kKeys = {"prometheus", "fields", "context",
                                                   "key_window_seconds"};
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
        return unknown_config_key(source, "sources." + key, "sources", key, kKeys);
    }
    if (auto e = r.prometheus(node["prometheus"])) return *e;
    if (auto e = r.fields(node["fields"])) return *e;
    if (auto e = r.context(node["context"])) return *e;
    if (const YAML::Node w = node["key_window_seconds"]) {
      int64_t v = 0;
      if (!w.IsScalar() || !YAML::convert<int64_t>::decode(w, v) || v < 1 || v > 86400)
        return r.bad("sources.key_window_seconds", "must be a whole number from 1 to 86400");
      s.key_window = std::chrono::seconds(v);
    }
    json section = {{"url", s.prometheus_url}, {"context", s.context}, {"fields", json::object()}};
    for (const auto& [name, promql] : s.fields) section["fields"][name] = promql;
    s.hash = sha256_hex(canonical_json(section));
  } catch (const std::exception& e) {  // YAML's, or a string that is not UTF-8
    return r.bad("sources", std::string("cannot be read: ") + e.what());
  }
  return s;
}

}  // namespace aegis
