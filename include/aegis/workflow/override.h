// Two-key overrides (docs/overrides.md): a failed gate (never complexity) may be overridden only
// when a Risk Lead and a Security Lead, two different custodians with two different keys, both sign
// the same override with BIP-322 simple P2TR signatures. OverrideWorkflow is not thread-safe; the
// rest are immutable values or stateless.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/error.h"
#include "aegis/core/names.h"
#include "aegis/crypto/bip322.h"
#include "aegis/workflow/actors.h"
#include "aegis/workflow/errors.h"

namespace aegis {

// The two custodian roles an override needs.
inline constexpr std::string_view kRiskLead = "risk_lead";
inline constexpr std::string_view kSecurityLead = "security_lead";

// SHA-256 hex of the canonical JSON of {"failed_gates": sorted, "justification",
// "proposal_id"}: the message both custodians sign. Throws InvalidInputError for invalid UTF-8.
std::string create_message_hash(std::string_view proposal_id, std::string_view justification,
                                std::vector<std::string> failed_gates);

// What a stored override's signatures commit to beyond the reference's three fields, so that a
// signature counts for exactly one override (docs/overrides.md): the store's id of the override,
// its expiry, and the SHA-256 of the canonical JSON of the proposal's context when the proposal
// was stored at request time (empty otherwise).
struct OverrideBinding {
  std::string override_id;
  std::string context_hash;
};

// SHA-256 hex of the canonical JSON of {"context_hash" (null when empty), "expires_at_ms",
// "failed_gates": sorted, "justification", "override_id", "proposal_id",
// "scheme": "aegis-override-v2"}: the message both custodians sign for a stored override.
// Throws InvalidInputError for invalid UTF-8.
std::string create_bound_message_hash(std::string_view proposal_id, std::string_view justification,
                                      std::vector<std::string> failed_gates,
                                      const OverrideBinding& binding, int64_t expires_at_ms);

// A custodian's public key as given: 64 hex digits or base64 of the 32-byte x-only internal key
// P, or its P2TR address. `output_key` is the taproot output key Q that signatures verify under.
struct CustodianKey {
  crypto::XOnlyKey output_key{};
  std::optional<crypto::XOnlyKey> internal_key;  // unknown when given as an address
};
// nullopt when `text` is none of the accepted forms or not a valid key.
std::optional<CustodianKey> parse_custodian_key(std::string_view text);

// One trusted custodian: who, in which role, with which x-only key.
struct Custodian {
  std::string actor_id;
  std::string role;  // risk_lead | security_lead
  crypto::XOnlyKey public_key{};
  // Taproot output key Q of public_key, parsed: filled in by CustodianRegistry, so that
  // verifying a registered custodian costs neither a key tweak nor a key parse.
  std::optional<crypto::VerifyKey> output_key;
};

// Whether a key as given (hex, base64 or P2TR address) is this custodian's key.
enum class KeyMatch { kMatch, kMismatch, kMalformed };
KeyMatch match_custodian_key(std::string_view text, const Custodian& custodian);

// Who may sign overrides. Immutable once built; thread-safe to read.
class CustodianRegistry {
 public:
  CustodianRegistry() = default;
  // Throws InvalidInputError: empty actor, unknown role, invalid key, an actor or a key twice.
  explicit CustodianRegistry(std::vector<Custodian> custodians);
  // The `custodians:` list of a config file: [{actor_id, role, public_key: hex}]. Errors name
  // the file and entry ("override.registry").
  static Result<CustodianRegistry> load_yaml(const std::filesystem::path& path);
  static Result<CustodianRegistry> parse_yaml(const std::string& text, const std::string& source);
  // The same from the section's node (a ConfigLoader hands it over). An entry holds exactly
  // actor_id, role and public_key: another key is "config.unknown_key" with the nearest one.
  static Result<CustodianRegistry> read_section(const YAML::Node& custodians,
                                                const std::string& source);

  const Custodian* find(std::string_view actor_id) const noexcept;
  size_t size() const noexcept { return custodians_.size(); }
  bool empty() const noexcept { return custodians_.empty(); }

