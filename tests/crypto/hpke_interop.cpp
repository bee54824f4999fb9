// HPKE interoperability with npm @hpke/core + @hpke/hybridkem-x-wing (tests/kem/hpke_interop.mjs):
//   hpke_interop seal N    prints N cases sealed by AEGIS (keys, info, aad, plaintext, enc, ct,
//                          and an exported secret) for the JavaScript side to open;
//   hpke_interop open FILE opens the cases the JavaScript side sealed and checks plaintext and
//                          export; also checks that a tampered ciphertext, aad or enc is refused.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "aegis/crypto/encoding.h"
#include "aegis/crypto/hpke.h"

using namespace aegis::crypto;

namespace {

template <class A>
std::string hex(const A& a) {
  return to_hex(a.data(), a.size());
}
Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

int seal(int n) {
  for (int i = 0; i < n; ++i) {
    const auto sk = xwing::generate_private_key();
    const auto pk = xwing::public_key(sk);
    const Bytes info = text("aegis-telemetry-v1 case " + std::to_string(i));
    const Bytes aad = text(i % 3 ? "event-" + std::to_string(i) : "");
    const Bytes pt = text(std::string(static_cast<size_t>(i * 37 % 500), static_cast<char>('a' + i % 26)));
    const Bytes exporter = text("aegis-telemetry-v1 event key");
    auto ctx = hpke::SenderContext::setup(pk, info);
    if (!ctx) return 1;
    const Bytes ct = ctx->seal(aad, pt);
    const Bytes exported = ctx->export_secret(exporter, 32 + static_cast<size_t>(i % 40));
    const nlohmann::json line = {{"sk", hex(sk)}, {"pk", hex(pk)}, {"info", hex(info)},
                                 {"aad", hex(aad)}, {"pt", hex(pt)}, {"enc", hex(ctx->enc())},
                                 {"ct", hex(ct)}, {"exporter_context", hex(exporter)},
                                 {"export_len", exported.size()}, {"exported", hex(exported)}};
    std::puts(line.dump().c_str());
  }
  return 0;
}

Bytes field(const nlohmann::json& j, const char* name) {
  auto b = from_hex(j.at(name).get<std::string>());
  if (!b) throw std::runtime_error(std::string("not hex: ") + name);
  return *b;
}

template <size_t N>
std::array<uint8_t, N> fixed(const Bytes& b) {
  if (b.size() != N) throw std::runtime_error("wrong length");
  std::array<uint8_t, N> a;
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

int open(const char* path) {
  std::ifstream in(path);
  std::string line;
  int cases = 0, bad = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    const auto sk = fixed<32>(field(j, "sk"));
    const auto enc = fixed<1120>(field(j, "enc"));
    const Bytes info = field(j, "info"), aad = field(j, "aad"), ct = field(j, "ct");
    auto ctx = hpke::RecipientContext::setup(sk, enc, info);
    const auto pt = ctx.open(aad, ct);
    const Bytes exported = ctx.export_secret(field(j, "exporter_context"), j["export_len"]);
    if (!pt || *pt != field(j, "pt") || exported != field(j, "exported")) {
      ++bad;
      std::fprintf(stderr, "case %d: not opened or export differs\n", cases);
    }
    // Tampering with the ciphertext, the aad or enc is refused.
    Bytes forged = ct;
    forged[forged.size() / 2] ^= 1;
    if (hpke::open(sk, enc, info, aad, forged)) ++bad, std::fprintf(stderr, "case %d: forged ct opened\n", cases);
    Bytes other_aad = aad;
    other_aad.push_back('x');
    if (hpke::open(sk, enc, info, other_aad, ct)) ++bad, std::fprintf(stderr, "case %d: other aad opened\n", cases);
    auto other_enc = enc;
    other_enc[10] ^= 4;
    if (hpke::open(sk, other_enc, info, aad, ct)) ++bad, std::fprintf(stderr, "case %d: forged enc opened\n", cases);
    ++cases;
  }
  std::printf("hpke_interop open: %d cases, %d failures\n", cases, bad);
  return cases > 0 && bad == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "seal") return seal(std::atoi(argv[2]));
  if (argc == 3 && std::string(argv[1]) == "open") return open(argv[2]);
  std::fprintf(stderr, "usage: hpke_interop seal N | open FILE\n");
  return 3;
}
