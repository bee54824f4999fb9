#include "aegis/workflow/override.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>
#include <typeinfo>

#include "aegis/core/context.h"
#include "aegis/core/digest.h"
#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/workflow/errors.h"

namespace aegis {
namespace {

using crypto::XOnlyKey;

bool known_role(std::string_view role) { return role == kRiskLead || role == kSecurityLead; }

std::optional<XOnlyKey> key_bytes(const crypto::Bytes& b) {
  if (b.size() != 32) return std::nullopt;
  XOnlyKey k;
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

// An internal key written as 64 hex digits or 44 base64 characters.
std::optional<XOnlyKey> decode_internal_key(std::string_view text) {
  std::optional<crypto::Bytes> b;
  if (text.size() == 64) b = crypto::from_hex(text);
  if (text.size() == 44) b = crypto::from_base64(text);
  return b ? key_bytes(*b) : std::nullopt;
}

// The 32-byte witness program of a P2TR (segwit v1) address.
std::optional<XOnlyKey> decode_p2tr_program(std::string_view text) {
  const auto a = crypto::decode_segwit_address(text);
  if (!a || a->version != 1) return std::nullopt;
  return key_bytes(a->program);
}

}  // namespace

std::string create_message_hash(std::string_view proposal_id, std::string_view justification,
                                std::vector<std::string> failed_gates) {
  std::sort(failed_gates.begin(), failed_gates.end());
  const nlohmann::json body = {{"failed_gates", failed_gates},
                               {"justification", std::string(justification)},
                               {"proposal_id", std::string(proposal_id)}};
  return sha256_hex(canonical_json(body));
}

std::string create_bound_message_hash(std::string_view proposal_id, std::string_view justification,
                                      std::vector<std::string> failed_gates,
                                      const OverrideBinding& binding, int64_t expires_at_ms) {
  std::sort(failed_gates.begin(), failed_gates.end());
  const nlohmann::json body = {
      {"context_hash", binding.context_hash.empty() ? nlohmann::json(nullptr)
                                                    : nlohmann::json(binding.context_hash)},
      {"expires_at_ms", expires_at_ms},
      {"failed_gates", failed_gates},
      {"justification", std::string(justification)},
      {"override_id", binding.override_id},
      {"proposal_id", std::string(proposal_id)},
      {"scheme", "aegis-override-v2"}};
  return sha256_hex(canonical_json(body));
}

std::optional<CustodianKey> parse_custodian_key(std::string_view text) {
  if (const auto internal = decode_internal_key(text)) {
    const auto q = crypto::taproot_output_key(*internal);
    if (!q) return std::nullopt;
    return CustodianKey{*q, internal};
  }
  const auto q = decode_p2tr_program(text);
  if (!q || !crypto::is_valid_public_key(*q)) return std::nullopt;
  return CustodianKey{*q, std::nullopt};
}

KeyMatch match_custodian_key(std::string_view text, const Custodian& c) {
  if (const auto internal = decode_internal_key(text)) {
    if (*internal == c.public_key) return KeyMatch::kMatch;
    return crypto::is_valid_public_key(*internal) ? KeyMatch::kMismatch : KeyMatch::kMalformed;
  }
  const auto q = decode_p2tr_program(text);
  if (!q) return KeyMatch::kMalformed;
  return c.output_key && *q == c.output_key->bytes() ? KeyMatch::kMatch : KeyMatch::kMismatch;
}

OverrideRejection check_custodian_signature(std::string_view message, std::string_view signature,
                                            const crypto::VerifyKey& output_key,
                                            std::string* detail) {
  const crypto::Bip322Error e = crypto::bip322_verify_simple(output_key, message, signature);
  if (e == crypto::Bip322Error::kValid) return OverrideRejection::kNone;
  if (detail) *detail = crypto::to_string(e);
  return e == crypto::Bip322Error::kInvalidSignature ? OverrideRejection::kBadSignature
                                                     : OverrideRejection::kMalformedSignature;
}

std::optional<crypto::VerifyKey> parse_custodian_verify_key(std::string_view public_key) {
  const auto key = parse_custodian_key(public_key);
  if (!key) return std::nullopt;
  return crypto::VerifyKey::parse(key->output_key);
}

OverrideRejection check_custodian_signature(std::string_view message, std::string_view signature,
                                            std::string_view public_key) {
  const auto output_key = parse_custodian_verify_key(public_key);
  if (!output_key) return OverrideRejection::kMalformedKey;
  return check_custodian_signature(message, signature, *output_key);
}

// ---- registry --------------------------------------------------------------------------------

CustodianRegistry::CustodianRegistry(std::vector<Custodian> custodians)
    : custodians_(std::move(custodians)) {
  std::set<std::string> actors;
  std::set<XOnlyKey> keys;
  for (size_t i = 0; i < custodians_.size(); ++i) {
    const Custodian& c = custodians_[i];
    const std::string where = "custodians[" + std::to_string(i) + "]";
    auto bad = [&](const std::string& why) {
      throw_error(Error(errors::kOverrideRegistry, where, where + ": " + why));
    };
    if (c.actor_id.empty() || !is_valid_utf8(c.actor_id))
      bad("actor_id must be a non-empty string");
    if (!known_role(c.role)) bad("role must be risk_lead or security_lead, got \"" + c.role + "\"");
    const auto q = crypto::taproot_output_key(c.public_key);
    if (!q) bad("public_key is not a valid x-only key");
    custodians_[i].output_key = crypto::VerifyKey::parse(*q);
    if (!actors.insert(c.actor_id).second) bad("actor " + c.actor_id + " is listed twice");
    if (!keys.insert(c.public_key).second) bad("the same public key is listed twice");
  }
}

const Custodian* CustodianRegistry::find(std::string_view actor_id) const noexcept {
  for (const auto& c : custodians_)
    if (c.actor_id == actor_id) return &c;
  return nullptr;
}

Result<CustodianRegistry> CustodianRegistry::parse_yaml(const std::string& text,
                                                        const std::string& source) {
  try {
    const YAML::Node root = YAML::Load(text);
    return read_section(root && root.IsMap() ? root["custodians"] : YAML::Node(), source);
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
}

Result<CustodianRegistry> CustodianRegistry::read_section(const YAML::Node& node,
                                                          const std::string& source) {
  std::vector<Custodian> list;
  try {
    if (!node || node.IsNull()) return CustodianRegistry();
    if (!node.IsSequence())
      return Error(errors::kOverrideRegistry, "custodians", source + ": custodians must be a list");
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node e = node[i];
      const std::string where = source + ": custodians[" + std::to_string(i) + "]";
      static const std::vector<std::string> kKeys = {"actor_id", "role", "public_key"};
      if (e.IsMap()) {
        for (const auto& kv : e) {
          const std::string key = kv.first.Scalar();
          if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end())
            return unknown_config_key(source, "custodians[" + std::to_string(i) + "]." + key,
                                      "custodians", key, kKeys);
        }
      }
      if (!e.IsMap() || !e["actor_id"] || !e["role"] || !e["public_key"] ||
          !e["actor_id"].IsScalar() || !e["role"].IsScalar() || !e["public_key"].IsScalar())
        return Error(errors::kOverrideRegistry, "custodians",
                     where + ": needs actor_id, role and public_key strings");
      const auto key = crypto::from_hex(e["public_key"].Scalar());
      const auto k = key ? key_bytes(*key) : std::nullopt;
      if (!k)
        return Error(errors::kOverrideRegistry, "custodians",
                     where + ": public_key must be 64 hex digits (x-only key)");
      list.push_back({e["actor_id"].Scalar(), e["role"].Scalar(), *k});
    }
  } catch (const YAML::Exception& e) {
    return Error(errors::kConfigYamlSyntax, "", source + ": malformed YAML: " + e.msg);
  }
  try {
    return CustodianRegistry(std::move(list));
  } catch (const AegisError& e) {
    Error err = e.error();
    err.message = source + ": " + err.message;
    return err;
  }
}

Result<CustodianRegistry> CustodianRegistry::load_yaml(const std::filesystem::path& path) {
  auto text = read_config_text(path);
  if (!text) return text.error();
  return parse_yaml(text.value(), path.string());
}

// ---- workflow --------------------------------------------------------------------------------

std::string_view to_string(OverrideState v) noexcept { return name_in(kOverrideStateNames, v); }

std::string_view to_string(OverrideRejection r) noexcept { return name_in(kRejectionNames, r); }

static_assert(
    [] {
      for (size_t i = 0; i < std::size(kRejectionErrors); ++i)
        if (static_cast<size_t>(kRejectionErrors[i].value) != i) return false;
      return true;
    }(),
    "kRejectionErrors must list the rejections in the enum's order");

const ErrorCode& rejection_error(OverrideRejection r) noexcept {
  const ErrorCode* e = kRejectionErrors[static_cast<size_t>(r)].error;
  return e ? *e : errors::kOverrideInvalid;
}

OverrideWorkflow::OverrideWorkflow(std::string proposal_id, std::string justification,
                                   std::vector<std::string> failed_gates, std::string requested_by,
                                   std::chrono::seconds ttl, const CustodianRegistry* registry,
                                   Clock clock)
    : proposal_id_(std::move(proposal_id)),
      justification_(std::move(justification)),
      requested_by_(std::move(requested_by)),
      failed_gates_(std::move(failed_gates)),
      registry_(registry),
      clock_(std::move(clock)) {
  auto bad = [](const char* field, const char* why) {
    throw_error(Error(errors::kOverrideInvalid, field, std::string(field) + " " + why));
  };
  if (proposal_id_.empty()) bad("proposal_id", "is required");
  if (requested_by_.empty()) bad("requested_by", "is required");
  if (failed_gates_.empty()) bad("failed_gates", "must name at least one failed gate");
  if (ttl.count() <= 0) bad("ttl", "must be positive");
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  expires_at_ = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_() + ttl);
  message_hash_ = compute_message_hash();
  if (std::find(failed_gates_.begin(), failed_gates_.end(), "complexity") != failed_gates_.end())
    reject(OverrideRejection::kComplexityNotOverridable,
           "the complexity floor can never be overridden");
}

