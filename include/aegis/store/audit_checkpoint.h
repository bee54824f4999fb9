// Signed audit checkpoints (docs/audit.md#checkpoints), the transparency-log idea on the audit
// chain: a checkpoint says "the chain had `entries` entries and its head was `head_hash` at
// `time`", signed with Ed25519. A later chain must still hold that head at that position: a cut
// tail or a history rewritten and re-hashed fails, though such a chain is self-consistent.
//
// Wire form: {"entries", "head_hash", "time", "public_key" (base64), "signature" (base64)};
// the signature covers the canonical JSON of {"entries", "head_hash", "public_key", "time"}.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/core/error.h"
#include "aegis/crypto/ed25519.h"
#include "aegis/store/store.h"

namespace aegis {

struct AuditCheckpoint {
  int64_t entries = 0;
  std::string head_hash = kGenesisHash;
  std::string time;  // RFC 3339 UTC, milliseconds
  crypto::Ed25519PublicKey public_key{};
  crypto::Ed25519Signature signature{};
};

// The bytes the signature covers.
std::string checkpoint_signed_text(const AuditCheckpoint& checkpoint);
// A checkpoint of `head`, stamped now.
AuditCheckpoint sign_checkpoint(const ChainHead& head, const crypto::Ed25519Key& key);
std::string checkpoint_to_json(const AuditCheckpoint& checkpoint);
// Reads the wire form strictly: errors name the field ("entries", "signature", ...).
Result<AuditCheckpoint> checkpoint_from_json(std::string_view text);
bool checkpoint_signature_valid(const AuditCheckpoint& checkpoint) noexcept;

struct CheckpointVerification {
  bool holds = false;
  std::string problem;      // why not
  ChainVerification chain;  // the chain as walked now
};
// Verifies the checkpoint's signature (by `trusted`, when given, else by the key it names), the
// stored chain (intact), and that the entry at position `entries` has hash `head_hash`.
CheckpointVerification verify_checkpoint(Store& store, const AuditCheckpoint& checkpoint,
                                         const std::optional<crypto::Ed25519PublicKey>& trusted);

// The checkpoints a server signs: one whenever the chain passes a multiple of `every` entries,
// and one on demand (at start and shutdown). Thread-safe.
class CheckpointSigner {
 public:
  // `key` is borrowed and must outlive the signer.
  CheckpointSigner(const crypto::Ed25519Key& key, int64_t every);
  // After a commit whose chain head is `head`: signs when a multiple of `every` was passed.
  void committed(const ChainHead& head);
  void sign(const ChainHead& head);
  // The latest checkpoint's wire form, or nullopt before the first.
  std::optional<std::string> latest() const;

 private:
  const crypto::Ed25519Key& key_;
  const int64_t every_;
  mutable std::mutex lock_;
  int64_t signed_seq_ = -1;
  std::optional<std::string> latest_;
};

}  // namespace aegis
