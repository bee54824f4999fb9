#include "aegis/store/attestation.h"

#include <cstring>

#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/crypto/encoding.h"
#include "aegis/store/errors.h"

namespace aegis {
namespace {

using nlohmann::json;

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

AttestationCheck refused(std::string why) {
  AttestationCheck c;
  c.problem = std::move(why);
  return c;
}

}  // namespace

std::string dsse_pae(std::string_view payload_type, std::string_view payload) {
  std::string out = "DSSEv1 ";
  out += std::to_string(payload_type.size());
  out += ' ';
  out += payload_type;
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out += payload;
  return out;
}

std::string decision_statement(const AuditEntry& entry) {
  if (entry.kind != "decision")
    throw_error(Error(
        errors::kAttestationNotDecision, "decision_id",
        "audit entry " + std::to_string(entry.seq) + " is a " + entry.kind + ", not a decision"));
  const json d = parse_json_strict(entry.body);
  json gates = json::object();
  if (d.contains("gate_evaluation") && d["gate_evaluation"].is_object())
    for (const auto& [name, g] : d["gate_evaluation"]["gates"].items())
      gates[name] = {
          {"passed", g.at("passed")}, {"value", g.at("value")}, {"threshold", g.at("threshold")}};
  const json& trace = d.at("decision_trace");
  const json statement = {
      {"_type", kInTotoStatementType},
      {"subject", json::array({{{"name", d.at("decision_id")},
                                {"digest", {{"sha256", sha256_hex(entry.body)}}}}})},
      {"predicateType", kDecisionPredicateType},
      {"predicate",
       {{"decision_id", d.at("decision_id")},
        {"status", d.at("status")},
        {"timestamp", d.at("timestamp")},
        {"config_hash", trace.is_object() ? trace.at("config_hash") : json(nullptr)},
        {"engine_version", trace.is_object() ? trace.at("engine_version") : json(nullptr)},
        {"gates", std::move(gates)},
        {"audit", {{"seq", entry.seq}, {"entry_hash", entry.entry_hash}}}}}};
  return canonical_json(statement);
}

std::string attest_decision(const AuditEntry& entry, const crypto::Ed25519Key& key) {
  const std::string statement = decision_statement(entry);
  const crypto::Ed25519Signature sig = key.sign(bytes_of(dsse_pae(kInTotoPayloadType, statement)));
  const json envelope = {
      {"payload",
       crypto::to_base64(reinterpret_cast<const uint8_t*>(statement.data()), statement.size())},
      {"payloadType", kInTotoPayloadType},
      {"signatures", json::array({{{"keyid", ed25519_key_id(key.public_key())},
                                   {"sig", crypto::to_base64(sig.data(), sig.size())}}})}};
  return canonical_json(envelope);
}

std::string ed25519_key_id(const crypto::Ed25519PublicKey& key) {
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

std::optional<crypto::Ed25519PublicKey> parse_ed25519_public_key(std::string_view base64) {
  const auto bytes = crypto::from_base64(base64);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  crypto::Ed25519PublicKey key;
  std::memcpy(key.data(), bytes->data(), key.size());
  return key;
}

std::string ed25519_public_key_text(const crypto::Ed25519PublicKey& key) {
  return crypto::to_base64(key.data(), key.size());
}

AttestationCheck verify_attestation(std::string_view envelope_json,
                                    const crypto::Ed25519PublicKey& key) {
  auto read = read_json(envelope_json);
  if (!read) return refused("the envelope is not JSON: " + read.error().message);
  const json& env = read.value();
  if (!env.is_object()) return refused("the envelope is not a JSON object");
  for (const auto& [name, value] : env.items())
    if (name != "payload" && name != "payloadType" && name != "signatures")
      return refused("the envelope has an unknown field \"" + name + "\"");
  if (!env.contains("payloadType") || !env["payloadType"].is_string())
    return refused("payloadType is missing");
  const std::string type = env["payloadType"];
  if (type != kInTotoPayloadType)
    return refused("payloadType is \"" + type + "\", not " + std::string(kInTotoPayloadType));
  if (!env.contains("payload") || !env["payload"].is_string()) return refused("payload is missing");
  const auto payload = crypto::from_base64(env["payload"].get<std::string>());
  if (!payload) return refused("payload is not base64");
  const std::string statement(payload->begin(), payload->end());
  if (!env.contains("signatures") || !env["signatures"].is_array() || env["signatures"].empty())
    return refused("signatures is missing or empty");
  const std::string pae = dsse_pae(type, statement);
  bool signed_by_key = false;
  for (const json& s : env["signatures"]) {
    if (!s.is_object() || !s.contains("sig") || !s["sig"].is_string())
      return refused("a signature has no sig");
    const auto sig = crypto::from_base64(s["sig"].get<std::string>());
    if (!sig || sig->size() != 64) continue;
    crypto::Ed25519Signature bytes;
    std::memcpy(bytes.data(), sig->data(), bytes.size());
    signed_by_key |= crypto::ed25519_verify(key, bytes_of(pae), bytes);
  }
  if (!signed_by_key) return refused("no signature by this public key verifies");
  auto parsed = read_json(statement);
  if (!parsed || !parsed.value().is_object()) return refused("the payload is not a JSON object");
  json st = std::move(parsed).value();
  // The payload is signed but still read strictly: a field of the wrong type is a refusal.
  auto string_at = [](const json& o, const char* name) -> std::string {
    const auto it = o.find(name);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (string_at(st, "_type") != kInTotoStatementType)
    return refused("the payload is not an in-toto Statement v1");
  if (string_at(st, "predicateType") != kDecisionPredicateType)
    return refused("predicateType is not " + std::string(kDecisionPredicateType));
  const auto subjects = st.find("subject");
  const bool subject_ok = subjects != st.end() && subjects->is_array() && subjects->size() == 1 &&
                          (*subjects)[0].is_object() && (*subjects)[0].contains("name") &&
                          (*subjects)[0]["name"].is_string() && (*subjects)[0].contains("digest") &&
                          (*subjects)[0]["digest"].is_object() &&
                          string_at((*subjects)[0]["digest"], "sha256").size() == 64;
  if (!subject_ok) return refused("the statement's subject is not one decision with a sha256");
  AttestationCheck ok;
  ok.valid = true;
  ok.statement = std::move(st);
  return ok;
}

}  // namespace aegis