std::string OverrideWorkflow::compute_message_hash() const {
  if (!binding_) return create_message_hash(proposal_id_, justification_, failed_gates_);
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(expires_at_.time_since_epoch()).count();
  return create_bound_message_hash(proposal_id_, justification_, failed_gates_, *binding_, ms);
}

void OverrideWorkflow::bind(OverrideBinding binding) {
  if (binding.override_id.empty())
    throw_error(Error(errors::kOverrideInvalid, "override_id", "override_id is required"));
  if (!signatures_.empty())
    throw_error(Error(errors::kOverrideInvalid, "override_id",
                      "an override cannot be bound once it has signatures"));
  binding_ = std::move(binding);
  message_hash_ = compute_message_hash();
}

OverrideRejection OverrideWorkflow::reject(OverrideRejection r, std::string message) {
  state_ = OverrideState::REJECTED;
  reason_ = r;
  reason_message_ = std::move(message);
  return r;
}

void OverrideWorkflow::apply_expiry() {
  if (state_ != OverrideState::REJECTED && clock_() > expires_at_)
    reject(OverrideRejection::kExpired, "the override expired");
}

OverrideState OverrideWorkflow::state() {
  apply_expiry();
  return state_;
}

OverrideRejection OverrideWorkflow::add_signature(std::string_view actor_id, std::string_view role,
                                                  std::string_view signature,
                                                  std::string_view public_key) {
  apply_expiry();
  if (state_ == OverrideState::APPROVED || state_ == OverrideState::REJECTED)
    return OverrideRejection::kAlreadyFinal;
  const std::string actor(actor_id);
  if (!known_role(role))
    return reject(OverrideRejection::kUnknownRole,
                  "role must be risk_lead or security_lead, got \"" + std::string(role) + "\"");
  if (actor_id == requested_by_)
    return reject(OverrideRejection::kRequesterSigned,
                  actor + " requested this override and may not approve it");
  for (const auto& s : signatures_) {
    if (s.role == role)
      return reject(OverrideRejection::kDuplicateRole, std::string(role) + " has already signed");
    if (s.actor_id == actor_id)
      return reject(OverrideRejection::kSameActor, actor + " has already signed as " + s.role);
  }
  std::optional<crypto::VerifyKey> output_key;
  if (registry_) {
    const Custodian* c = registry_->find(actor_id);
    if (!c || c->role != role)
      return reject(OverrideRejection::kNotACustodian,
                    actor + " is not a registered " + std::string(role));
    switch (match_custodian_key(public_key, *c)) {
      case KeyMatch::kMalformed:
        return reject(OverrideRejection::kMalformedKey,
                      "public_key is not a 32-byte x-only key (hex or base64) or a P2TR address");
      case KeyMatch::kMismatch:
        return reject(OverrideRejection::kKeyNotRegistered,
                      "the key differs from the registered key of " + actor);
      case KeyMatch::kMatch:
        output_key = c->output_key;
        break;
    }
  } else {
    output_key = parse_custodian_verify_key(public_key);
    if (!output_key)
      return reject(OverrideRejection::kMalformedKey,
                    "public_key is not a 32-byte x-only key (hex or base64) or a P2TR address "
                    "on the curve");
  }
  for (const auto& k : signer_keys_)
    if (k == output_key->bytes())
      return reject(OverrideRejection::kSameKey, "the same key has already signed");
  std::string detail;
  switch (const auto verdict =
              check_custodian_signature(message_hash_, signature, *output_key, &detail)) {
    case OverrideRejection::kNone:
      break;
    case OverrideRejection::kBadSignature:
      return reject(verdict, "the signature of " + actor + " does not verify for this override");
    default:
      return reject(verdict, detail);
  }
  signatures_.push_back(
      {actor, std::string(role), std::string(public_key), std::string(signature), clock_()});
  signer_keys_.push_back(output_key->bytes());
  state_ = signatures_.size() == 2 ? OverrideState::APPROVED : OverrideState::PARTIAL;
  return OverrideRejection::kNone;
}

