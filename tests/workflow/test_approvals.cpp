// Approvals bound to the exact action: single use, expiry, who may grant, every step in the chain.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <filesystem>
#include <functional>
#include <utility>

#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/store/store.h"
#include "aegis/workflow/approvals.h"
#include "aegis/workflow/errors.h"
#include "tests/common/forwarding_store.h"

namespace aegis {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

std::unique_ptr<Store> fresh_store(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("aegis_approvals_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  return Store::open("sqlite:" + path);
}

struct Fixture {
  std::unique_ptr<Store> store;
  std::mutex lock;
  RBACEnforcer rbac;
  system_clock::time_point now = system_clock::time_point(std::chrono::hours(500000));
  Approvals approvals;

  explicit Fixture(const std::string& name, ApprovalPolicy policy = {})
      : store(fresh_store(name)),
        rbac(roles()),
        approvals(*store, lock, rbac, policy, [this] { return now; }) {}

  static RBACEnforcer roles() {
    RBACEnforcer r;
    r.assign("alice", ActorRole::APPROVER);
    r.assign("bob", ActorRole::APPROVER);
    r.assign("sec", ActorRole::SECURITY_LEAD);
    r.assign("agent", ActorRole::APPROVER);  // may approve, but never its own request
    r.assign("carol", ActorRole::PROPOSER);
    return r;
  }
};

ApprovalRequest tool_call(const json& arguments, PCWStatus status = PCWStatus::PAUSE) {
  const json action = {{"upstream", "fs"},
                       {"tool", "write_file"},
                       {"arguments", arguments},
                       {"principal", "agent"},
                       {"config_hash", std::string(64, 'c')}};
  return {"tool_call", action_digest(action), "agent", "", status, "d-1", {{"tool", "write_file"}}};
}

std::string detail(const Error& e) { return std::string(e.detail); }

TEST(ActionDigest, IsTheSha256OfTheRfc8785Form) {
  // RFC 8785 §3.2.2's input and output; the digest is over the output's bytes.
  const json in = json::parse(
      R"({"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]})");
  EXPECT_EQ(jcs_canonical(in),
            R"({"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],)"
            "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
  EXPECT_EQ(action_digest(in), sha256_hex(jcs_canonical(in)));
  // Keys by UTF-16 code units (RFC 8785 §3.2.3): U+1F600 (surrogates D83D DE00) sorts before
  // U+FB33, though its UTF-8 bytes sort after; the project's canonical_json orders by bytes.
  const json keys =
      json::parse(R"({"\u20ac":1,"\r":2,"\ufb33":3,"1":4,"\ud83d\ude00":5,"\u0080":6,"\u00f6":7})");
  EXPECT_EQ(jcs_canonical(keys),
            "{\"\\r\":2,\"1\":4,\"\xC2\x80\":6,\"\xC3\xB6\":7,\"\xE2\x82\xAC\":1,"
            "\"\xF0\x9F\x98\x80\":5,\"\xEF\xAC\xB3\":3}");
  EXPECT_NE(jcs_canonical(keys), canonical_json(keys));
  // Integers are IEEE doubles, as JSON.parse reads them.
  EXPECT_EQ(jcs_canonical(json::parse("[18446744073709551615, 9007199254740993, -0.0, 1e21]")),
            "[18446744073709552000,9007199254740992,0,1e+21]");
}

TEST(ActionDigest, NumbersOfRfc8785AppendixB) {
  const std::pair<uint64_t, const char*> cases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& [bits, text] : cases)
    EXPECT_EQ(jcs_canonical(json(std::bit_cast<double>(bits))), text) << std::hex << bits;
}

TEST(Approvals, ReleaseExactlyTheApprovedActionOnce) {
  Fixture f("once.db");
  const auto req = tool_call({{"path", "/tmp/a"}, {"content", "x"}});
  auto held = f.approvals.request(req);
  ASSERT_TRUE(held) << held.error().message;
  EXPECT_EQ(held.value().state, ApprovalState::PENDING);
  EXPECT_EQ(held.value().id, Approvals::object_id(req.digest) + ".1");
  // Nothing to consume while it is pending; an identical request joins it.
  EXPECT_FALSE(f.approvals.consume(req.digest).value());
  auto joined = f.approvals.request(req);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined.value().id, held.value().id);
  EXPECT_EQ(joined.value().joined, 1);

  auto ok = f.approvals.approve("alice", held.value().id, "looks right", "api");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok.value().state, ApprovalState::APPROVED);
  // Another action (one argument differs) releases nothing.
  EXPECT_FALSE(
      f.approvals.consume(tool_call({{"path", "/tmp/b"}, {"content", "x"}}).digest).value());
  auto used = f.approvals.consume(req.digest);
  ASSERT_TRUE(used && used.value());
  EXPECT_EQ(used.value()->state, ApprovalState::CONSUMED);
  EXPECT_FALSE(f.approvals.consume(req.digest).value()) << "single use";
  // The same action again is a new round that needs a new approval.
  auto again = f.approvals.request(req);
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value().round, 2);
  EXPECT_EQ(again.value().state, ApprovalState::PENDING);
  EXPECT_EQ(detail(f.approvals.approve("bob", held.value().id, "", "api").error()),
            "approval.stale");

  // Every step is a version of the object in the chain: requested, joined, approved, consumed,
  // requested again.
  std::vector<std::string> states;
  f.store->for_each_entry([&](const AuditEntry& e) {
    if (e.kind == "object.approval")
      states.push_back(json::parse(e.body)["state"]["state"].get<std::string>());
    return true;
  });
  EXPECT_EQ(states,
            (std::vector<std::string>{"pending", "pending", "approved", "consumed", "pending"}));
  EXPECT_TRUE(f.store->verify_chain().intact);
}

