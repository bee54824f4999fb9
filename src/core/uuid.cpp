#include "aegis/core/uuid.h"

#include <openssl/rand.h>
#include <pthread.h>

#include <atomic>

#include "aegis/core/error.h"
#include "aegis/core/errors.h"

namespace aegis {
namespace {

// A fork copies every thread-local pool; the generation makes the child refill its own.
std::atomic<uint64_t> g_fork_generation{0};

void after_fork_in_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

// Random bytes drawn from OpenSSL's DRBG 4 KiB at a time: one RAND_bytes call serves 256
// identifiers, which keeps its per-call cost (property lookups, locks) off the decision path.
struct RandomPool {
  unsigned char bytes[4096];
  size_t pos = sizeof bytes;
  uint64_t generation = ~uint64_t{0};

  const unsigned char* take16() {
    static const int registered = pthread_atfork(nullptr, nullptr, after_fork_in_child);
    (void)registered;
    const uint64_t gen = g_fork_generation.load(std::memory_order_relaxed);
    if (pos + 16 > sizeof bytes || gen != generation) {
      if (RAND_bytes(bytes, sizeof bytes) != 1) {
        throw_error(Error{errors::kUuidRandom, "", "the random generator failed"});
      }
      pos = 0;
      generation = gen;
    }
    const unsigned char* p = bytes + pos;
    pos += 16;
    return p;
  }
};

thread_local RandomPool t_pool;

}  // namespace

std::string new_uuid_v4() {
  unsigned char b[16];
  const unsigned char* r = t_pool.take16();
  for (size_t i = 0; i < 16; ++i) b[i] = r[i];
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(36, '-');
  size_t o = 0;
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++o;
    s[o++] = kHex[b[i] >> 4];
    s[o++] = kHex[b[i] & 0xF];
  }
  return s;
}

}  // namespace aegis
