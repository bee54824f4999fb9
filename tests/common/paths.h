// Where the tests find the source tree: one generated file per build (paths.cpp.in), so no other
// test source carries a path and a compiler cache shares their objects between clones.
#pragma once

#include <string>

namespace aegis::test {

// The project's root (CMake's PROJECT_SOURCE_DIR), without a trailing slash.
const std::string& source_dir();
// tests/data under it.
inline std::string data_dir() { return source_dir() + "/tests/data"; }

}  // namespace aegis::test