TEST(Approvals, WhoMayGrantIt) {
  Fixture f("who.db");
  const auto req = tool_call({{"path", "/x"}});
  const std::string id = f.approvals.request(req).value().id;
  EXPECT_EQ(detail(f.approvals.approve("agent", id, "", "api").error()), "approval.self_approval");
  EXPECT_EQ(detail(f.approvals.approve("carol", id, "", "api").error()), "rbac.denied");
  EXPECT_EQ(detail(f.approvals.approve("nobody", id, "", "api").error()), "rbac.denied");
  EXPECT_EQ(detail(f.approvals.approve("alice", "apr-zz", "", "api").error()),
            "approval.not_found");
  EXPECT_EQ(f.approvals.get(id).value().state, ApprovalState::PENDING);
  // Elicitation is off by default.
  EXPECT_EQ(detail(f.approvals.approve("agent", id, "", "elicitation").error()),
            "approval.elicitation");
}

TEST(Approvals, EscalateNeedsTwoApproversOrASecurityLead) {
  Fixture f("escalate.db");
  const auto a = tool_call({{"n", 1}}, PCWStatus::ESCALATE);
  const std::string id = f.approvals.request(a).value().id;
  auto first = f.approvals.approve("alice", id, "", "api");
  ASSERT_TRUE(first);
  EXPECT_EQ(first.value().state, ApprovalState::PENDING);
  EXPECT_EQ(first.value().still_needed(), "1 more approver, or one with role security_lead");
  EXPECT_EQ(detail(f.approvals.approve("alice", id, "", "api").error()),
            "approval.duplicate_approver");
  EXPECT_EQ(f.approvals.approve("bob", id, "", "api").value().state, ApprovalState::APPROVED);

  const auto b = tool_call({{"n", 2}}, PCWStatus::ESCALATE);
  const std::string id_b = f.approvals.request(b).value().id;
  EXPECT_EQ(f.approvals.approve("sec", id_b, "", "api").value().state, ApprovalState::APPROVED);

  // Elicitation never approves an ESCALATE, even when the policy allows it for a PAUSE.
  ApprovalPolicy p;
  p.elicitation = true;
  Fixture g("escalate-elicit.db", p);
  const std::string id_c = g.approvals.request(a).value().id;
  EXPECT_EQ(detail(g.approvals.approve("agent", id_c, "", "elicitation").error()),
            "approval.elicitation");
  const std::string id_d = g.approvals.request(tool_call({{"n", 3}})).value().id;
  EXPECT_EQ(g.approvals.approve("client:agent", id_d, "", "elicitation").value().state,
            ApprovalState::APPROVED);
}

TEST(Approvals, ExpireAndDenial) {
  Fixture f("expiry.db");
  const auto req = tool_call({{"k", "v"}});
  const std::string id = f.approvals.request(req).value().id;
  ASSERT_TRUE(f.approvals.approve("alice", id, "", "api"));
  f.now += std::chrono::seconds(601);  // the default ttl is 600 s
  EXPECT_EQ(f.approvals.get(id).value().state, ApprovalState::EXPIRED);
  EXPECT_FALSE(f.approvals.consume(req.digest).value()) << "an expired approval releases nothing";
  // The expiry is recorded by that write; a new request starts round 2.
  EXPECT_EQ(f.approvals.request(req).value().round, 2);
  std::vector<std::string> states;
  f.store->for_each_entry([&](const AuditEntry& e) {
    if (e.kind == "object.approval")
      states.push_back(json::parse(e.body)["state"]["state"].get<std::string>());
    return true;
  });
  EXPECT_EQ(states, (std::vector<std::string>{"pending", "approved", "expired", "pending"}));

  const std::string id2 = Approvals::object_id(req.digest) + ".2";
  auto denied = f.approvals.deny("bob", id2, "not today", "api");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied.value().state, ApprovalState::DENIED);
  EXPECT_EQ(detail(f.approvals.approve("alice", id2, "", "api").error()), "approval.not_pending");
  EXPECT_FALSE(f.approvals.consume(req.digest).value());
  auto list = f.approvals.list(ApprovalState::DENIED, 10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list.value().size(), 1u);
  EXPECT_EQ(list.value()[0].denial->reason, "not today");
}

