// Workflows saved in the store resume exactly where they were; stale writers conflict.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "aegis/core/json.h"
#include "aegis/store/store.h"
#include "aegis/workflow/actors.h"
#include "aegis/workflow/workflow.h"

namespace aegis {
namespace {

std::unique_ptr<Store> fresh_store(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("aegis_persist_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  return Store::open("sqlite:" + path);
}

PCWContext context(double risk, const char* impact = "low") {
  return PCWContext{.agent_id = "agent-1",
                    .session_id = "s",
                    .proposal_summary = "change",
                    .estimated_impact = impact,
                    .risk_baseline = 0.2,
                    .risk_proposed = risk,
                    .novelty_score = 0.8,
                    .complexity_score = 0.8,
                    .quality_score = 0.8,
                    .metadata = {{"ticket", "OPS-7"}}};
}

std::string canonical(const nlohmann::json& j) { return canonical_json(j); }

TEST(Persistence, ProposalResumesAfterRestart) {
  auto store = fresh_store("proposal.db");
  int64_t version;
  {
    ProposalWorkflow w("p-1", context(0.2, "high"), "alice");
    w.submit("alice", "ready");
    w.analyze("bob");  // PAUSE: waits in UNDER_REVIEW for a human
    ASSERT_EQ(w.state(), ProposalState::UNDER_REVIEW);
    version = store->save_object("proposal", "p-1", canonical(w.to_json()), 0);
  }
  // "Restart": a new workflow object from the stored state only.
  const auto saved = store->load_object("proposal", "p-1");
  ASSERT_TRUE(saved.has_value());
  ProposalWorkflow w = ProposalWorkflow::from_json(nlohmann::json::parse(saved->state));
  EXPECT_EQ(w.state(), ProposalState::UNDER_REVIEW);
  EXPECT_EQ(w.history().size(), 2u);
  EXPECT_EQ(w.decision_status(), PCWStatus::PAUSE);
  EXPECT_EQ(w.context().metadata["ticket"], "OPS-7");
  EXPECT_EQ(canonical(w.to_json()), saved->state);  // nothing lost in the round trip
  w.approve("dora", "reviewed");
  version = store->save_object("proposal", "p-1", canonical(w.to_json()), version);
  EXPECT_EQ(version, 2);
  // A second process that loaded version 1 must not overwrite version 2.
  ProposalWorkflow stale = ProposalWorkflow::from_json(nlohmann::json::parse(saved->state));
  stale.reject("eve", "no");
  EXPECT_THROW(store->save_object("proposal", "p-1", canonical(stale.to_json()), 1), ConflictError);
  EXPECT_EQ(ProposalWorkflow::from_json(
                nlohmann::json::parse(store->load_object("proposal", "p-1")->state))
                .state(),
            ProposalState::APPROVED);
  EXPECT_TRUE(store->verify_chain().intact);
}

TEST(Persistence, HaltedProposalCanStillBeOverriddenAfterRestart) {
  ProposalWorkflow w("prop-001", context(0.9), "alice");
  w.submit("alice");
  w.analyze("bob");
  ASSERT_EQ(w.state(), ProposalState::REJECTED);
  ProposalWorkflow restored = ProposalWorkflow::from_json(w.to_json());
  EXPECT_FALSE(restored.decision().has_value());  // the full decision lives in decision_json()
  EXPECT_EQ(restored.decision_failing_gates(), w.decision()->failing_gates);
  const auto risk = crypto::SecretKey::generate(), sec = crypto::SecretKey::generate();
  auto hex = [](const crypto::SecretKey& k) {
    const auto p = k.public_key();
    return crypto::to_hex(p.data(), p.size());
  };
  OverrideWorkflow o("prop-001", "hotfix", restored.decision_failing_gates(), "alice");
  o.add_signature("r", "risk_lead", BIP322Provider::sign(o.message_hash(), risk), hex(risk));
  // The override itself survives a restart, and its signatures are re-verified on load.
  OverrideWorkflow o2 = OverrideWorkflow::from_json(o.to_json());
  EXPECT_EQ(o2.state(), OverrideState::PARTIAL);
  EXPECT_EQ(o2.add_signature("s", "security_lead", BIP322Provider::sign(o2.message_hash(), sec),
                             hex(sec)),
            OverrideRejection::kNone);
  restored.approve_with_override("carol", o2, o2.get_result());
  EXPECT_EQ(restored.state(), ProposalState::APPROVED);
  nlohmann::json forged = o2.to_json();
  forged["signatures"][1]["signature"] = forged["signatures"][0]["signature"];
  EXPECT_THROW(OverrideWorkflow::from_json(forged), InvalidInputError);
  nlohmann::json moved = o2.to_json();
  moved["justification"] = "something else";
  EXPECT_THROW(OverrideWorkflow::from_json(moved), InvalidInputError);
}

TEST(Persistence, CalibrationLeavesAnAuditEntry) {
  auto store = fresh_store("calibration.db");
  const AegisConfig base;
  const auto p = Calibrator("cal", "C").propose(base, "gamma", 0.35, "observed variance");
  CalibrationRecord rec;
  const AegisConfig next =
      Governance("gov", "G").apply(base, p, Actor("appr", "A", ActorRole::APPROVER), &rec);
  const NewEntry e{"calibration", rec.new_config_hash, canonical(calibration_to_json(rec))};
  store->append(std::span<const NewEntry>(&e, 1));
  int found = 0;
  store->for_each_entry([&](const AuditEntry& a) {
    const auto body = nlohmann::json::parse(a.body);
    found += a.kind == "calibration" && body["parameter"] == "gamma" &&
             body["new_config_hash"] == next.config_hash() && body["approved_by"] == "appr";
    return true;
  });
  EXPECT_EQ(found, 1);
  EXPECT_TRUE(store->verify_chain().intact);
}

TEST(Persistence, ConsensusResumes) {
  ConsensusWorkflow c("c-1", 3, {"a", "b", "c", "d"});
  c.vote("a", VoteOutcome::APPROVE, 0.8);
  c.vote("b", VoteOutcome::ABSTAIN);
  ConsensusWorkflow r = ConsensusWorkflow::from_json(c.to_json());
  EXPECT_EQ(r.result().approvals, 1);
  EXPECT_EQ(r.result().abstentions, 1);
  EXPECT_THROW(r.vote("a", VoteOutcome::REJECT), ConflictError);
  r.vote("c", VoteOutcome::APPROVE);
  r.vote("d", VoteOutcome::APPROVE);
  EXPECT_EQ(r.result().outcome, ConsensusStatus::APPROVED);
  EXPECT_EQ(ConsensusWorkflow::from_json(r.to_json()).result().outcome, ConsensusStatus::APPROVED);
  nlohmann::json lie = c.to_json();
  lie["outcome"] = "approved";
  EXPECT_THROW(ConsensusWorkflow::from_json(lie), InvalidInputError);
}

}  // namespace
}  // namespace aegis
