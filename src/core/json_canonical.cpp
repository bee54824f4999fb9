// Canonical JSON (docs/decision-rules.md#wire-format) of an nlohmann value, for hashes.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

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

// The UTF-16 code units of valid UTF-8 `s`: what RFC 8785 sorts keys by.
std::u16string utf16_units(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1Fu) : n == 3 ? (b & 0x0Fu) : (b & 0x07u);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    i += n;
    if (cp < 0x10000) {
      out += static_cast<char16_t>(cp);
    } else {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (cp >> 10));
      out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    }
  }
  return out;
}

// Appends the RFC 8785 form of `j`.
void jcs(std::string& out, const nlohmann::json& j) {
  using V = nlohmann::json::value_t;
  switch (j.type()) {
    case V::number_integer:
      append_number(out, static_cast<double>(j.get<int64_t>()));
      return;
    case V::number_unsigned:
      append_number(out, static_cast<double>(j.get<uint64_t>()));
      return;
    case V::array: {
      out += '[';
      for (size_t i = 0; i < j.size(); ++i) {
        if (i) out += ',';
        jcs(out, j[i]);
      }
      out += ']';
      return;
    }
    case V::object: {
      std::vector<std::pair<std::u16string, const std::string*>> keys;
      keys.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();  // the object's own key, not a copy
        if (!is_valid_utf8(k))
          throw_error(Error(errors::kJsonInvalidUtf8, "", "a key is not valid UTF-8"));
        keys.emplace_back(utf16_units(k), &k);
      }
      std::sort(keys.begin(), keys.end());
      out += '{';
      for (size_t i = 0; i < keys.size(); ++i) {
        if (i) out += ',';
        append_string(out, *keys[i].second);
        out += ':';
        jcs(out, j.at(*keys[i].second));
      }
      out += '}';
      return;
    }
    default:
      canonical(out, j);  // null, booleans, doubles and strings are written alike
  }
}

}  // namespace

std::string jcs_canonical(const nlohmann::json& value) {
  std::string out;
  jcs(out, value);
  return out;
}

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  canonical(out, value);
  return out;
}

}  // namespace aegis
