// RolloutGate's rules with its clock and its queries in the test's hands: reuse within a key's
// window and while a gate holds, a release by approval, a lost race, and store failures that
// must never answer as a pass. (Before a real Prometheus: tests/cli/test_rollouts.py.)
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>

#include "aegis/core/errors.h"
#include "aegis/store/errors.h"
#include "aegis/workflow/errors.h"
#include "aegis/workflow/rollout_gate.h"
#include "tests/common/forwarding_store.h"

namespace aegis {
namespace {

using std::chrono::system_clock;

std::string db_path(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("aegis_rollout_gate_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::unique_ptr<Store> fresh_store(const std::string& name) {
  const std::string path = db_path(name);
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  return Store::open("sqlite:" + path);
}

RolloutSources sources(const std::string& impact) {
  return read_sources_section(YAML::Load("prometheus: {url: 'http://127.0.0.1:9'}\n"
                                         "fields: {risk_baseline: 'base{app=\"{{name}}\"}', "
                                         "risk_proposed: 'canary{app=\"{{name}}\"}'}\n"
                                         "context: {estimated_impact: " +
                                         impact + "}\n"),
                              "test.yaml")
      .value();
}

// A gate over a store, whose queries answer from `values` (query → number; absent: no series).
struct Fixture {
  std::unique_ptr<Store> owned;
  Store* store;
  std::mutex lock;
  RolloutSources src;
  std::unique_ptr<DecisionLog> log;
  DecisionService service;
  RBACEnforcer rbac;
  Approvals approvals;
  system_clock::time_point now = system_clock::time_point(std::chrono::hours(500000));
  std::map<std::string, double> values = {{"base{app=\"web\"}", 0.01},
                                          {"canary{app=\"web\"}", 0.01}};
  RolloutGate gate;

  Fixture(std::unique_ptr<Store> s, const std::string& impact = "medium")
      : owned(std::move(s)),
        store(owned.get()),
        src(sources(impact)),
        log(std::make_unique<DecisionLog>(*store, lock)),
        service(AegisConfig(), log.get()),
        rbac(roles()),
        approvals(*store, lock, rbac, {}, [this] { return now; }),
        gate(
            src, service, *store, lock, &approvals, [this] { return now; },
            [this](std::string_view q) -> Measurement {
              const auto it = values.find(std::string(q));
              if (it == values.end()) return {std::nullopt, "no series"};
              return {it->second, ""};
            }) {}

  static RBACEnforcer roles() {
    RBACEnforcer r;
    r.assign("alice", ActorRole::APPROVER);
    r.assign("flagger", ActorRole::EXECUTOR);
    return r;
  }
};

RolloutRequest argo(const std::string& key) {
  RolloutRequest r;
  r.controller = RolloutController::ARGO_ROLLOUTS;
  r.hook = "analysis";
  r.labels = {{"namespace", "shop"}, {"name", "web"}, {"revision", "c1"}};
  r.actor = "argo";
  if (!key.empty()) {
    r.reuse = RolloutRequest::Reuse::kWithinWindow;
    r.key = key;
    r.window = std::chrono::seconds(600);
  }
  return r;
}

RolloutRequest flagger(const std::string& hook, const std::string& checksum) {
  RolloutRequest r;
  r.controller = RolloutController::FLAGGER;
  r.hook = hook;
  r.labels = {{"namespace", "shop"}, {"name", "web"}, {"revision", checksum}};
  r.actor = "flagger";
  r.reuse = RolloutRequest::Reuse::kWhileHeld;
  r.window = std::chrono::seconds(600);
  r.approvable = true;
  return r;
}

TEST(RolloutGate, AKeyIsAnsweredTheSameDecisionWithinItsWindowOnly) {
  Fixture f(fresh_store("window.db"));
  const auto first = f.gate.decide(argo("web-c1")).value();
  EXPECT_EQ(first.verdict, RolloutVerdict::PROCEED);
  f.now += std::chrono::seconds(599);
  const auto again = f.gate.decide(argo("web-c1")).value();
  EXPECT_EQ(again.decision_id, first.decision_id);
  EXPECT_TRUE(again.reused);
  f.now += std::chrono::seconds(1);  // the window has passed
  const auto later = f.gate.decide(argo("web-c1")).value();
  EXPECT_NE(later.decision_id, first.decision_id);
  EXPECT_FALSE(later.reused);
  // Without a key, every question is a decision.
  EXPECT_NE(f.gate.decide(argo("")).value().decision_id,
            f.gate.decide(argo("")).value().decision_id);
}

TEST(RolloutGate, AHeldGateIsAnsweredTheSameUntilAnApprovalOpensItOnce) {
  Fixture f(fresh_store("held.db"), "high");
  const auto held = f.gate.decide(flagger("confirm-promotion", "k1")).value();
  ASSERT_EQ(held.verdict, RolloutVerdict::PAUSE);
  ASSERT_TRUE(held.approval);
  EXPECT_FALSE(held.released);
  f.values["canary{app=\"web\"}"] = 0.02;  // a poll does not measure again
  const auto polled = f.gate.decide(flagger("confirm-promotion", "k1")).value();
  EXPECT_EQ(polled.decision_id, held.decision_id);
  EXPECT_EQ(polled.approval->id, held.approval->id);
  ASSERT_TRUE(f.approvals.approve("alice", held.approval->id, "looked at it", "api"));
  const auto opened = f.gate.decide(flagger("confirm-promotion", "k1")).value();
  EXPECT_TRUE(opened.released);
  EXPECT_EQ(opened.decision_id, held.decision_id);
  // Open once: Flagger moves on, and a later question is a new one.
  const auto next = f.gate.decide(flagger("confirm-promotion", "k1")).value();
  EXPECT_NE(next.decision_id, held.decision_id);
  EXPECT_FALSE(next.released);
  EXPECT_EQ(next.approval->state, ApprovalState::PENDING);
}

TEST(RolloutGate, AnOpenAnswerIsNotKept) {
  Fixture f(fresh_store("open.db"));
  const auto a = f.gate.decide(flagger("confirm-traffic-increase", "k1")).value();
  const auto b = f.gate.decide(flagger("confirm-traffic-increase", "k1")).value();
  EXPECT_EQ(a.verdict, RolloutVerdict::PROCEED);
  EXPECT_NE(a.decision_id, b.decision_id) << "a kept PROCEED would open every later step";
  f.values["canary{app=\"web\"}"] = 0.6;
  const auto halted = f.gate.decide(flagger("confirm-traffic-increase", "k1")).value();
  EXPECT_EQ(halted.verdict, RolloutVerdict::HALT);
  EXPECT_FALSE(halted.approval) << "a HALT is never held for approval";
  f.values["canary{app=\"web\"}"] = 0.01;
  EXPECT_EQ(f.gate.decide(flagger("confirm-traffic-increase", "k1")).value().decision_id,
            halted.decision_id);
  // A HALT holds within the window, then the gate measures again.
  f.now += std::chrono::seconds(600);
  const auto again = f.gate.decide(flagger("confirm-traffic-increase", "k1")).value();
  EXPECT_NE(again.decision_id, halted.decision_id);
  EXPECT_EQ(again.verdict, RolloutVerdict::PROCEED);
}

TEST(RolloutGate, GapsAndValuesOutOfRangeAreNoData) {
  Fixture f(fresh_store("gaps.db"));
  f.values["canary{app=\"web\"}"] = 1.7;
  const auto wide = f.gate.decide(argo("")).value();
  EXPECT_EQ(wide.verdict, RolloutVerdict::MISSING_DATA);
  EXPECT_EQ(wide.measurements["risk_proposed"]["gap"], "1.7 is outside the field's range [0, 1]");
  EXPECT_TRUE(wide.decision_id.empty());
  EXPECT_FALSE(wide.event_id.empty());
  f.values.erase("canary{app=\"web\"}");
  const auto gone = f.gate.decide(flagger("confirm-rollout", "k1")).value();
  EXPECT_EQ(gone.verdict, RolloutVerdict::MISSING_DATA);
  f.values["canary{app=\"web\"}"] = 0.01;  // not kept: the next poll measures
  EXPECT_EQ(f.gate.decide(flagger("confirm-rollout", "k1")).value().verdict,
            RolloutVerdict::PROCEED);
}

// A store whose appends or reads fail, as a full disk or a broken index would.
class FailingStore : public test::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  bool fail_appends = false, fail_reads = false;
  void append_linked(LinkedGroup& group) override {
    if (fail_appends) throw InternalError(Error(errors::kStoreSqlite, "", "disk full"));
    ForwardingStore::append_linked(group);
  }
  std::optional<StoredObject> load_object(std::string_view type, std::string_view id) override {
    if (fail_reads)
      throw InternalError(Error(errors::kStoreIntegrity, "", "index points elsewhere"));
    return ForwardingStore::load_object(type, id);
  }
};

TEST(RolloutGate, AStoreFailureIsAnErrorNeverAnAnswer) {
  auto failing = std::make_unique<FailingStore>(fresh_store("fail.db"));
  FailingStore* store = failing.get();
  Fixture f(std::move(failing));
  store->fail_appends = true;
  for (const auto& request : {argo(""), flagger("confirm-rollout", "k1")}) {
    auto r = f.gate.decide(request);
    ASSERT_FALSE(r) << "answered " << to_string(r.value().verdict) << " without recording it";
    EXPECT_EQ(r.error().detail, errors::kRolloutStore.detail);
  }
  f.values.clear();  // the NO_DATA event cannot be recorded either
  ASSERT_FALSE(f.gate.decide(argo("")));
  store->fail_appends = false;
  store->fail_reads = true;
  auto r = f.gate.decide(flagger("confirm-rollout", "k2"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInternal);
  // A kept decision that cannot be read as one (a corrupt row) is an error too, not a crash.
  store->fail_reads = false;
  const RolloutRequest request = flagger("confirm-rollout", "k3");
  store->save_object("rollout_gate", RolloutGate::object_id(request), R"({"verdict":"PROCEED"})",
                     0);
  auto corrupt = f.gate.decide(request);
  ASSERT_FALSE(corrupt);
  EXPECT_EQ(corrupt.error().detail, errors::kRolloutStore.detail);
}

TEST(RolloutGate, OfTwoRacingDecisionsOfOneKeyTheKeptOneIsAnswered) {
  Fixture first(fresh_store("race.db"), "high");
  // Another process keeps its decision for the same key while this one decides.
  auto racing = std::make_unique<test::RacingStore>(Store::open("sqlite:" + db_path("race.db")),
                                                    "rollout_gate");
  test::RacingStore* store = racing.get();
  Fixture second(std::move(racing), "high");
  std::string winner;
  store->rival = [&] {
    winner = first.gate.decide(flagger("confirm-rollout", "k1")).value().decision_id;
  };
  const auto lost = second.gate.decide(flagger("confirm-rollout", "k1"));
  ASSERT_TRUE(lost) << lost.error().message;
  EXPECT_EQ(lost.value().decision_id, winner);
  EXPECT_TRUE(lost.value().reused);
}

}  // namespace
}  // namespace aegis
