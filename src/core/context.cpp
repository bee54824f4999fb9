#include "aegis/context.h"

#include <cmath>

#include "aegis/json.h"
#include "checks.h"
#include "format.h"

namespace aegis {

std::string_view to_string(PCWPhase phase) noexcept {
  switch (phase) {
    case PCWPhase::PLAN:
      return "plan";
    case PCWPhase::COMMIT:
      return "commit";
    case PCWPhase::WORK:
      return "work";
  }
  return "plan";
}

std::string_view to_string(Impact impact) noexcept {
  switch (impact) {
    case Impact::LOW:
      return "low";
    case Impact::MEDIUM:
      return "medium";
    case Impact::HIGH:
      return "high";
    case Impact::CRITICAL:
      return "critical";
  }
  return "critical";
}

std::optional<PCWPhase> parse_phase(std::string_view s) noexcept {
  if (s == "plan") return PCWPhase::PLAN;
  if (s == "commit") return PCWPhase::COMMIT;
  if (s == "work") return PCWPhase::WORK;
  return std::nullopt;
}

std::optional<Impact> parse_impact(std::string_view s) noexcept {
  if (s == "low") return Impact::LOW;
  if (s == "medium") return Impact::MEDIUM;
  if (s == "high") return Impact::HIGH;
  if (s == "critical") return Impact::CRITICAL;
  return std::nullopt;
}

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int len;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    static constexpr unsigned kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += len;
  }
  return true;
}

namespace {

using detail::check_finite;
using detail::check_subscores;
using detail::check_unit;
using detail::num;

Error field_error(const char* code, std::string field, std::string message) {
  return invalid_input(code, std::move(field), std::move(message));
}

std::optional<Error> check_string(const char* field, const std::string& v, size_t max_len) {
  if (v.empty())
    return field_error("context.required", field, std::string(field) + " is required (non-empty)");
  if (v.size() > max_len)
    return field_error("context.too_long", field,
                       std::string(field) + " is " + std::to_string(v.size()) +
                           " bytes, over the limit of " + std::to_string(max_len));
  if (!is_valid_utf8(v))
    return field_error("context.invalid_utf8", field, std::string(field) + " is not valid UTF-8");
  return std::nullopt;
}

// `depth`: the containers around `j` inside metadata (0 for metadata itself).
std::optional<Error> check_metadata(const nlohmann::json& j, const std::string& path,
                                    size_t depth) {
  if ((j.is_object() || j.is_array()) && depth + 1 > kMaxMetadataDepth)
    return field_error("context.too_deep", path,
                       "metadata nests more than " + std::to_string(kMaxMetadataDepth) +
                           " objects and arrays (the context document at most " +
                           std::to_string(kMaxJsonDepth) + ")");
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      for (const auto& [k, v] : j.items()) {
        if (!is_valid_utf8(k))
          return field_error("context.invalid_utf8", path, path + " has a key that is not UTF-8");
        if (auto e = check_metadata(v, path + "." + k, depth + 1)) return e;
      }
      return std::nullopt;
    case nlohmann::json::value_t::array: {
      size_t i = 0;
      for (const auto& v : j) {
        if (auto e = check_metadata(v, path + "[" + std::to_string(i++) + "]", depth + 1)) return e;
      }
      return std::nullopt;
    }
    case nlohmann::json::value_t::string:
      if (!is_valid_utf8(j.get_ref<const std::string&>()))
        return field_error("context.invalid_utf8", path, path + " is not valid UTF-8");
      return std::nullopt;
    case nlohmann::json::value_t::number_float:
      if (!std::isfinite(j.get<double>()))
        return field_error("context.not_finite", path, path + " must be a finite number");
      return std::nullopt;
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      return field_error("context.wrong_type", path, path + " holds a value JSON cannot carry");
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<Error> validate_context(const PCWContext& c) {
  if (auto e = check_string("agent_id", c.agent_id, kMaxIdLength)) return e;
  if (auto e = check_string("session_id", c.session_id, kMaxIdLength)) return e;
  // The ids are keys the store indexes as text, which cannot hold U+0000 (PostgreSQL refuses it).
  for (const auto& [field, id] : {std::pair<const char*, const std::string*>{"agent_id", &c.agent_id},
                                  {"session_id", &c.session_id}})
    if (id->find('\0') != std::string::npos)
      return field_error("context.nul_character", field,
                         std::string(field) + " must not contain U+0000");
  if (auto e = check_string("proposal_summary", c.proposal_summary, kMaxSummaryLength)) return e;
  if (static_cast<unsigned>(c.phase) > static_cast<unsigned>(PCWPhase::WORK))
    return field_error("context.unknown_value", "phase", "phase must be plan, commit or work");
  if (c.estimated_impact.empty())
    return field_error("context.required", "estimated_impact",
                       "estimated_impact is required (low, medium, high or critical)");
  if (!parse_impact(c.estimated_impact)) {
    std::string shown = c.estimated_impact.size() <= 64 && is_valid_utf8(c.estimated_impact)
                            ? c.estimated_impact
                            : std::string("<unprintable>");
    return field_error(
        "context.unknown_value", "estimated_impact",
        "estimated_impact must be one of low, medium, high, critical, got \"" + shown + "\"");
  }
  if (auto e = check_unit("risk_baseline", c.risk_baseline)) return e;
  if (auto e = check_unit("risk_proposed", c.risk_proposed)) return e;
  if (auto e = check_finite("profit_baseline", c.profit_baseline)) return e;
  if (auto e = check_finite("profit_proposed", c.profit_proposed)) return e;
  if (auto e = check_unit("novelty_score", c.novelty_score)) return e;
  if (auto e = check_unit("complexity_score", c.complexity_score)) return e;
  if (auto e = check_unit("quality_score", c.quality_score)) return e;
  if (c.quality_subscores.size() > kMaxSubscores)
    return field_error("context.too_long", "quality_subscores",
                       "quality_subscores has " + std::to_string(c.quality_subscores.size()) +
                           " entries, over the limit of " + std::to_string(kMaxSubscores));
  if (auto e = check_subscores(c.quality_subscores)) return e;
  if (c.utility_result) {
    if (auto e = validate_utility_result(*c.utility_result)) return e;
  }
  if (!c.metadata.is_null()) {
    if (!c.metadata.is_object())
      return field_error("context.wrong_type", "metadata", "metadata must be a JSON object");
    if (auto e = check_metadata(c.metadata, "metadata", 0)) return e;
  }
  return std::nullopt;
}

Impact context_impact(const PCWContext& ctx) noexcept {
  return parse_impact(ctx.estimated_impact).value_or(Impact::CRITICAL);
}

}  // namespace aegis
