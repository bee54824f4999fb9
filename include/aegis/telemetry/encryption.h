// Encryption of the personal fields of telemetry events (docs/keys.md), cheap enough for the
// server's event rate: one HPKE sender context (X-Wing / HKDF-SHA256 / AES-256-GCM, info
// "aegis-telemetry-v1") per *epoch* — at most `max_events` events or `max_age` — whose exported
// key Export("aegis-telemetry-v1 event key", 32) seals each event's personal fields with
// AES-256-GCM (a random 96-bit nonce; aad = the event's event_id). The fields are removed from
// the event and travel as
//   "encrypted": {"alg": "hpke-xwing-export-aes256gcm", "enc": B64, "nonce": B64, "ct": B64}
// (enc = the epoch's encapsulation; ct includes the tag). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/core/error.h"
#include "aegis/crypto/hpke.h"

namespace aegis {

struct TelemetryEvent;

inline constexpr const char* kTelemetryEncryptionAlg = "hpke-xwing-export-aes256gcm";

// The personal fields: top-level agent_id and session_id; in the payload, proposal_summary,
// metadata, requested_by (who asked for an override), reason (its justification, free text),
// actor_id and approver_id. Other fields (ids, statuses, gate values) stay in the clear.
inline constexpr const char* kPersonalPayloadFields[] = {
    "proposal_summary", "metadata", "requested_by", "reason", "actor_id", "approver_id"};

// When an epoch ends: after this many events, or this long after it began.
struct TelemetryEpoch {
  size_t max_events = 10'000;
  std::chrono::seconds max_age{300};
};

class EventEncryptor {
 public:
  using Epoch = TelemetryEpoch;
  explicit EventEncryptor(const crypto::xwing::PublicKey& recipient, Epoch epoch = {});
  // From bytes: the 1216-byte public key, or its base64 text; the error names `field`.
  static Result<std::unique_ptr<EventEncryptor>> from_text_or_bytes(std::string_view key,
                                                                    std::string_view field,
                                                                    Epoch epoch = {});
  ~EventEncryptor();

  // Moves the event's personal fields into its `encrypted` object. The event must have its
  // event_id.
  void seal(TelemetryEvent& event);
  uint64_t epochs() const;  // sender contexts opened so far

 private:
  void new_epoch();
  const crypto::xwing::PublicKey recipient_;
  const Epoch policy_;
  mutable std::mutex lock_;
  std::optional<crypto::hpke::SenderContext> context_;
  uint8_t key_[32] = {};
  std::string enc_b64_;
  size_t used_ = 0;
  std::chrono::steady_clock::time_point opened_;
  uint64_t epochs_ = 0;
};

// Restores the personal fields of an event (its JSON, as sent) with the recipient's private
// key: the event without `encrypted` and with the fields back. An event without `encrypted`
// is returned as is. Invalid input when the object is malformed, the tag does not verify
// (tampered, wrong key, or another event's ciphertext: aad is the event_id).
class EventDecryptor {
 public:
  explicit EventDecryptor(const crypto::xwing::PrivateKey& recipient);
  ~EventDecryptor();
  Result<nlohmann::json> decrypt(const nlohmann::json& event);
  // What a sink received, as text: a JSON array of events (what a batch sink posts), one event,
  // or JSON lines of either. `out` gets each document decrypted (an array as an array). The first
  // error stops it; for JSON lines its message names the line.
  std::optional<Error> decrypt_text(std::string_view text,
                                    const std::function<void(const nlohmann::json&)>& out);

 private:
  crypto::xwing::PrivateKey recipient_;
  std::string last_enc_;  // epochs repeat: one decapsulation per epoch
  uint8_t key_[32] = {};
};

}  // namespace aegis
