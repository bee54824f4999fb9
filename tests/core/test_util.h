// Helpers shared by the core tests.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "../common/error_of.h"
#include "aegis/core/error.h"
#include "tests/common/paths.h"

namespace aegis::testing {

inline const nlohmann::json& expected() {
  static const nlohmann::json j = [] {
    std::ifstream in(aegis::test::data_dir() + "/expected_values.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

// Relative closeness with an absolute floor for values near zero.
inline void expect_close(double actual, double expected, double rel, const std::string& what) {
  const double tol = std::max(rel * std::fabs(expected), 1e-300);
  EXPECT_NEAR(actual, expected, tol) << what;
}

}  // namespace aegis::testing
