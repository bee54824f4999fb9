// Two-key override workflow (docs/overrides.md): the happy path and every rejection.
#include <gtest/gtest.h>

#include "aegis/core/digest.h"
#include "aegis/workflow/override.h"

namespace aegis {
namespace {

using namespace std::chrono;
using crypto::SecretKey;

struct Custody {
  SecretKey risk = SecretKey::generate();
  SecretKey security = SecretKey::generate();
  SecretKey outsider = SecretKey::generate();
  std::string hex(const SecretKey& k) const {
    const auto p = k.public_key();
    return crypto::to_hex(p.data(), p.size());
  }
  CustodianRegistry registry() const {
    return CustodianRegistry({{"risk-lead-1", "risk_lead", risk.public_key()},
                              {"sec-lead-1", "security_lead", security.public_key()}});
  }
};

struct FakeClock {
  system_clock::time_point now = system_clock::time_point(hours(500000));
  OverrideWorkflow::Clock fn() {
    return [this] { return now; };
  }
};

OverrideWorkflow make(const CustodianRegistry* reg, FakeClock* clock = nullptr,
                      std::vector<std::string> gates = {"risk"}) {
  return OverrideWorkflow("prop-001", "Emergency hotfix", std::move(gates), "engineer-1", hours(24),
                          reg, clock ? clock->fn() : OverrideWorkflow::Clock{});
}

TEST(MessageHash, CanonicalAndOrderIndependent) {
  const std::string h = create_message_hash("prop-001", "Emergency hotfix", {"risk", "novelty"});
  EXPECT_EQ(h, create_message_hash("prop-001", "Emergency hotfix", {"novelty", "risk"}));
  // SHA-256 of {"failed_gates":["novelty","risk"],"justification":"Emergency
  // hotfix","proposal_id":"prop-001"}
  EXPECT_EQ(h, "78fce57827f1cda26d41160ab9da366e3cd333094890dcab6b6ed60ab2591ff4");  // sha256sum of
                                                                                     // that text
  EXPECT_EQ(h.size(), 64u);
  EXPECT_NE(h, create_message_hash("prop-001", "Emergency hotfix.", {"risk", "novelty"}));
  EXPECT_NE(h, create_message_hash("prop-002", "Emergency hotfix", {"risk", "novelty"}));
  EXPECT_EQ(DualSignatureValidator::create_message_hash("prop-001", "Emergency hotfix",
                                                        {"novelty", "risk"}),
            h);
}

TEST(Override, HappyPath) {
  Custody c;
  const CustodianRegistry reg = c.registry();
  FakeClock clock;
  OverrideWorkflow w = make(&reg, &clock);
  EXPECT_EQ(w.state(), OverrideState::PENDING);
  const std::string rs = BIP322Provider::sign(w.message_hash(), c.risk);
  const std::string ss = BIP322Provider::sign(w.message_hash(), c.security);
  EXPECT_EQ(w.add_signature("risk-lead-1", "risk_lead", rs, c.hex(c.risk)),
            OverrideRejection::kNone);
  EXPECT_EQ(w.state(), OverrideState::PARTIAL);
  EXPECT_FALSE(w.get_result().approved);
  // The security lead gives an address instead of the hex key: the same key.
  const auto addr = *crypto::p2tr_address(c.security.public_key());
  EXPECT_EQ(w.add_signature("sec-lead-1", "security_lead", ss, addr), OverrideRejection::kNone);
  const OverrideResult r = w.get_result();
  EXPECT_TRUE(r.approved);
  EXPECT_EQ(r.state, OverrideState::APPROVED);
  EXPECT_EQ(r.signatures.size(), 2u);
  EXPECT_EQ(r.expires_at, clock.now + hours(24));
  // Approval lapses at expiry.
  clock.now += hours(25);
  EXPECT_FALSE(w.get_result().approved);
  EXPECT_EQ(w.get_result().reason, OverrideRejection::kExpired);
}

struct Attempt {
  const char* name;
  OverrideRejection expected;
};

// Runs a scenario: the risk lead signs correctly first unless `first` is false, then `act`.
OverrideRejection scenario(const std::function<OverrideRejection(OverrideWorkflow&, Custody&)>& act,
                           bool risk_first = true, std::vector<std::string> gates = {"risk"},
                           FakeClock* clock = nullptr) {
  static Custody c;
  static const CustodianRegistry reg = c.registry();
  OverrideWorkflow w = make(&reg, clock, std::move(gates));
  if (risk_first) {
    EXPECT_EQ(w.add_signature("risk-lead-1", "risk_lead",
                              BIP322Provider::sign(w.message_hash(), c.risk), c.hex(c.risk)),
              OverrideRejection::kNone);
  }
  const OverrideRejection r = act(w, c);
  if (r != OverrideRejection::kNone && r != OverrideRejection::kAlreadyFinal) {
    EXPECT_EQ(w.state(), OverrideState::REJECTED);
    EXPECT_EQ(w.get_result().reason, r);
    EXPECT_FALSE(w.get_result().reason_message.empty());
    EXPECT_FALSE(w.get_result().approved);
  }
  return r;
}

TEST(Override, EveryRejection) {
  using R = OverrideRejection;
  // Wrong key: the security lead signs with a key that is not theirs.
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              return w.add_signature("sec-lead-1", "security_lead",
                                     BIP322Provider::sign(w.message_hash(), c.outsider),
                                     c.hex(c.outsider));
            }),
            R::kKeyNotRegistered);
  // A valid signature, but by the registered key over a different message (tampered justification).
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              const std::string other = create_message_hash("prop-001", "Tampered", {"risk"});
              return w.add_signature("sec-lead-1", "security_lead",
                                     BIP322Provider::sign(other, c.security), c.hex(c.security));
            }),
            R::kBadSignature);
  // Replay: signatures of an approved override on another proposal.
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              const std::string other =
                  create_message_hash("prop-999", "Emergency hotfix", {"risk"});
              return w.add_signature("sec-lead-1", "security_lead",
                                     BIP322Provider::sign(other, c.security), c.hex(c.security));
            }),
            R::kBadSignature);
  // Swapped roles: the risk lead's actor signs as security lead.
  EXPECT_EQ(scenario(
                [](auto& w, auto& c) {
                  return w.add_signature("risk-lead-1", "security_lead",
                                         BIP322Provider::sign(w.message_hash(), c.risk),
                                         c.hex(c.risk));
                },
                false),
            R::kNotACustodian);
  // Same actor twice.
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              return w.add_signature("risk-lead-1", "security_lead",
                                     BIP322Provider::sign(w.message_hash(), c.risk), c.hex(c.risk));
            }),
            R::kSameActor);
  // Second signature for the same role.
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              return w.add_signature("sec-lead-1", "risk_lead",
                                     BIP322Provider::sign(w.message_hash(), c.security),
                                     c.hex(c.security));
            }),
            R::kDuplicateRole);
  EXPECT_EQ(scenario([](auto& w, auto&) { return w.add_signature("x", "ceo", "sig", "key"); }),
            R::kUnknownRole);
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              return w.add_signature("engineer-1", "security_lead",
                                     BIP322Provider::sign(w.message_hash(), c.security),
                                     c.hex(c.security));
            }),
            R::kRequesterSigned);
  EXPECT_EQ(scenario([](auto& w, auto&) {
              return w.add_signature("sec-lead-1", "security_lead", "smpAAAA", "not-a-key");
            }),
            R::kMalformedKey);
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              return w.add_signature("sec-lead-1", "security_lead", "smp%%%%", c.hex(c.security));
            }),
            R::kMalformedSignature);
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              const std::string sig = BIP322Provider::sign(w.message_hash(), c.security);
              return w.add_signature("sec-lead-1", "security_lead", "ful" + sig.substr(3),
                                     c.hex(c.security));
            }),
            R::kMalformedSignature);
  EXPECT_EQ(scenario([](auto& w, auto& c) {
              return w.add_signature("intruder", "security_lead",
                                     BIP322Provider::sign(w.message_hash(), c.outsider),
                                     c.hex(c.outsider));
            }),
            R::kNotACustodian);
  // Complexity among the failed gates: rejected from the start.
  EXPECT_EQ(scenario(
                [](auto& w, auto& c) {
                  EXPECT_EQ(w.get_result().reason, R::kComplexityNotOverridable);
                  return w.add_signature("risk-lead-1", "risk_lead",
                                         BIP322Provider::sign(w.message_hash(), c.risk),
                                         c.hex(c.risk));
                },
                false, {"risk", "complexity"}),
            R::kAlreadyFinal);
  // Expired before the second signature.
  FakeClock clock;
  EXPECT_EQ(scenario(
                [&clock](auto& w, auto& c) {
                  clock.now += hours(24) + seconds(1);
                  return w.add_signature("sec-lead-1", "security_lead",
                                         BIP322Provider::sign(w.message_hash(), c.security),
                                         c.hex(c.security));
                },
                true, {"risk"}, &clock),
            R::kAlreadyFinal);
}

