// StrictObject: a JSON object read the one strict way every interface reads one: only the fields
// it names, each read with its type and limits, every error naming the field by its path.
// Thread-safe: a StrictObject only reads the JSON it borrows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/core/error.h"

namespace aegis {

class StrictObject {
 public:
  // Reads `j`, which must outlive this object. Throws InvalidInputError: json.not_object (field
  // `path`) unless `j` is an object; json.unknown_field naming the least unknown key in byte order
  // (so the error does not depend on key order) unless every key is in `allowed`. `invalid` is the
  // detail of a wrong type or value later (api.invalid, mcp.invalid, ...: each interface keeps its
  // own). `path` prefixes the fields errors name ("" at the top: "ttl"; "metrics": "metrics.x").
  // With `null_is_absent`, a field given as null reads as absent.
  StrictObject(const nlohmann::json& j, std::initializer_list<std::string_view> allowed,
               const ErrorCode& invalid, std::string path = "", bool null_is_absent = false);

  // The field's value, or nullptr when absent.
  const nlohmann::json* find(std::string_view name) const;
  // Each getter: nullopt when absent; `invalid` naming the field when of another type or outside
  // its limits.
  std::optional<std::string> string(std::string_view name,
                                    size_t max_bytes = std::numeric_limits<size_t>::max()) const;
  std::optional<double> number(std::string_view name,
                               double lo = std::numeric_limits<double>::lowest(),
                               double hi = std::numeric_limits<double>::max()) const;
  std::optional<int64_t> integer(std::string_view name,
                                 int64_t lo = std::numeric_limits<int64_t>::min(),
                                 int64_t hi = std::numeric_limits<int64_t>::max()) const;
  std::optional<bool> boolean(std::string_view name) const;
  // An object-valued field (its JSON), or nullptr when absent.
  const nlohmann::json* object(std::string_view name) const;

  // The field's path as errors name it.
  std::string path_of(std::string_view name) const;
  // Throws `invalid` naming the field, with `message`.
  [[noreturn]] void fail(std::string_view name, std::string message) const;

 private:
  const nlohmann::json& j_;
  const ErrorCode& invalid_;
  std::string path_;
  bool null_is_absent_;
};

}  // namespace aegis
