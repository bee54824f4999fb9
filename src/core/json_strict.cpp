// The one strict reading of JSON text that every surface shares (docs/decision-rules.md#inputs):
// nlohmann's SAX parser with UTF-8, depth, duplicate-key and number-range checks, and errors that
// name the field. GCC 12 reports a false -Wrestrict on std::string concatenation at -O3 (GCC bug
// 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include <simdjson.h>

#include <string>
#include <vector>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"

namespace aegis {
namespace {

using nlohmann::json;

struct Failure {
  Error error;
};

// Builds the DOM while checking what nlohmann's own parser lets through. Paths are written as
// the context parser writes fields: "metadata.a", "quality_subscores[2]".
class StrictSax {
 public:
  explicit StrictSax(size_t max_depth) : max_depth_(max_depth) {}

  bool null() { return put(nullptr); }
  bool boolean(bool b) { return put(b); }
  bool number_integer(json::number_integer_t v) { return put(v); }
  bool number_unsigned(json::number_unsigned_t v) { return put(v); }
  bool number_float(json::number_float_t v, const std::string& text) {
    // nlohmann reads an integer literal beyond 64 bits as an inexact double; refuse it, as the
    // context parser (simdjson) does.
    if (text.find_first_of(".eE") == std::string::npos) out_of_range(text);
    return put(v);
  }
  bool string(std::string& s) { return put(std::move(s)); }
  bool binary(json::binary_t&) { return false; }  // never produced from JSON text
  bool start_object(size_t) { return open(json::object()); }
  bool key(std::string& k) {
    Frame& f = frames_.back();
    if (f.value->contains(k)) {
      f.key = k;
      throw Failure{
          Error(errors::kJsonDuplicateKey, path(), "duplicate key \"" + shown(k) + "\"" + where())};
    }
    f.key = std::move(k);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(size_t) { return open(json::array()); }
  bool end_array() { return close(); }
  bool parse_error(size_t, const std::string& token, const nlohmann::detail::exception& e) {
    if (e.id == 406) out_of_range(token);  // out_of_range.406: a float literal beyond ±DBL_MAX
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." —
    // keep the position and the reason, not the library's tag.
    if (const size_t tag = what.find("] ");
        what.rfind("[json.exception.", 0) == 0 && tag != std::string::npos)
      what.erase(0, tag + 2);
    throw Failure{Error(errors::kJsonSyntax, "", "malformed JSON: " + what)};
  }

  json take() { return std::move(root_); }

 private:
  struct Frame {
    json* value;
    std::string key;  // the pending key of an object
  };

  static std::string shown(std::string_view s) {
    return s.size() <= 64 ? std::string(s) : std::string(s.substr(0, 64)) + "...";
  }

  // The field the parser is at: the keys and indices of the open containers (an open array's
  // element in progress is already in it, unless it is the innermost value, which is not).
  std::string path() const {
    std::string p;
    for (size_t i = 0; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.value->is_array()) {
        p += '[';
        p += std::to_string(f.value->size() - (i + 1 < frames_.size() ? 1 : 0));
        p += ']';
      } else {
        if (!p.empty()) p += '.';
        p += shown(f.key);
      }
    }
    return p;
  }
  std::string where() const {
    const std::string p = path();
    const size_t dot = p.find_last_of(".[");
    return dot == std::string::npos ? "" : " in " + p.substr(0, dot);
  }

  [[noreturn]] void out_of_range(const std::string& token) const {
    const std::string p = path();
    throw Failure{Error(errors::kJsonNumberOutOfRange, p,
                        (p.empty() ? std::string("the value") : p) + " is " + shown(token) +
                            ", beyond the range of a double" + " (integers: 64 bits)")};
  }

  // Adds a value where the parser is; returns where it went.
  json* put(json v) {
    if (frames_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& top = *frames_.back().value;
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    json& slot = top[frames_.back().key];
    slot = std::move(v);
    return &slot;
  }
  bool open(json container) {
    if (frames_.size() + 1 > max_depth_)
      throw Failure{Error(errors::kJsonTooDeep, path(),
                          "the JSON nests deeper than " + std::to_string(max_depth_) + " levels")};
    json* where = put(std::move(container));
    frames_.push_back({where, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  size_t max_depth_;
  json root_;
  std::vector<Frame> frames_;
};

}  // namespace

Result<nlohmann::json> read_json(std::string_view text, JsonLimits limits) {
  if (text.size() > limits.max_bytes)
    return Error{errors::kJsonTooLarge, "",
                 "the document is " + std::to_string(text.size()) + " bytes, over the limit of " +
                     std::to_string(limits.max_bytes)};
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Error(errors::kJsonEmpty, "", "the input is empty");
  if (!simdjson::validate_utf8(text.data(), text.size()))
    return Error(errors::kJsonInvalidUtf8, "", "the input is not valid UTF-8");
  // RFC 8259 §8.1: no byte order mark; nlohmann would skip one silently.
  if (text.rfind("\xEF\xBB\xBF", 0) == 0)
    return Error(errors::kJsonSyntax, "", "malformed JSON: a byte order mark is not JSON");
  // No raw NUL belongs to JSON (in a string it is written \u0000); nlohmann's lexer would take
  // one for the end of the input and ignore whatever follows it.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos)
    return Error(errors::kJsonSyntax, "",
                 "malformed JSON: a NUL byte at offset " + std::to_string(nul));
  StrictSax sax(limits.max_depth);
  try {
    json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json,
                    /*strict=*/true);
  } catch (Failure& f) {
    return std::move(f.error);
  }
  return sax.take();
}

nlohmann::json parse_json_strict(std::string_view text, JsonLimits limits) {
  auto r = read_json(text, limits);
  if (!r) throw_error(r.error());
  return std::move(r).value();
}

Result<std::vector<std::string_view>> split_json_array(std::string_view text) {
  auto malformed = [](size_t at, const char* why) {
    return Error(errors::kJsonSyntax, "",
                 "malformed JSON array at byte " + std::to_string(at) + ": " + why);
  };
  auto ws = [&text](size_t i) {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
      ++i;
    return i;
  };
  size_t i = ws(0);
  if (i == text.size() || text[i] != '[') return malformed(i, "expected '['");
  std::vector<std::string_view> items;
  i = ws(i + 1);
  if (i < text.size() && text[i] == ']') {
    if (ws(i + 1) != text.size()) return malformed(ws(i + 1), "text after the array");
    return items;
  }
  while (true) {
    // One element: up to the ',' or ']' outside strings and nested containers, whose brackets
    // must match.
    const size_t start = i;
    std::string open;
    bool in_string = false;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string) {
        if (c == '\\')
          ++i;
        else if (c == '"')
          in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        open += c;
      } else if (c == ']' || c == '}') {
        if (open.empty()) break;
        if (open.back() != (c == ']' ? '[' : '{')) return malformed(i, "mismatched brackets");
        open.pop_back();
      } else if (c == ',' && open.empty()) {
        break;
      }
    }
    if (i >= text.size()) return malformed(text.size(), "the array is not closed");
    size_t end = i;
    while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t' || text[end - 1] == '\r' ||
                           text[end - 1] == '\n'))
      --end;
    if (end == start) return malformed(start, "an element is missing");
    if (text[i] == '}') return malformed(i, "unexpected '}'");
    items.push_back(text.substr(start, end - start));
    if (text[i] == ']') {
      if (ws(i + 1) != text.size()) return malformed(ws(i + 1), "text after the array");
      return items;
    }
    i = ws(i + 1);  // after ','
  }
}

}  // namespace aegis