OverrideResult OverrideWorkflow::get_result() {
  apply_expiry();
  OverrideResult r;
  r.state = state_;
  r.approved = state_ == OverrideState::APPROVED;
  r.expires_at = expires_at_;
  r.signatures = signatures_;
  r.reason = reason_;
  r.reason_message = reason_message_;
  return r;
}

namespace {

std::optional<OverrideState> parse_override_state(std::string_view s) {
  return value_in<kOverrideStateNames>(s);
}

std::optional<OverrideRejection> parse_rejection(std::string_view s) {
  return value_in<kRejectionNames>(s);
}

int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_ms(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace

nlohmann::json OverrideWorkflow::to_json() const {
  nlohmann::json sigs = nlohmann::json::array();
  for (const auto& s : signatures_) {
    sigs.push_back({{"actor_id", s.actor_id},
                    {"role", s.role},
                    {"public_key", s.public_key},
                    {"signature", s.signature},
                    {"signed_at_ms", to_ms(s.signed_at)}});
  }
  nlohmann::json j = {{"proposal_id", proposal_id_},
                      {"justification", justification_},
                      {"failed_gates", failed_gates_},
                      {"requested_by", requested_by_},
                      {"expires_at_ms", to_ms(expires_at_)},
                      {"state", to_string(state_)},
                      {"reason", to_string(reason_)},
                      {"reason_message", reason_message_},
                      {"signatures", sigs},
                      {"message_hash", message_hash_}};
  if (binding_)
    j["binding"] = {{"override_id", binding_->override_id},
                    {"context_hash", binding_->context_hash}};
  return j;
}

OverrideWorkflow OverrideWorkflow::from_json(const nlohmann::json& j,
                                             const CustodianRegistry* registry, Clock clock) {
  auto bad = [](const std::string& why) {
    throw_error(Error(errors::kWorkflowSavedState, "override", "saved override: " + why));
  };
  try {
    OverrideWorkflow w(j.at("proposal_id").get<std::string>(),
                       j.at("justification").get<std::string>(),
                       j.at("failed_gates").get<std::vector<std::string>>(),
                       j.at("requested_by").get<std::string>(), std::chrono::hours(24), registry,
                       std::move(clock));
    w.expires_at_ = from_ms(j.at("expires_at_ms").get<int64_t>());
    if (j.contains("binding"))
      w.binding_ = OverrideBinding{j["binding"].at("override_id").get<std::string>(),
                                   j["binding"].at("context_hash").get<std::string>()};
    w.message_hash_ = w.compute_message_hash();
    if (w.message_hash_ != j.at("message_hash").get<std::string>())
      bad("message_hash does not match its fields");
    const auto state = parse_override_state(j.at("state").get<std::string>());
    const auto reason = parse_rejection(j.at("reason").get<std::string>());
    if (!state || !reason) bad("unknown state or reason");
    w.state_ = *state;
    w.reason_ = *reason;
    w.reason_message_ = j.at("reason_message").get<std::string>();
    for (const auto& s : j.at("signatures")) {
      OverrideSignature sig{s.at("actor_id").get<std::string>(), s.at("role").get<std::string>(),
                            s.at("public_key").get<std::string>(),
                            s.at("signature").get<std::string>(),
                            from_ms(s.at("signed_at_ms").get<int64_t>())};
      const auto key = parse_custodian_key(sig.public_key);
      if (!key) bad("a signer key is malformed");
      // A stored signature is re-verified: a saved state cannot smuggle in an approval.
      if (crypto::bip322_verify_simple(key->output_key, w.message_hash_, sig.signature) !=
          crypto::Bip322Error::kValid)
        bad("a stored signature does not verify");
      w.signer_keys_.push_back(key->output_key);
      w.signatures_.push_back(std::move(sig));
    }
    const bool both = w.signatures_.size() == 2;
    if ((w.state_ == OverrideState::APPROVED) != both && w.state_ != OverrideState::REJECTED)
      bad("state does not match the signatures");
    return w;
  } catch (const nlohmann::json::exception& e) {
    bad(e.what());
  }
  throw_error(Error(errors::kWorkflowSavedState, "override", "unreachable"));
}

// ---- validator, provider, approver -------------------------------------------------------------

OverrideRejection DualSignatureValidator::validate(std::string_view message_hash,
                                                   std::string_view risk_signature,
                                                   std::string_view risk_public_key,
                                                   std::string_view security_signature,
                                                   std::string_view security_public_key) {
  const auto rk = parse_custodian_verify_key(risk_public_key);
  const auto sk = parse_custodian_verify_key(security_public_key);
  if (!rk || !sk) return OverrideRejection::kMalformedKey;
  if (rk->bytes() == sk->bytes()) return OverrideRejection::kSameKey;
  for (const auto& [key, sig] : {std::pair{&*rk, risk_signature}, {&*sk, security_signature}})
    if (const auto r = check_custodian_signature(message_hash, sig, *key);
        r != OverrideRejection::kNone)
      return r;
  return OverrideRejection::kNone;
}

BIP322Provider::Keypair BIP322Provider::generate_keypair() {
  crypto::SecretKey sk = crypto::SecretKey::generate();
  const XOnlyKey pk = sk.public_key();
  return {sk, crypto::to_hex(pk.data(), pk.size()), *crypto::p2tr_address(pk)};
}

std::string BIP322Provider::sign(std::string_view message, const crypto::SecretKey& secret_key) {
  return crypto::bip322_sign_simple(secret_key, message);
}

bool BIP322Provider::verify(std::string_view message, std::string_view signature,
                            std::string_view public_key) const {
  return check_custodian_signature(message, signature, public_key) == OverrideRejection::kNone;
}

Approver::Approver(std::string actor_id, std::string name, bool is_risk_lead,
                   const SignatureVerifier* verifier)
    : Actor(std::move(actor_id), std::move(name),
            is_risk_lead ? ActorRole::RISK_LEAD : ActorRole::SECURITY_LEAD),
      verifier_(verifier) {}

AuthorizationResult Approver::authorize_override(std::string_view proposal_id,
                                                 const std::vector<std::string>& failed_gates,
                                                 std::string_view justification,
                                                 std::string_view signature,
                                                 std::string_view public_key) const {
  AuthorizationResult r;
  r.message_hash = create_message_hash(proposal_id, justification, failed_gates);
  OverrideRejection verdict = OverrideRejection::kNone;
  if (std::find(failed_gates.begin(), failed_gates.end(), "complexity") != failed_gates.end())
    verdict = OverrideRejection::kComplexityNotOverridable;
  else if (!verifier_ || typeid(*verifier_) == typeid(BIP322Provider))  // not a subclass
    verdict = check_custodian_signature(r.message_hash, signature, public_key);
  else if (!verifier_->verify(r.message_hash, signature, public_key))
    verdict = OverrideRejection::kBadSignature;
  r.authorized = verdict == OverrideRejection::kNone;
  if (!r.authorized) r.reason = std::string(to_string(verdict));
  return r;
}

}  // namespace aegis
