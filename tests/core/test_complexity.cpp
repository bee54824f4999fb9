#include "aegis/core/complexity.h"
#include "test_util.h"

namespace aegis {
namespace {

using testing::error_of;

TEST(Complexity, CiPreset) {
  const auto d = ComplexityDecomposer::ci_preset();
  const auto b = d.decompose({{"files_changed", 25},
                              {"modules_touched", 10},
                              {"lines_changed", 500},
                              {"new_dependencies", 0}});
  // d = 0.5, 1.0, 0.25, 0 → C = 1 − 1.75/4
  EXPECT_DOUBLE_EQ(b.complexity_score, 1.0 - 1.75 / 4.0);
  EXPECT_EQ(b.dominant_component, "modules_touched");
  ASSERT_EQ(b.components.size(), 4u);
  EXPECT_DOUBLE_EQ(b.components[0].normalized, 0.5);
  EXPECT_DOUBLE_EQ(b.components[1].contribution, 0.25);
  EXPECT_DOUBLE_EQ(b.components[2].normalized, 0.25);
}

TEST(Complexity, SaturatesAtOne) {
  const auto b = ComplexityDecomposer::ci_preset().decompose({{"files_changed", 5000},
                                                              {"modules_touched", 500},
                                                              {"lines_changed", 1e7},
                                                              {"new_dependencies", 99}});
  EXPECT_DOUBLE_EQ(b.complexity_score, 0.0);
  const auto zero = ComplexityDecomposer::ci_preset().decompose({{"files_changed", 0},
                                                                 {"modules_touched", 0},
                                                                 {"lines_changed", 0},
                                                                 {"new_dependencies", 0}});
  EXPECT_DOUBLE_EQ(zero.complexity_score, 1.0);
  EXPECT_EQ(zero.dominant_component, "");
}

TEST(Complexity, Weights) {
  const ComplexityDecomposer d({{"a", 10, 3.0}, {"b", 10, 1.0}});
  EXPECT_DOUBLE_EQ(d.decompose({{"a", 10}, {"b", 0}}).complexity_score, 0.25);
  EXPECT_DOUBLE_EQ(d.decompose({{"a", 0}, {"b", 10}}).complexity_score, 0.75);
}

TEST(Complexity, RejectsBadInput) {
  const auto d = ComplexityDecomposer::ci_preset();
  EXPECT_EQ(error_of([&] {
              d.decompose({{"files_changed", 1}});
            }).detail,
            "complexity.missing_component");
  EXPECT_EQ(error_of([&] {
              d.decompose({{"files_changed", 1},
                           {"modules_touched", 1},
                           {"lines_changed", 1},
                           {"new_dependencies", 1},
                           {"file_changed", 1}});
            }).field,
            "file_changed");
  EXPECT_EQ(error_of([&] {
              d.decompose({{"files_changed", -1},
                           {"modules_touched", 1},
                           {"lines_changed", 1},
                           {"new_dependencies", 1}});
            }).field,
            "files_changed");
  EXPECT_EQ(error_of([] { ComplexityDecomposer({}); }).detail, "complexity.empty");
  EXPECT_EQ(error_of([] { ComplexityDecomposer({{"a", 0, 1}}); }).field, "a");
  EXPECT_EQ(error_of([] { ComplexityDecomposer({{"a", 1, 0}}); }).detail, "complexity.invalid");
  EXPECT_EQ(error_of([] { ComplexityDecomposer({{"a", 1, 1}, {"a", 2, 1}}); }).field, "a");
}

}  // namespace
}  // namespace aegis
