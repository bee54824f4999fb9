// Internal: files compiled into the server by CMake (schema/*.json, src/server/assets/*).
#pragma once

#include <string_view>

namespace aegis::detail {

// The file's text, or empty when it is not embedded.
std::string_view embedded_file(std::string_view name);

}  // namespace aegis::detail