TEST(Override, ExpiryIsReportedAsTheReason) {
  Custody c;
  const CustodianRegistry reg = c.registry();
  FakeClock clock;
  OverrideWorkflow w = make(&reg, &clock);
  clock.now += hours(24) + seconds(1);
  EXPECT_EQ(w.get_result().reason, OverrideRejection::kExpired);
  EXPECT_EQ(w.state(), OverrideState::REJECTED);
}

TEST(BoundMessage, CommitsToIdExpiryAndContext) {
  const OverrideBinding b{"o-1", std::string(64, 'a')};
  const std::string h = create_bound_message_hash("prop-001", "J", {"risk", "novelty"}, b, 1000);
  // sha256 of {"context_hash":"aa…","expires_at_ms":1000,"failed_gates":["novelty","risk"],
  // "justification":"J","override_id":"o-1","proposal_id":"prop-001","scheme":"aegis-override-v2"}
  EXPECT_EQ(h, sha256_hex(R"({"context_hash":")" + std::string(64, 'a') +
                          R"(","expires_at_ms":1000,"failed_gates":["novelty","risk"],)"
                          R"("justification":"J","override_id":"o-1","proposal_id":"prop-001",)"
                          R"("scheme":"aegis-override-v2"})"));
  EXPECT_EQ(h, create_bound_message_hash("prop-001", "J", {"novelty", "risk"}, b, 1000));
  EXPECT_NE(h, create_bound_message_hash("prop-001", "J", {"risk", "novelty"},
                                         {"o-2", b.context_hash}, 1000));
  EXPECT_NE(h, create_bound_message_hash("prop-001", "J", {"risk", "novelty"}, b, 1001));
  EXPECT_NE(h, create_bound_message_hash("prop-001", "J", {"risk", "novelty"}, {"o-1", ""}, 1000));
  EXPECT_NE(h, create_message_hash("prop-001", "J", {"risk", "novelty"}));
}

