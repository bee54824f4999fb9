// Key management: X-Wing and ML-KEM-768, the telemetry encryption (an epoch's HPKE setup and
// one event's seal), and KEK wrap+unwrap in memory and — when AEGIS_BENCH_HSM names a SoftHSM2
// token set up by scripts/bench.sh — through PKCS#11.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>

#include "aegis/crypto/hpke.h"
#include "aegis/crypto/mlkem768.h"
#include "aegis/crypto/xwing.h"
#include "aegis/kek/hsm.h"
#include "aegis/kek/kek.h"
#include "aegis/telemetry/telemetry.h"

using namespace aegis;

namespace {

crypto::xwing::PrivateKey key() {
  crypto::xwing::PrivateKey sk;
  for (size_t i = 0; i < sk.size(); ++i) sk[i] = static_cast<uint8_t>(i + 1);
  return sk;
}

void BM_XWingKeygen(benchmark::State& state) {
  const auto sk = key();
  for (auto _ : state) benchmark::DoNotOptimize(crypto::xwing::public_key(sk));
}
BENCHMARK(BM_XWingKeygen);

void BM_XWingEncapsulate(benchmark::State& state) {
  const auto pk = crypto::xwing::public_key(key());
  uint8_t eseed[64] = {9};
  for (auto _ : state) benchmark::DoNotOptimize(crypto::xwing::encapsulate(pk, eseed));
}
BENCHMARK(BM_XWingEncapsulate);

void BM_XWingDecapsulate(benchmark::State& state) {
  const auto sk = key();
  uint8_t eseed[64] = {9};
  const auto enc = crypto::xwing::encapsulate(crypto::xwing::public_key(sk), eseed);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::xwing::decapsulate(sk, enc->ciphertext));
}
BENCHMARK(BM_XWingDecapsulate);

void BM_MlKem768Keygen(benchmark::State& state) {
  uint8_t d[32] = {1}, z[32] = {2};
  crypto::mlkem768::EncapsulationKey ek;
  crypto::mlkem768::DecapsulationKey dk;
  for (auto _ : state) {
    crypto::mlkem768::keygen(d, z, &ek, &dk);
    benchmark::DoNotOptimize(ek);
  }
}
BENCHMARK(BM_MlKem768Keygen);

void BM_MlKem768Encapsulate(benchmark::State& state) {
  uint8_t d[32] = {1}, z[32] = {2}, m[32] = {3};
  crypto::mlkem768::EncapsulationKey ek;
  crypto::mlkem768::DecapsulationKey dk;
  crypto::mlkem768::keygen(d, z, &ek, &dk);
  crypto::mlkem768::Ciphertext c;
  crypto::mlkem768::SharedSecret k;
  for (auto _ : state) benchmark::DoNotOptimize(crypto::mlkem768::encapsulate(ek, m, &c, &k));
}
BENCHMARK(BM_MlKem768Encapsulate);

void BM_MlKem768Decapsulate(benchmark::State& state) {
  uint8_t d[32] = {1}, z[32] = {2}, m[32] = {3};
  crypto::mlkem768::EncapsulationKey ek;
  crypto::mlkem768::DecapsulationKey dk;
  crypto::mlkem768::keygen(d, z, &ek, &dk);
  crypto::mlkem768::Ciphertext c;
  crypto::mlkem768::SharedSecret k;
  crypto::mlkem768::encapsulate(ek, m, &c, &k);
  for (auto _ : state) {
    crypto::mlkem768::decapsulate(dk, c, &k);
    benchmark::DoNotOptimize(k);
  }
}
BENCHMARK(BM_MlKem768Decapsulate);

// What an epoch costs the sender: one HPKE setup (an X-Wing encapsulation) and the export.
void BM_TelemetryEpoch(benchmark::State& state) {
  const auto pk = crypto::xwing::public_key(key());
  const uint8_t info[] = "aegis-telemetry-v1";
  const uint8_t ctx[] = "aegis-telemetry-v1 event key";
  for (auto _ : state) {
    auto s = crypto::hpke::SenderContext::setup(pk, {info, sizeof info - 1});
    benchmark::DoNotOptimize(s->export_secret({ctx, sizeof ctx - 1}, 32));
  }
}
BENCHMARK(BM_TelemetryEpoch);

// What each event costs: its personal fields out of the event, into JSON, AES-256-GCM.
void BM_TelemetrySealEvent(benchmark::State& state) {
  EventEncryptor enc(crypto::xwing::public_key(key()), TelemetryEpoch{.max_events = 1u << 30});
  TelemetryEvent base;
  base.event_id = "5f0c6a2e-3f5b-4f7e-9a51-2b8f0c1d9e77";
  base.event_type = "decision.made";
  base.agent_id = "agent-7";
  base.session_id = "session-42";
  base.payload = {
      {"status", "proceed"}, {"confidence", 0.93}, {"failing_gates", nlohmann::json::array()}};
  for (auto _ : state) {
    TelemetryEvent e = base;
    enc.seal(e);
    benchmark::DoNotOptimize(e.encrypted);
  }
}
BENCHMARK(BM_TelemetrySealEvent);

void BM_InMemoryWrapUnwrap(benchmark::State& state) {
  InMemoryKEKProvider p;
  const auto sk = key();
  for (auto _ : state) benchmark::DoNotOptimize(p.unwrap(p.wrap(sk)));
}
BENCHMARK(BM_InMemoryWrapUnwrap);

void BM_HsmWrapUnwrap(benchmark::State& state) {
  HsmSettings s;
  s.pkcs11_lib = "/usr/lib/softhsm/libsofthsm2.so";
  s.token_label = "aegis-bench";
  s.pin = "87654321";
  s.wrapping_key_label = "aegis-kek";
  auto p = HSMKEKProvider::create(s);
  const auto sk = key();
  for (auto _ : state) benchmark::DoNotOptimize(p.value()->unwrap(p.value()->wrap(sk)));
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("AEGIS_BENCH_HSM"))
    benchmark::RegisterBenchmark("BM_HsmWrapUnwrap", BM_HsmWrapUnwrap);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