TEST(Approvals, AnEscalateIsNotReleasedByAnApprovalGivenForAPause) {
  Fixture f("upgrade.db");
  auto pause = tool_call({{"m", 1}});
  const std::string id = f.approvals.request(pause).value().id;
  ASSERT_EQ(f.approvals.approve("alice", id, "", "api").value().state, ApprovalState::APPROVED);
  // The same action now decided ESCALATE: the PAUSE approval does not release it, and the round
  // is raised to the ESCALATE requirement, alice's approval counting toward it.
  EXPECT_FALSE(f.approvals.consume(pause.digest, PCWStatus::ESCALATE).value());
  auto escalate = pause;
  escalate.status = PCWStatus::ESCALATE;
  auto raised = f.approvals.request(escalate);
  ASSERT_TRUE(raised);
  EXPECT_EQ(raised.value().state, ApprovalState::PENDING);
  EXPECT_EQ(raised.value().status, "escalate");
  EXPECT_EQ(raised.value().still_needed(), "1 more approver, or one with role security_lead");
  ASSERT_EQ(f.approvals.approve("bob", id, "", "api").value().state, ApprovalState::APPROVED);
  EXPECT_TRUE(f.approvals.consume(pause.digest, PCWStatus::ESCALATE).value());
}

TEST(Approvals, TheAgentAskedForCannotApproveEitherAndReasonsAreBounded) {
  Fixture f("agent.db");
  auto req = tool_call({{"a", 2}});
  req.principal = "gateway-key";
  req.agent = "alice";
  const std::string id = f.approvals.request(req).value().id;
  EXPECT_EQ(detail(f.approvals.approve("alice", id, "", "api").error()), "approval.self_approval");
  EXPECT_EQ(detail(f.approvals.approve("bob", id, std::string(4097, 'x'), "api").error()),
            "approval.invalid");
  EXPECT_EQ(detail(f.approvals.approve("bob", id, "\xff", "api").error()), "approval.invalid");
  EXPECT_TRUE(f.approvals.approve("bob", id, "", "api"));
}

// A store that, just before its first write of an approval, lets another consumer go first.
TEST(Approvals, OfTwoRacingConsumersOnlyOneGetsIt) {
  Fixture f("race.db");
  const auto req = tool_call({{"race", true}});
  const std::string id = f.approvals.request(req).value().id;
  ASSERT_TRUE(f.approvals.approve("alice", id, "", "api"));
  // A second process on the same file loses the race for the one approval: its write conflicts,
  // it reads again, and it is told there is nothing to release.
  test::RacingStore racing(
      Store::open("sqlite:" + (std::filesystem::temp_directory_path() /
                               ("aegis_approvals_" + std::to_string(getpid())) / "race.db")
                                  .string()),
      "approval");
  std::mutex lock;
  Approvals second(racing, lock, f.rbac, {});
  bool first_got_it = false;
  racing.rival = [&] { first_got_it = f.approvals.consume(req.digest).value().has_value(); };
  auto lost = second.consume(req.digest);
  ASSERT_TRUE(lost) << lost.error().message;
  EXPECT_TRUE(first_got_it);
  EXPECT_FALSE(lost.value().has_value()) << "one approval released two actions";
}

TEST(Approvals, SurvivesARestartOfItsProcess) {
  const auto req = tool_call({{"path", "/restart"}});
  std::string id;
  {
    Fixture f("restart.db");
    id = f.approvals.request(req).value().id;
  }  // the holder is gone
  auto store =
      Store::open("sqlite:" + (std::filesystem::temp_directory_path() /
                               ("aegis_approvals_" + std::to_string(getpid())) / "restart.db")
                                  .string());
  std::mutex lock;
  const RBACEnforcer rbac = Fixture::roles();
  Approvals again(*store, lock, rbac, {});
  ASSERT_TRUE(again.approve("bob", id, "", "cli"));
  ASSERT_TRUE(again.consume(req.digest).value());
  EXPECT_FALSE(again.consume(req.digest).value());
}

TEST(ApprovalsConfig, ReadsTheSectionStrictly) {
  auto ok = read_approvals_section(
      YAML::Load("ttl_seconds: 120\nhold_timeout_seconds: 0.5\nelicitation: true\n"
                 "escalate: {approvers: 3, roles: [security_lead, risk_lead]}"),
      "c.yaml");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok.value().ttl, std::chrono::seconds(120));
  EXPECT_EQ(ok.value().hold_timeout, std::chrono::milliseconds(500));
  EXPECT_TRUE(ok.value().elicitation);
  EXPECT_EQ(ok.value().escalate.approvers, 3);
  EXPECT_EQ(ok.value().pause.approvers, 1);

  auto typo = read_approvals_section(YAML::Load("ttl_second: 5"), "c.yaml");
  ASSERT_FALSE(typo);
  EXPECT_EQ(detail(typo.error()), "config.unknown_key");
  EXPECT_NE(typo.error().message.find("ttl_seconds"), std::string::npos) << typo.error().message;
  auto role = read_approvals_section(YAML::Load("escalate: {roles: [securty_lead]}"), "c.yaml");
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().field, "approvals.escalate.roles");
  EXPECT_NE(role.error().message.find("security_lead"), std::string::npos);
  auto zero = read_approvals_section(YAML::Load("pause: {approvers: 0}"), "c.yaml");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().field, "approvals.pause.approvers");
}

}  // namespace
}  // namespace aegis