 private:
  std::vector<Custodian> custodians_;
};

enum class OverrideState { PENDING, PARTIAL, APPROVED, REJECTED };
// The wire names of OverrideState, one per value.
inline constexpr EnumName<OverrideState> kOverrideStateNames[] = {
    {OverrideState::PENDING, "pending"},
    {OverrideState::PARTIAL, "partial"},
    {OverrideState::APPROVED, "approved"},
    {OverrideState::REJECTED, "rejected"},
};
std::string_view to_string(OverrideState s) noexcept;

// Why an override signature was refused (every reason of docs/overrides.md has its own value).
enum class OverrideRejection {
  kNone,                      // accepted
  kBadSignature,              // does not verify for this override's message hash and key
  kMalformedSignature,        // not a BIP-322 simple signature (encoding, witness, variant)
  kMalformedKey,              // not a hex/base64 x-only key or P2TR address
  kUnknownRole,               // role is not risk_lead or security_lead
  kDuplicateRole,             // that role has already signed
  kSameActor,                 // the same actor already signed for the other role
  kSameKey,                   // the same key already signed for the other role
  kRequesterSigned,           // the requester may not approve their own override
  kComplexityNotOverridable,  // complexity is among the failed gates
  kExpired,                   // past expires_at
  kNotACustodian,             // actor not in the registry, or registered for another role
  kKeyNotRegistered,          // key differs from the registry's key for that actor
  kAlreadyFinal,              // the workflow is already APPROVED or REJECTED
};

// The error each rejection is reported with (nullptr for kNone), in the enum's order.
struct RejectionError {
  OverrideRejection value;
  const ErrorCode* error;
};
inline constexpr RejectionError kRejectionErrors[] = {
    {OverrideRejection::kNone, nullptr},
    {OverrideRejection::kBadSignature, &errors::kOverrideBadSignature},
    {OverrideRejection::kMalformedSignature, &errors::kOverrideMalformedSignature},
    {OverrideRejection::kMalformedKey, &errors::kOverrideMalformedKey},
    {OverrideRejection::kUnknownRole, &errors::kOverrideUnknownRole},
    {OverrideRejection::kDuplicateRole, &errors::kOverrideDuplicateRole},
    {OverrideRejection::kSameActor, &errors::kOverrideSameActor},
    {OverrideRejection::kSameKey, &errors::kOverrideSameKey},
    {OverrideRejection::kRequesterSigned, &errors::kOverrideRequesterSigned},
    {OverrideRejection::kComplexityNotOverridable, &errors::kOverrideComplexityNotOverridable},
    {OverrideRejection::kExpired, &errors::kOverrideExpired},
    {OverrideRejection::kNotACustodian, &errors::kOverrideNotACustodian},
    {OverrideRejection::kKeyNotRegistered, &errors::kOverrideKeyNotRegistered},
    {OverrideRejection::kAlreadyFinal, &errors::kOverrideAlreadyFinal},
};
// The names of the rejections: each error's detail without "override." ("bad_signature", ...),
// and "none".
inline constexpr auto kRejectionNames = [] {
  std::array<EnumName<OverrideRejection>, std::size(kRejectionErrors)> names{};
  for (size_t i = 0; i < names.size(); ++i) {
    const ErrorCode* e = kRejectionErrors[i].error;
    names[i] = {kRejectionErrors[i].value,
                e ? e->detail.substr(e->detail.find('.') + 1) : std::string_view("none")};
  }
  return names;
}();
// Stable snake_case names ("bad_signature", ...).
std::string_view to_string(OverrideRejection r) noexcept;
// The error a rejection other than kNone is reported with.
const ErrorCode& rejection_error(OverrideRejection r) noexcept;

// One custodian signature over `message` under a key as given (hex, base64 or P2TR address):
// kNone, kMalformedKey, kMalformedSignature or kBadSignature. OverrideWorkflow,
// DualSignatureValidator, Approver and BIP322Provider all judge a signature here, so the same
// fault has the same name everywhere.
OverrideRejection check_custodian_signature(std::string_view message, std::string_view signature,
                                            std::string_view public_key);
// The same for a key already parsed (kMalformedKey then cannot happen); `detail`, when given,
// receives the BIP-322 reason of a refusal.
OverrideRejection check_custodian_signature(std::string_view message, std::string_view signature,
                                            const crypto::VerifyKey& output_key,
                                            std::string* detail = nullptr);
// The taproot output key Q of a key as given (hex, base64 or P2TR address), parsed; nullopt when
// it is none of those forms or not on the curve.
std::optional<crypto::VerifyKey> parse_custodian_verify_key(std::string_view public_key);

struct OverrideSignature {
  std::string actor_id;
  std::string role;
  std::string public_key;  // as given
  std::string signature;
  std::chrono::system_clock::time_point signed_at;
};

struct OverrideResult {
  bool approved = false;  // both roles signed validly and not expired
  OverrideState state = OverrideState::PENDING;
  std::chrono::system_clock::time_point expires_at;
  std::vector<OverrideSignature> signatures;
  OverrideRejection reason = OverrideRejection::kNone;  // why REJECTED
  std::string reason_message;
};

class OverrideWorkflow {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Starts PENDING, or REJECTED (kComplexityNotOverridable) when complexity is among the
  // failed gates. `registry`, when given, must outlive the workflow; keys outside it are
  // refused. Throws InvalidInputError for an empty proposal_id, requested_by or failed_gates,
  // or a ttl ≤ 0.
  OverrideWorkflow(std::string proposal_id, std::string justification,
                   std::vector<std::string> failed_gates, std::string requested_by,
                   std::chrono::seconds ttl = std::chrono::hours(24),
                   const CustodianRegistry* registry = nullptr, Clock clock = {});

