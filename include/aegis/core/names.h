// The names of a wire enum, kept in one constexpr table per enum next to its declaration:
// to_string, parsing and the Python enum members all read that table, so a name is written once.
// Thread-safe: constant data.
#pragma once

#include <array>
#include <cstddef>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace aegis {

// One row of an enum's name table: a value and its wire name.
template <typename E>
struct EnumName {
  E value{};
  std::string_view name;
};

// The name of `value` in `table` (any range of EnumName); `fallback` when the table does not list
// it (a value no enumerator has: a bug, answered on the safe side). A table in the enum's order
// is read at the value's index.
template <typename Table, typename E>
constexpr std::string_view name_in(const Table& table, E value,
                                   std::string_view fallback = {}) noexcept {
  const auto i = static_cast<size_t>(value);
  if (i < std::size(table) && std::begin(table)[i].value == value) return std::begin(table)[i].name;
  for (const auto& row : table)
    if (row.value == value) return row.name;
  return fallback;
}

// `names` separated by ", " ("low, medium, high"), for the message of a name not among them.
template <typename Names>
std::string joined(const Names& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// The names of `table`, in its order.
template <const auto& table>
constexpr auto names_of() noexcept {
  std::array<std::string_view, std::size(table)> names{};
  for (size_t i = 0; i < names.size(); ++i) names[i] = std::begin(table)[i].name;
  return names;
}

// The value named `name` in `table`, or nullopt (names are matched exactly). The table is a
// template argument so that the comparisons unroll against constant names (as hand-written
// `s == "low"` would).
template <const auto& table, size_t I = 0>
constexpr auto value_in(std::string_view name) noexcept
    -> std::optional<decltype(std::begin(table)->value)> {
  if constexpr (I == std::size(table)) {
    return std::nullopt;
  } else {
    if (name == std::begin(table)[I].name) return std::begin(table)[I].value;
    return value_in<table, I + 1>(name);
  }
}

}  // namespace aegis