TEST(Override, BoundWorkflowRefusesEveryOtherOverridesSignature) {
  Custody c;
  const CustodianRegistry reg = c.registry();
  FakeClock clock;
  OverrideWorkflow first = make(&reg, &clock);
  first.bind({"o-1", ""});
  OverrideWorkflow second = make(&reg, &clock);  // same fields, same expiry, another id
  second.bind({"o-2", ""});
  OverrideWorkflow unbound = make(&reg, &clock);
  EXPECT_NE(first.message_hash(), second.message_hash());
  EXPECT_NE(first.message_hash(), unbound.message_hash());
  for (const std::string& h : {first.message_hash(), unbound.message_hash()}) {
    OverrideWorkflow w = make(&reg, &clock);
    w.bind({"o-2", ""});
    EXPECT_EQ(
        w.add_signature("risk-lead-1", "risk_lead", BIP322Provider::sign(h, c.risk), c.hex(c.risk)),
        OverrideRejection::kBadSignature);
  }
  // Saved and loaded, the binding and its message survive; an edited binding does not load.
  EXPECT_EQ(
      second.add_signature("risk-lead-1", "risk_lead",
                           BIP322Provider::sign(second.message_hash(), c.risk), c.hex(c.risk)),
      OverrideRejection::kNone);
  nlohmann::json j = second.to_json();
  OverrideWorkflow loaded = OverrideWorkflow::from_json(j, &reg, clock.fn());
  ASSERT_NE(loaded.binding(), nullptr);
  EXPECT_EQ(loaded.binding()->override_id, "o-2");
  EXPECT_EQ(loaded.message_hash(), second.message_hash());
  for (auto edit :
       {+[](nlohmann::json& x) { x["binding"]["override_id"] = "o-1"; },
        +[](nlohmann::json& x) { x.erase("binding"); },
        +[](nlohmann::json& x) { x["expires_at_ms"] = x["expires_at_ms"].get<int64_t>() + 1; }}) {
    nlohmann::json t = j;
    edit(t);
    EXPECT_THROW(OverrideWorkflow::from_json(t, &reg, clock.fn()), AegisError);
  }
  // Binding is fixed before the first signature.
  EXPECT_THROW(second.bind({"o-3", ""}), AegisError);
  EXPECT_THROW(unbound.bind({"", ""}), AegisError);
}

