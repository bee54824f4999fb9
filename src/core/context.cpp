#include "aegis/core/context.h"

#include <cmath>

#include "aegis/core/context_fields.h"
#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "checks.h"
#include "format.h"

namespace aegis {

std::string_view to_string(PCWPhase v) noexcept { return name_in(kPhaseNames, v); }

std::string_view to_string(Impact v) noexcept { return name_in(kImpactNames, v); }

std::optional<PCWPhase> parse_phase(std::string_view s) noexcept {
  return value_in<kPhaseNames>(s);
}

std::optional<Impact> parse_impact(std::string_view s) noexcept {
  return value_in<kImpactNames>(s);
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

std::optional<Error> check_string(const char* field, const std::string& v, size_t max_len) {
  if (v.empty())
    return Error(errors::kContextRequired, field, std::string(field) + " is required (non-empty)");
  if (v.size() > max_len)
    return Error(errors::kContextTooLong, field,
                 std::string(field) + " is " + std::to_string(v.size()) +
                     " bytes, over the limit of " + std::to_string(max_len));
  if (!is_valid_utf8(v))
    return Error(errors::kContextInvalidUtf8, field, std::string(field) + " is not valid UTF-8");
  return std::nullopt;
}

// `depth`: the containers around `j` inside metadata (0 for metadata itself).
std::optional<Error> check_metadata(const nlohmann::json& j, const std::string& path,
                                    size_t depth) {
  if ((j.is_object() || j.is_array()) && depth + 1 > kMaxMetadataDepth)
    return Error(errors::kContextTooDeep, path,
                 "metadata nests more than " + std::to_string(kMaxMetadataDepth) +
                     " objects and arrays (the context document at most " +
                     std::to_string(kMaxJsonDepth) + ")");
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      for (const auto& [k, v] : j.items()) {
        if (!is_valid_utf8(k))
          return Error(errors::kContextInvalidUtf8, path, path + " has a key that is not UTF-8");
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
        return Error(errors::kContextInvalidUtf8, path, path + " is not valid UTF-8");
      return std::nullopt;
    case nlohmann::json::value_t::number_float:
      if (!std::isfinite(j.get<double>()))
        return Error(errors::kContextNotFinite, path, path + " must be a finite number");
      return std::nullopt;
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      return Error(errors::kContextWrongType, path, path + " holds a value JSON cannot carry");
    default:
      return std::nullopt;
  }
}

// The error of an estimated_impact that parse_impact refused.
Error impact_error(const std::string& v) {
  if (v.empty())
    return Error(errors::kContextRequired, "estimated_impact",
                 "estimated_impact is required (low, medium, high or critical)");
  const std::string shown = v.size() <= 64 && is_valid_utf8(v) ? v : std::string("<unprintable>");
  return Error(errors::kContextUnknownValue, "estimated_impact",
               "estimated_impact must be one of " + joined(names_of<kImpactNames>()) + ", got \"" +
                   shown + "\"");
}

}  // namespace

std::optional<Error> validate_context(const PCWContext& c) {
  std::optional<Error> bad;
  // Keeps the first fault; the check of a valid field costs no assignment.
  const auto found = [&bad](std::optional<Error> e) {
    if (!e) return false;
    bad = std::move(e);
    return true;
  };
  visit_context_fields([&]<size_t I>() {
    constexpr const ContextField& f = kContextFields[I];
    constexpr const char* name = f.name.data();  // the table's names are literals
    if constexpr (f.type == FieldType::kText) {
      const std::string& v = c.*f.text;
      if (auto e = check_string(name, v, f.max_bytes)) return found(std::move(e));
      if (f.no_nul && v.find('\0') != std::string::npos)
        return found(Error(errors::kContextNulCharacter, name,
                           std::string(name) + " must not contain U+0000"));
    } else if constexpr (f.type == FieldType::kPhase) {
      if (static_cast<unsigned>(c.phase) > static_cast<unsigned>(PCWPhase::WORK))
        return found(
            Error(errors::kContextUnknownValue, name, "phase must be plan, commit or work"));
    } else if constexpr (f.type == FieldType::kImpact) {
      if (!parse_impact(c.*f.text)) return found(impact_error(c.*f.text));
    } else if constexpr (is_unit(f)) {
      if (auto e = check_unit(f.name, c.*f.number)) return found(std::move(e));
    } else if constexpr (f.type == FieldType::kNumber) {
      if (auto e = check_finite(f.name, c.*f.number)) return found(std::move(e));
    }  // the others are checked below, after every scalar
    return false;
  });
  if (bad) return bad;
  if (c.quality_subscores.size() > kMaxSubscores)
    return Error(errors::kContextTooLong, "quality_subscores",
                 "quality_subscores has " + std::to_string(c.quality_subscores.size()) +
                     " entries, over the limit of " + std::to_string(kMaxSubscores));
  if (auto e = check_subscores(c.quality_subscores)) return e;
  if (c.utility_result) {
    if (auto e = validate_utility_result(*c.utility_result)) return e;
  }
  if (!c.metadata.is_null()) {
    if (!c.metadata.is_object())
      return Error(errors::kContextWrongType, "metadata", "metadata must be a JSON object");
    // An empty object has nothing to check (and its path need not be built).
    if (!c.metadata.empty()) {
      if (auto e = check_metadata(c.metadata, "metadata", 0)) return e;
    }
  }
  return std::nullopt;
}

Impact context_impact(const PCWContext& ctx) noexcept {
  return parse_impact(ctx.estimated_impact).value_or(Impact::CRITICAL);
}

}  // namespace aegis
