#include "aegis/core/strict_object.h"

#include <cmath>

#include "aegis/core/errors.h"

namespace aegis {

StrictObject::StrictObject(const nlohmann::json& j, std::initializer_list<std::string_view> allowed,
                           const ErrorCode& invalid, std::string path, bool null_is_absent)
    : j_(j), invalid_(invalid), path_(std::move(path)), null_is_absent_(null_is_absent) {
  if (!j.is_object())
    throw_error(
        Error(errors::kJsonNotObject, path_,
              (path_.empty() ? std::string("the body") : path_) + " must be a JSON object"));
  const std::string* unknown = nullptr;
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known && (!unknown || key < *unknown)) unknown = &key;
  }
  if (unknown) {
    const std::string field =
        path_of(unknown->size() <= 64 ? *unknown : unknown->substr(0, 64) + "...");
    throw_error(Error(errors::kJsonUnknownField, field, "unknown field \"" + field + "\""));
  }
}

std::string StrictObject::path_of(std::string_view name) const {
  return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
}

void StrictObject::fail(std::string_view name, std::string message) const {
  throw_error(Error(invalid_, path_of(name), std::move(message)));
}

const nlohmann::json* StrictObject::find(std::string_view name) const {
  const auto it = j_.find(name);
  if (it == j_.end() || (null_is_absent_ && it->is_null())) return nullptr;
  return &*it;
}

std::optional<std::string> StrictObject::string(std::string_view name, size_t max_bytes) const {
  const nlohmann::json* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) fail(name, path_of(name) + " must be a string");
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes)
    fail(name, path_of(name) + " is longer than " + std::to_string(max_bytes) + " bytes");
  return s;
}

std::optional<double> StrictObject::number(std::string_view name, double lo, double hi) const {
  const nlohmann::json* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_number()) fail(name, path_of(name) + " must be a number");
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < lo || d > hi)
    fail(name, path_of(name) + " must be a number in [" + nlohmann::json(lo).dump() + ", " +
                   nlohmann::json(hi).dump() + "]");
  return d;
}

std::optional<int64_t> StrictObject::integer(std::string_view name, int64_t lo, int64_t hi) const {
  const nlohmann::json* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer() || (v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX))
    fail(name, path_of(name) + " must be an integer");
  const int64_t n = v->get<int64_t>();
  if (n < lo || n > hi)
    fail(name, path_of(name) + " must be an integer in [" + std::to_string(lo) + ", " +
                   std::to_string(hi) + "]");
  return n;
}

std::optional<bool> StrictObject::boolean(std::string_view name) const {
  const nlohmann::json* v = find(name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) fail(name, path_of(name) + " must be true or false");
  return v->get<bool>();
}

const nlohmann::json* StrictObject::object(std::string_view name) const {
  const nlohmann::json* v = find(name);
  if (v && !v->is_object()) fail(name, path_of(name) + " must be an object");
  return v;
}

}  // namespace aegis
