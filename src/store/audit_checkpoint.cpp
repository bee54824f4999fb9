#include "aegis/store/audit_checkpoint.h"

#include <chrono>
#include <cstring>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/crypto/encoding.h"
#include "aegis/store/attestation.h"
#include "aegis/store/errors.h"

namespace aegis {
namespace {

using nlohmann::json;

bool is_hash(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Error bad(const char* field, std::string why) {
  return Error(errors::kCheckpointInvalid, field, std::string(field) + " " + why);
}

}  // namespace

std::string checkpoint_signed_text(const AuditCheckpoint& c) {
  return canonical_json({{"entries", c.entries},
                         {"head_hash", c.head_hash},
                         {"public_key", ed25519_public_key_text(c.public_key)},
                         {"time", c.time}});
}

AuditCheckpoint sign_checkpoint(const ChainHead& head, const crypto::Ed25519Key& key) {
  AuditCheckpoint c;
  c.entries = head.seq;
  c.head_hash = head.hash;
  c.time = format_timestamp(std::chrono::system_clock::now());
  c.public_key = key.public_key();
  const std::string text = checkpoint_signed_text(c);
  c.signature = key.sign({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  return c;
}

std::string checkpoint_to_json(const AuditCheckpoint& c) {
  return canonical_json({{"entries", c.entries},
                         {"head_hash", c.head_hash},
                         {"public_key", ed25519_public_key_text(c.public_key)},
                         {"signature", crypto::to_base64(c.signature.data(), c.signature.size())},
                         {"time", c.time}});
}

Result<AuditCheckpoint> checkpoint_from_json(std::string_view text) {
  auto read = read_json(text);
  if (!read) return read.error();
  const json& j = read.value();
  if (!j.is_object()) return Error(errors::kJsonNotObject, "", "a checkpoint is a JSON object");
  for (const auto& [name, value] : j.items())
    if (name != "entries" && name != "head_hash" && name != "time" && name != "public_key" &&
        name != "signature")
      return Error(errors::kJsonUnknownField, name, "unknown field \"" + name + "\"");
  AuditCheckpoint c;
  if (!j.contains("entries") || !j["entries"].is_number_integer() ||
      j["entries"].get<int64_t>() < 0)
    return bad("entries", "must be a whole number >= 0");
  c.entries = j["entries"].get<int64_t>();
  if (!j.contains("head_hash") || !j["head_hash"].is_string() ||
      !is_hash(j["head_hash"].get<std::string>()))
    return bad("head_hash", "must be 64 lower-case hex digits");
  c.head_hash = j["head_hash"].get<std::string>();
  if (!j.contains("time") || !j["time"].is_string()) return bad("time", "must be a string");
  c.time = j["time"].get<std::string>();
  const auto key = j.contains("public_key") && j["public_key"].is_string()
                       ? parse_ed25519_public_key(j["public_key"].get<std::string>())
                       : std::nullopt;
  if (!key) return bad("public_key", "must be a 32-byte Ed25519 key in base64");
  c.public_key = *key;
  const auto sig = j.contains("signature") && j["signature"].is_string()
                       ? crypto::from_base64(j["signature"].get<std::string>())
                       : std::nullopt;
  if (!sig || sig->size() != 64) return bad("signature", "must be a 64-byte signature in base64");
  std::memcpy(c.signature.data(), sig->data(), c.signature.size());
  return c;
}

bool checkpoint_signature_valid(const AuditCheckpoint& c) noexcept {
  try {
    const std::string text = checkpoint_signed_text(c);
    return crypto::ed25519_verify(
        c.public_key, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, c.signature);
  } catch (...) {
    return false;  // a time that is not valid UTF-8 cannot be canonical: not signed by anyone
  }
}

CheckpointVerification verify_checkpoint(Store& store, const AuditCheckpoint& c,
                                         const std::optional<crypto::Ed25519PublicKey>& trusted) {
  CheckpointVerification v;
  if (trusted && *trusted != c.public_key) {
    v.problem = "the checkpoint is signed by another key than the one trusted";
    return v;
  }
  if (!checkpoint_signature_valid(c)) {
    v.problem = "the checkpoint's signature does not verify";
    return v;
  }
  v.chain = store.verify_chain();
  if (!v.chain.intact) {
    v.problem = "the stored chain is broken: " + v.chain.problem;
    return v;
  }
  if (v.chain.entries < c.entries) {
    v.problem = "the chain holds " + std::to_string(v.chain.entries) +
                " entries, fewer than the checkpoint's " + std::to_string(c.entries) +
                ": its tail was cut";
    return v;
  }
  std::string at = kGenesisHash;
  if (c.entries > 0) {
    const auto entry = store.entry_at(c.entries);
    if (!entry) {
      v.problem = "entry " + std::to_string(c.entries) + " is missing from the stored chain";
      return v;
    }
    at = entry->entry_hash;
  }
  if (at != c.head_hash) {
    v.problem = "entry " + std::to_string(c.entries) + " has hash " + at +
                ", not the checkpoint's " + c.head_hash + ": the history was rewritten";
    return v;
  }
  v.holds = true;
  return v;
}

CheckpointSigner::CheckpointSigner(const crypto::Ed25519Key& key, int64_t every)
    : key_(key), every_(every) {}

void CheckpointSigner::committed(const ChainHead& head) {
  {
    std::lock_guard<std::mutex> g(lock_);
    if (signed_seq_ >= 0 && head.seq / every_ <= signed_seq_ / every_) return;
    if (signed_seq_ < 0 && head.seq < every_) return;
  }
  sign(head);
}

void CheckpointSigner::sign(const ChainHead& head) {
  std::string text = checkpoint_to_json(sign_checkpoint(head, key_));
  std::lock_guard<std::mutex> g(lock_);
  if (head.seq < signed_seq_) return;  // a later head was signed meanwhile
  signed_seq_ = head.seq;
  latest_ = std::move(text);
}

std::optional<std::string> CheckpointSigner::latest() const {
  std::lock_guard<std::mutex> g(lock_);
  return latest_;
}

}  // namespace aegis
