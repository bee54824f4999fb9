#include <cmath>

#include "aegis/core/config.h"
#include "aegis/core/digest.h"
#include "aegis/core/drift.h"
#include "aegis/core/json.h"
#include "test_util.h"

namespace aegis {
namespace {

using testing::error_of;
using namespace std::chrono;

struct FakeClock {
  system_clock::time_point now = system_clock::time_point(hours(24 * 20000));
  DriftMonitor::Clock fn() {
    return [this] { return now; };
  }
};

std::vector<double> ramp(size_t n, double lo, double hi) {
  std::vector<double> v;
  for (size_t i = 0; i < n; ++i)
    v.push_back(lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1));
  return v;
}

TEST(Drift, KlMatchesScipy) {
  for (const auto& row : testing::expected()["kl"]) {
    DriftMonitor m;
    m.set_baseline(row["baseline"].get<std::vector<double>>());
    const auto window = row["window"].get<std::vector<double>>();
    const DriftResult r = m.check(window);
    testing::expect_close(r.kl_divergence, row["kl"], 1e-11, row["name"]);
    EXPECT_EQ(r.n_current, static_cast<int64_t>(window.size()));
  }
}

TEST(Drift, BaselineNeedsThirtyFiniteValues) {
  DriftMonitor m;
  const Error e = error_of([&] { m.set_baseline(ramp(29, 0, 1)); });
  EXPECT_EQ(e.detail, "drift.baseline");
  EXPECT_NE(e.message.find("30"), std::string::npos);
  auto v = ramp(30, 0, 1);
  v[7] = NAN;
  EXPECT_EQ(error_of([&] { m.set_baseline(v); }).field, "baseline[7]");
  EXPECT_FALSE(m.has_baseline());
  EXPECT_NO_THROW(m.set_baseline(ramp(30, 0, 1)));
  EXPECT_TRUE(m.has_baseline());
}

TEST(Drift, ConstantBaseline) {
  DriftMonitor m;
  m.set_baseline(std::vector<double>(40, 0.2));
  // Range becomes [-0.3, 0.7]: 0.2 is in bin 5; the same value shows no drift.
  EXPECT_EQ(m.check(std::vector<double>(12, 0.2)).status, DriftStatus::NORMAL);
  // Not exactly 0: the 1e-6 smoothing weighs differently for 40 and 12 values.
  EXPECT_NEAR(m.check(std::vector<double>(12, 0.2)).kl_divergence, 0.0, 1e-5);
  EXPECT_EQ(m.check(std::vector<double>(12, 0.65)).status, DriftStatus::CRITICAL);
}

TEST(Drift, EachStatus) {
  DriftMonitor m;
  m.set_baseline(ramp(100, 0.0, 1.0));  // 10 per bin: uniform
  // Fewer than 10 values: insufficient data, whatever they are.
  const DriftResult few = m.check(std::vector<double>(9, 0.05));
  EXPECT_EQ(few.status, DriftStatus::INSUFFICIENT_DATA);
  EXPECT_EQ(few.action, DriftAction::NONE);
  // Uniform window: KL ≈ 0 → NORMAL.
  const DriftResult normal = m.check(ramp(20, 0.0, 1.0));
  EXPECT_EQ(normal.status, DriftStatus::NORMAL);
  EXPECT_EQ(normal.action, DriftAction::NONE);
  // Window on 7 of 10 bins: KL = ln(10/7) ≈ 0.357 → WARNING.
  std::vector<double> seven;
  for (int rep = 0; rep < 2; ++rep)
    for (int b = 0; b < 7; ++b) seven.push_back(0.05 + 0.1 * b);
  const DriftResult warn = m.check(seven);
  EXPECT_NEAR(warn.kl_divergence, std::log(10.0 / 7.0), 1e-4);
  EXPECT_EQ(warn.status, DriftStatus::WARNING);
  EXPECT_EQ(warn.action, DriftAction::ALERT);
  // On 5 bins: ln 2 ≈ 0.693 → CRITICAL.
  std::vector<double> five;
  for (int rep = 0; rep < 2; ++rep)
    for (int b = 0; b < 5; ++b) five.push_back(0.05 + 0.1 * b);
  const DriftResult crit = m.check(five);
  EXPECT_EQ(crit.status, DriftStatus::CRITICAL);
  EXPECT_EQ(crit.action, DriftAction::ESCALATE);
  EXPECT_EQ(crit.n_baseline, 100);
  EXPECT_NE(crit.message().find("critical"), std::string::npos);
}

TEST(Drift, ThresholdsAreInclusiveAtTheLowerEdge) {
  // KL < tau_warning is NORMAL; KL == tau_warning is WARNING.
  DriftMonitor base;
  base.set_baseline(ramp(100, 0.0, 1.0));
  std::vector<double> seven;
  for (int b = 0; b < 7; ++b) seven.push_back(0.05 + 0.1 * b);
  for (int b = 0; b < 7; ++b) seven.push_back(0.05 + 0.1 * b);
  const double kl = base.check(seven).kl_divergence;
  DriftMonitor at(KLDriftConfig{.tau_warning = kl, .tau_critical = 0.9});
  at.set_baseline(ramp(100, 0.0, 1.0));
  EXPECT_EQ(at.check(seven).status, DriftStatus::WARNING);
  DriftMonitor crit(KLDriftConfig{.tau_warning = 0.1, .tau_critical = kl});
  crit.set_baseline(ramp(100, 0.0, 1.0));
  EXPECT_EQ(crit.check(seven).status, DriftStatus::CRITICAL);
}

TEST(Drift, WindowExpiresWithInjectedClock) {
  FakeClock clock;
  DriftMonitor m(KLDriftConfig{.window_days = 2}, clock.fn());
  m.set_baseline(ramp(100, 0.0, 1.0));
  for (int i = 0; i < 12; ++i) m.add_observation(0.05);
  EXPECT_EQ(m.evaluate().status, DriftStatus::CRITICAL);
  clock.now += hours(47);
  EXPECT_EQ(m.evaluate().n_current, 12);
  clock.now += hours(2);  // now 49 h after the observations: outside the 2-day window
  const DriftResult r = m.evaluate();
  EXPECT_EQ(r.n_current, 0);
  EXPECT_EQ(r.status, DriftStatus::INSUFFICIENT_DATA);
  EXPECT_EQ(m.window_size(), 0u);
}

TEST(Drift, OutOfOrderObservationsExpireCorrectly) {
  FakeClock clock;
  DriftMonitor m(KLDriftConfig{.window_days = 1}, clock.fn());
  m.set_baseline(ramp(100, 0.0, 1.0));
  const auto t = clock.now;
  for (int i = 0; i < 10; ++i) m.add_observation(0.5, t);
  m.add_observation(0.5, t - hours(30));  // already outside the window
  EXPECT_EQ(m.evaluate().n_current, 10);
}

TEST(Drift, ObservationsBeforeBaselineAreRebinned) {
  DriftMonitor m;
  for (int i = 0; i < 12; ++i) m.add_observation(0.95);
  EXPECT_EQ(m.evaluate().status, DriftStatus::INSUFFICIENT_DATA);
  EXPECT_EQ(m.evaluate().n_baseline, 0);
  m.set_baseline(ramp(100, 0.0, 1.0));
  const DriftResult r = m.evaluate();
  EXPECT_EQ(r.n_current, 12);
  EXPECT_EQ(r.status, DriftStatus::CRITICAL);  // everything in the top bin
}

TEST(Drift, RejectsNonFiniteObservations) {
  DriftMonitor m;
  EXPECT_EQ(error_of([&] { m.add_observation(NAN); }).detail, "drift.observation");
  const std::vector<double> v = {0.1, INFINITY};
  m.set_baseline(ramp(30, 0, 1));
  EXPECT_EQ(error_of([&] { m.check(v); }).field, "values[1]");
  EXPECT_EQ(
      error_of([] { DriftMonitor(KLDriftConfig{.tau_warning = 0.6, .tau_critical = 0.5}); }).field,
      "kl_drift.tau_critical");
}

TEST(Drift, BaselineHash) {
  DriftMonitor m;
  EXPECT_FALSE(m.baseline_hash().has_value());
  const auto v = ramp(30, 0, 1);
  m.set_baseline(v);
  EXPECT_EQ(*m.baseline_hash(), sha256_hex(canonical_json(nlohmann::json(v))));
  const DriftMonitor& cm = m;
  EXPECT_EQ(cm.baseline().size(), 30u);
}

TEST(Drift, ConfigFactoryUsesThresholds) {
  AegisParameters p;
  p.kl_drift = {.tau_warning = 0.1, .tau_critical = 0.2, .window_days = 3};
  const DriftMonitor m = AegisConfig(p).create_drift_monitor();
  EXPECT_EQ(m.config().tau_warning, 0.1);
  EXPECT_EQ(m.config().window_days, 3);
}

}  // namespace
}  // namespace aegis
