// Constant-time check of ML-KEM-768 and X-Wing under valgrind (the "ctgrind" method): every
// secret input is marked undefined, so memcheck reports each branch or memory index that
// depends on a secret ("Conditional jump or move depends on uninitialised value(s)", "Use of
// uninitialised value of size 8"). Run as `valgrind --error-exitcode=1 ct_check`: any report
// fails the test. Values public by design are declassified inside the code (ct.h).
#include <valgrind/memcheck.h>

#include <cstdio>
#include <cstring>

#include "aegis/crypto/mlkem768.h"
#include "aegis/crypto/xwing.h"

using namespace aegis::crypto;

namespace {

template <class T>
void secret(T& v) {
  (void)VALGRIND_MAKE_MEM_UNDEFINED(&v, sizeof v);
}
template <class T>
void reveal(T& v) {
  (void)VALGRIND_MAKE_MEM_DEFINED(&v, sizeof v);
}

}  // namespace

int main() {
  // Fixed bytes: the values do not matter, only that they are secret.
  uint8_t d[32], z[32], m[32];
  for (int i = 0; i < 32; ++i) {
    d[i] = static_cast<uint8_t>(i * 7 + 1);
    z[i] = static_cast<uint8_t>(i * 13 + 5);
    m[i] = static_cast<uint8_t>(i * 29 + 3);
  }
  secret(d);
  secret(z);
  secret(m);
  mlkem768::EncapsulationKey ek;
  mlkem768::DecapsulationKey dk;
  mlkem768::keygen(d, z, &ek, &dk);
  mlkem768::Ciphertext c;
  mlkem768::SharedSecret k, k2;
  if (!mlkem768::encapsulate(ek, m, &c, &k)) return 2;
  mlkem768::decapsulate(dk, c, &k2);  // the accepting path
  c[100] ^= 1;
  mlkem768::decapsulate(dk, c, &k2);  // the implicitly rejecting path
  reveal(k);
  reveal(k2);

  xwing::PrivateKey sk;
  uint8_t eseed[64];
  for (int i = 0; i < 32; ++i) sk[i] = static_cast<uint8_t>(i * 5 + 9);
  for (int i = 0; i < 64; ++i) eseed[i] = static_cast<uint8_t>(i * 11 + 2);
  secret(sk);
  secret(eseed);
  const xwing::PublicKey pk = xwing::public_key(sk);
  const auto enc = xwing::encapsulate(pk, eseed);
  if (!enc) return 2;
  xwing::Ciphertext ct = enc->ciphertext;
  auto ss = xwing::decapsulate(sk, ct);
  ct[5] ^= 1;
  ss = xwing::decapsulate(sk, ct);
  reveal(ss);
  std::puts("ct_check: done");
  return 0;
}
