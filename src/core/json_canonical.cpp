// Canonical JSON (docs/decision-rules.md#wire-format) of an nlohmann value, for hashes.
#include <charconv>
#include <cstdint>
#include <string>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"

namespace aegis {
namespace {

// Appends the decimal form of `v`.
void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Appends the canonical JSON of `j`; throws for a non-finite number, invalid UTF-8 or binary.
void canonical(std::string& out, const nlohmann::json& j) {
  using V = nlohmann::json::value_t;
  switch (j.type()) {
    case V::null:
      out += "null";
      return;
    case V::boolean:
      out += j.get<bool>() ? "true" : "false";
      return;
    case V::number_integer:
      append_int(out, j.get<int64_t>());
      return;
    case V::number_unsigned: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, j.get<uint64_t>());
      out.append(buf, r.ptr);
      return;
    }
    case V::number_float:
      append_number(out, j.get<double>());
      return;
    case V::string: {
      const auto& s = j.get_ref<const std::string&>();
      if (!is_valid_utf8(s))
        throw_error(Error(errors::kJsonInvalidUtf8, "", "a string is not valid UTF-8"));
      append_string(out, s);
      return;
    }
    case V::array: {
      out += '[';
      bool first = true;
      for (const auto& e : j) {
        if (!first) out += ',';
        first = false;
        canonical(out, e);
      }
      out += ']';
      return;
    }
    case V::object: {
      // nlohmann's object is a std::map: keys ordered bytewise, which for UTF-8 is code point
      // order.
      out += '{';
      bool first = true;
      for (const auto& [k, v] : j.items()) {
        if (!first) out += ',';
        first = false;
        if (!is_valid_utf8(k))
          throw_error(Error(errors::kJsonInvalidUtf8, "", "a key is not valid UTF-8"));
        append_string(out, k);
        out += ':';
        canonical(out, v);
      }
      out += '}';
      return;
    }
    case V::binary:
    case V::discarded:
      throw_error(Error(errors::kJsonWrongType, "", "value has no JSON form"));
  }
}

}  // namespace

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  canonical(out, value);
  return out;
}

}  // namespace aegis
