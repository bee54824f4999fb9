// Internal: constant-time helpers for secret data, and the marks that let valgrind check it.
// Under valgrind, a test marks secret inputs undefined (memcheck then reports any branch or
// memory index that depends on them); declassify() marks values that are public by design
// (an encapsulation key's seed ρ, a ciphertext) as defined again. Outside valgrind the marks
// cost a few instructions and do nothing.
#pragma once

#include <valgrind/memcheck.h>

#include <cstddef>
#include <cstdint>

namespace aegis::crypto::ct {

// Hides a value from the optimizer, so that masks stay masks and do not become branches.
template <class T>
inline T barrier(T v) {
  __asm__("" : "+r"(v));
  return v;
}

// 0xFF when the buffers differ, 0 when equal; reads every byte.
inline uint8_t differ_mask(const uint8_t* a, const uint8_t* b, size_t n) {
  uint32_t acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= static_cast<uint32_t>(a[i] ^ b[i]);
  const uint32_t nonzero = (acc | (0u - acc)) >> 31;  // 1 when acc != 0
  return static_cast<uint8_t>(0u - barrier(nonzero));
}

// out = mask ? b : a, byte by byte (mask 0 or 0xFF).
inline void select(uint8_t* out, const uint8_t* a, const uint8_t* b, size_t n, uint8_t mask) {
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(a[i] ^ (mask & (a[i] ^ b[i])));
}

inline void declassify(const void* p, size_t n) { (void)VALGRIND_MAKE_MEM_DEFINED(p, n); }

}  // namespace aegis::crypto::ct
