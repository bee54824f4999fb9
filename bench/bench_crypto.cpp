// Signature benchmarks beside raw libsecp256k1 verification, and a full two-key override check.
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "aegis/workflow/override.h"

namespace {

using namespace aegis;

struct Fixture {
  crypto::SecretKey risk = crypto::SecretKey::generate();
  crypto::SecretKey security = crypto::SecretKey::generate();
  std::string risk_hex = hex(risk), security_hex = hex(security);
  CustodianRegistry registry{{{"risk-lead-1", "risk_lead", risk.public_key()},
                              {"sec-lead-1", "security_lead", security.public_key()}}};
  std::string hash = create_message_hash("prop-001", "Emergency hotfix", {"risk"});
  std::string risk_sig = BIP322Provider::sign(hash, risk);
  std::string security_sig = BIP322Provider::sign(hash, security);
  static std::string hex(const crypto::SecretKey& k) {
    const auto p = k.public_key();
    return crypto::to_hex(p.data(), p.size());
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void BM_RawSecp256k1SchnorrVerify(benchmark::State& state) {
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  const crypto::Hash32 msg = crypto::sha256(reinterpret_cast<const uint8_t*>("m"), 1);
  const crypto::Signature64 sig = crypto::schnorr_sign(fixture().risk, msg.data(), msg.size());
  const auto pub = fixture().risk.public_key();
  secp256k1_xonly_pubkey pk;
  if (!secp256k1_xonly_pubkey_parse(ctx, &pk, pub.data())) state.SkipWithError("parse");
  for (auto _ : state)
    benchmark::DoNotOptimize(secp256k1_schnorrsig_verify(ctx, sig.data(), msg.data(), 32, &pk));
  secp256k1_context_destroy(ctx);
}
BENCHMARK(BM_RawSecp256k1SchnorrVerify);

void BM_Bip340Sign(benchmark::State& state) {
  const crypto::Hash32 msg = crypto::sha256(reinterpret_cast<const uint8_t*>("m"), 1);
  for (auto _ : state)
    benchmark::DoNotOptimize(crypto::schnorr_sign(fixture().risk, msg.data(), 32));
}
BENCHMARK(BM_Bip340Sign);

void BM_Bip322SignSimple(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(BIP322Provider::sign(fixture().hash, fixture().risk));
}
BENCHMARK(BM_Bip322SignSimple);

void BM_Bip322VerifyWithInternalKey(benchmark::State& state) {
  const auto p = fixture().risk.public_key();
  for (auto _ : state)
    benchmark::DoNotOptimize(
        crypto::bip322_verify_with_internal_key(p, fixture().hash, fixture().risk_sig));
}
BENCHMARK(BM_Bip322VerifyWithInternalKey);

// The override path of a server: a registry of custodians, both signatures checked.
void BM_OverrideTwoSignatures(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    OverrideWorkflow w("prop-001", "Emergency hotfix", {"risk"}, "engineer-1",
                       std::chrono::hours(24), &f.registry);
    w.add_signature("risk-lead-1", "risk_lead", f.risk_sig, f.risk_hex);
    w.add_signature("sec-lead-1", "security_lead", f.security_sig, f.security_hex);
    if (!w.get_result().approved) state.SkipWithError("not approved");
  }
}
BENCHMARK(BM_OverrideTwoSignatures);

}  // namespace

BENCHMARK_MAIN();