  // Adds one custodian's signature; returns kNone when accepted. Any refusal other than
  // kAlreadyFinal moves the workflow to REJECTED with that reason.
  OverrideRejection add_signature(std::string_view actor_id, std::string_view role,
                                  std::string_view signature, std::string_view public_key);

  // Binds the workflow to one stored override: from now on the message both custodians sign is
  // create_bound_message_hash over this binding and the expiry, so no signature made for another
  // override (or for the reference's message) counts here. Throws InvalidInputError once a
  // signature has been added or when override_id is empty.
  void bind(OverrideBinding binding);
  // The binding, or nullptr for an in-process workflow that signs the reference's message.
  const OverrideBinding* binding() const noexcept { return binding_ ? &*binding_ : nullptr; }

  // The current outcome (expiry applied).
  OverrideResult get_result();

  const std::string& message_hash() const noexcept { return message_hash_; }
  const std::string& proposal_id() const noexcept { return proposal_id_; }
  const std::vector<std::string>& failed_gates() const noexcept { return failed_gates_; }
  const std::string& requested_by() const noexcept { return requested_by_; }
  std::chrono::system_clock::time_point expires_at() const noexcept { return expires_at_; }
  OverrideState state();

  // The whole workflow as JSON, and back (for the store).
  nlohmann::json to_json() const;
  static OverrideWorkflow from_json(const nlohmann::json& j,
                                    const CustodianRegistry* registry = nullptr, Clock clock = {});

 private:
  OverrideRejection reject(OverrideRejection r, std::string message);
  void apply_expiry();
  std::string compute_message_hash() const;

  std::string proposal_id_, justification_, requested_by_, message_hash_;
  std::vector<std::string> failed_gates_;
  std::optional<OverrideBinding> binding_;
  const CustodianRegistry* registry_;
  Clock clock_;
  std::chrono::system_clock::time_point expires_at_;
  OverrideState state_ = OverrideState::PENDING;
  OverrideRejection reason_ = OverrideRejection::kNone;
  std::string reason_message_;
  std::vector<OverrideSignature> signatures_;
  std::vector<crypto::XOnlyKey> signer_keys_;  // output keys Q, parallel to signatures_
};

// Verifies the two signatures of an override at once (stateless).
class DualSignatureValidator {
 public:
  static std::string create_message_hash(std::string_view proposal_id,
                                         std::string_view justification,
                                         std::vector<std::string> failed_gates) {
    return aegis::create_message_hash(proposal_id, justification, std::move(failed_gates));
  }
  // kNone when both verify over `message_hash` under two different keys.
  static OverrideRejection validate(std::string_view message_hash, std::string_view risk_signature,
                                    std::string_view risk_public_key,
                                    std::string_view security_signature,
                                    std::string_view security_public_key);
};

// Checks a signature over a message under a public key (pluggable into Approver).
class SignatureVerifier {
 public:
  virtual ~SignatureVerifier() = default;
  virtual bool verify(std::string_view message, std::string_view signature,
                      std::string_view public_key) const = 0;
  virtual std::string algorithm_name() const = 0;
};

// BIP-322 simple signatures for P2TR key paths: the default verifier, and a signer.
class BIP322Provider : public SignatureVerifier {
 public:
  struct Keypair {
    crypto::SecretKey secret_key;
    std::string public_key;  // x-only internal key, hex
    std::string address;     // P2TR, bc1p...
  };
  static Keypair generate_keypair();
  static std::string sign(std::string_view message, const crypto::SecretKey& secret_key);
  bool verify(std::string_view message, std::string_view signature,
              std::string_view public_key) const override;
  std::string algorithm_name() const override { return "BIP-322-simple-P2TR"; }
};

struct AuthorizationResult {
  bool authorized = false;
  std::string message_hash;
  std::string reason;  // empty when authorized
};

// A custodian (risk_lead or security_lead) that authorizes overrides with its signature.
class Approver : public Actor {
 public:
  // `verifier` defaults to BIP322Provider; borrowed, must outlive the Approver. With a
  // BIP322Provider, a refusal's reason is check_custodian_signature's name ("malformed_key",
  // "malformed_signature", "bad_signature"); another verifier can only say "bad_signature".
  Approver(std::string actor_id, std::string name, bool is_risk_lead,
           const SignatureVerifier* verifier = nullptr);
  AuthorizationResult authorize_override(std::string_view proposal_id,
                                         const std::vector<std::string>& failed_gates,
                                         std::string_view justification, std::string_view signature,
                                         std::string_view public_key) const;

 private:
  const SignatureVerifier* verifier_;
};

}  // namespace aegis
