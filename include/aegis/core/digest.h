// Message digests used for config, baseline and audit hashes. Pure functions: thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace aegis {

// SHA-256 of `data` as 64 lower-case hex digits (OpenSSL).
std::string sha256_hex(std::string_view data);

// Incremental SHA-256, for hashing pieces without joining them first. Not copyable.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(std::string_view data);
  // 64 lower-case hex digits; the object cannot be updated afterwards.
  std::string hex_final();

 private:
  void* ctx_;  // EVP_MD_CTX
};

}  // namespace aegis