TEST(Override, SameKeyUnderTwoActorsWithoutRegistry) {
  Custody c;
  OverrideWorkflow w = make(nullptr);
  EXPECT_EQ(w.add_signature("a", "risk_lead", BIP322Provider::sign(w.message_hash(), c.risk),
                            c.hex(c.risk)),
            OverrideRejection::kNone);
  EXPECT_EQ(w.add_signature("b", "security_lead", BIP322Provider::sign(w.message_hash(), c.risk),
                            c.hex(c.risk)),
            OverrideRejection::kSameKey);
}

TEST(Registry, RejectsDuplicatesAndLoadsYaml) {
  Custody c;
  EXPECT_THROW(CustodianRegistry({{"a", "risk_lead", c.risk.public_key()},
                                  {"b", "security_lead", c.risk.public_key()}}),
               InvalidInputError);
  EXPECT_THROW(CustodianRegistry({{"a", "risk_lead", c.risk.public_key()},
                                  {"a", "security_lead", c.security.public_key()}}),
               InvalidInputError);
  EXPECT_THROW(CustodianRegistry({{"a", "cfo", c.risk.public_key()}}), InvalidInputError);
  const std::string yaml =
      "custodians:\n  - {actor_id: r1, role: risk_lead, public_key: \"" + c.hex(c.risk) +
      "\"}\n  - {actor_id: s1, role: security_lead, public_key: \"" + c.hex(c.security) + "\"}\n";
  auto reg = CustodianRegistry::parse_yaml(yaml, "cfg.yaml");
  ASSERT_TRUE(reg) << reg.error().message;
  EXPECT_EQ(reg.value().size(), 2u);
  EXPECT_EQ(reg.value().find("s1")->role, "security_lead");
  auto bad = CustodianRegistry::parse_yaml(
      "custodians:\n  - {actor_id: r1, role: risk_lead, public_key: zz}\n", "cfg.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("cfg.yaml"), std::string::npos);
}

TEST(DualSignature, Validate) {
  Custody c;
  const std::string h = create_message_hash("p", "j", {"risk"});
  const std::string rs = BIP322Provider::sign(h, c.risk), ss = BIP322Provider::sign(h, c.security);
  EXPECT_EQ(DualSignatureValidator::validate(h, rs, c.hex(c.risk), ss, c.hex(c.security)),
            OverrideRejection::kNone);
  EXPECT_EQ(DualSignatureValidator::validate(h, rs, c.hex(c.security), ss, c.hex(c.risk)),
            OverrideRejection::kBadSignature);
  EXPECT_EQ(DualSignatureValidator::validate(h, rs, c.hex(c.risk), rs, c.hex(c.risk)),
            OverrideRejection::kSameKey);
}

TEST(Approver, AuthorizeOverride) {
  Custody c;
  const Approver a("risk-lead-1", "Risk Lead", true);
  EXPECT_EQ(a.role(), ActorRole::RISK_LEAD);
  EXPECT_TRUE(a.capabilities().can("sign_override"));
  const std::string h = create_message_hash("prop-001", "Emergency hotfix required", {"risk"});
  const auto ok = a.authorize_override("prop-001", {"risk"}, "Emergency hotfix required",
                                       BIP322Provider::sign(h, c.risk), c.hex(c.risk));
  EXPECT_TRUE(ok.authorized);
  EXPECT_EQ(ok.message_hash, h);
  const auto bad = a.authorize_override("prop-001", {"risk"}, "Something else",
                                        BIP322Provider::sign(h, c.risk), c.hex(c.risk));
  EXPECT_FALSE(bad.authorized);
  EXPECT_EQ(bad.reason, "bad_signature");
  const auto cx = a.authorize_override("prop-001", {"complexity"}, "x",
                                       BIP322Provider::sign(h, c.risk), c.hex(c.risk));
  EXPECT_EQ(cx.reason, "complexity_not_overridable");
  const auto kp = BIP322Provider::generate_keypair();
  EXPECT_EQ(kp.address.rfind("bc1p", 0), 0u);
  EXPECT_TRUE(
      BIP322Provider().verify("m", BIP322Provider::sign("m", kp.secret_key), kp.public_key));
  EXPECT_TRUE(BIP322Provider().verify("m", BIP322Provider::sign("m", kp.secret_key), kp.address));
}

}  // namespace
}  // namespace aegis
