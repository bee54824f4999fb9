// The gate path allocates nothing (the project's rule for the gate path): counts every operator
// new in this binary.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "aegis/core/drift.h"
#include "aegis/core/gates.h"

namespace {
std::atomic<long> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace aegis {
namespace {

TEST(NoAllocation, EvaluateAll) {
  const GateEvaluator eval;
  const std::vector<double> subs = {0.9, 0.0, 0.8};
  const UtilityResult u = UtilityCalculator().compute({.expected_benefit = 900, .benefit_std = 50});
  const GateInputs in{.risk_baseline = 0.1,
                      .risk_proposed = 0.9,
                      .profit_baseline = 100,
                      .profit_proposed = -300,
                      .novelty_score = 0.1,
                      .complexity_score = 0.2,
                      .quality_score = 0.5,
                      .quality_subscores = subs,
                      .utility_result = &u};
  const long before = g_allocations.load();
  GateEvaluationResult r;
  for (int i = 0; i < 1000; ++i) r = eval.evaluate_all(in);
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(r.failed_count(), 5);  // risk, profit, novelty, complexity, quality
}

TEST(NoAllocation, DriftEvaluate) {
  DriftMonitor m;
  std::vector<double> base;
  for (int i = 0; i < 100; ++i) base.push_back(i / 100.0);
  m.set_baseline(base);
  for (int i = 0; i < 20; ++i) m.add_observation(0.5);
  const long before = g_allocations.load();
  DriftResult r;
  for (int i = 0; i < 1000; ++i) r = m.evaluate();
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_EQ(r.n_current, 20);
}

}  // namespace
}  // namespace aegis
