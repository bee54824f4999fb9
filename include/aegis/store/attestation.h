// Signed attestations of stored decisions (docs/audit.md#attestations): a decision's audit entry as
// an in-toto Statement v1 wrapped in a DSSE envelope and signed with Ed25519, verifiable offline by
// anyone who holds the public key. Pure functions: thread-safe.
//
// The statement (canonical JSON, the envelope's payload):
//   {"_type": "https://in-toto.io/Statement/v1",
//    "subject": [{"name": DECISION_ID, "digest": {"sha256": SHA-256 of the stored decision JSON}}],
//    "predicateType": kDecisionPredicateType,
//    "predicate": {"decision_id", "status", "timestamp", "config_hash", "engine_version",
//                  "gates": {name: {"passed", "value", "threshold"}},
//                  "audit": {"seq", "entry_hash"}}}
// The envelope: {"payload": base64(statement), "payloadType": kInTotoPayloadType,
//   "signatures": [{"keyid": SHA-256 hex of the raw public key, "sig": base64(Ed25519 over
//   dsse_pae(payloadType, statement))}]}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/crypto/ed25519.h"
#include "aegis/store/store.h"

namespace aegis {

inline constexpr std::string_view kInTotoStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";
inline constexpr std::string_view kDecisionPredicateType =
    "https://aegis-governance.dev/attestation/decision/v1";

// DSSE's pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, the
// lengths in ASCII decimal bytes.
std::string dsse_pae(std::string_view payload_type, std::string_view payload);

// The statement of a decision's audit entry (kind "decision"). InvalidInputError when the body
// is not a decision.
std::string decision_statement(const AuditEntry& entry);
// The signed DSSE envelope of that statement, as canonical JSON.
std::string attest_decision(const AuditEntry& entry, const crypto::Ed25519Key& key);

// The keyid of a public key: the SHA-256 hex of its 32 bytes.
std::string ed25519_key_id(const crypto::Ed25519PublicKey& key);
// A public key in its text form (standard base64 of the 32 bytes), or nullopt.
std::optional<crypto::Ed25519PublicKey> parse_ed25519_public_key(std::string_view base64);
std::string ed25519_public_key_text(const crypto::Ed25519PublicKey& key);

struct AttestationCheck {
  bool valid = false;
  std::string problem;       // why not, when !valid
  nlohmann::json statement;  // the verified statement, when valid
};
// Checks an envelope offline: its shape, payloadType, a signature by `key` over the PAE, and a
// payload that is an in-toto Statement v1 of kDecisionPredicateType with one sha256 subject.
AttestationCheck verify_attestation(std::string_view envelope_json,
                                    const crypto::Ed25519PublicKey& key);

}  // namespace aegis
