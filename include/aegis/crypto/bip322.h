// BIP-322 generic signed messages, "simple" form, for P2TR key-path addresses: the virtual
// to_spend / to_sign transactions, the BIP-341 SIGHASH_DEFAULT digest, signing and
// verification. Thread-safe (pure functions over the shared secp256k1 context).
#pragma once

#include <string>
#include <string_view>

#include "aegis/crypto/bech32.h"
#include "aegis/crypto/schnorr.h"

namespace aegis::crypto {

// tagged_hash("BIP0322-signed-message", message).
Hash32 bip322_message_hash(std::string_view message);
// Transaction ids (internal byte order; print reversed for the usual hex form).
Hash32 bip322_to_spend_txid(const Bytes& script_pubkey, std::string_view message);
Hash32 bip322_to_sign_txid(const Bytes& script_pubkey, std::string_view message);
// The BIP-341 key-path SIGHASH_DEFAULT digest of to_sign's single input.
Hash32 bip322_taproot_sighash(const Bytes& script_pubkey, std::string_view message);

// Reversed-hex txid, as block explorers and the BIP-322 vectors print it.
std::string txid_hex(const Hash32& txid);

// Why a BIP-322 verification failed. kValid when it did not.
enum class Bip322Error {
  kValid,
  kBadEncoding,         // not base64, or a malformed witness
  kFullFormat,          // "ful" prefix: the full variant is not accepted
  kProofOfFunds,        // "pof" prefix
  kUnsupportedAddress,  // not a P2TR (segwit v1, 32-byte) address
  kBadWitness,          // witness is not one 64-byte key-path signature
  kBadPublicKey,        // not a valid x-only key
  kInvalidSignature,    // the Schnorr signature does not verify
};
std::string_view to_string(Bip322Error e) noexcept;

// Signs `message` for the P2TR address of `key` (key path, SIGHASH_DEFAULT): "smp" + base64 of
// the witness.
std::string bip322_sign_simple(const SecretKey& key, std::string_view message);

// Verifies a simple signature ("smp"-prefixed, or unprefixed as earlier implementations wrote
// it) against a P2TR output key Q.
Bip322Error bip322_verify_simple(const XOnlyKey& output_key, std::string_view message,
                                 std::string_view signature);
// The same with an output key parsed beforehand (no square root per call).
Bip322Error bip322_verify_simple(const VerifyKey& output_key, std::string_view message,
                                 std::string_view signature);
// The same against an internal key P (Q derived with the BIP-341 tweak) or a P2TR address.
Bip322Error bip322_verify_with_internal_key(const XOnlyKey& internal_key, std::string_view message,
                                            std::string_view signature);
Bip322Error bip322_verify_with_address(std::string_view address, std::string_view message,
                                       std::string_view signature);

// The mainnet P2TR address (bc1p...) of an internal key P.
std::optional<std::string> p2tr_address(const XOnlyKey& internal_key, std::string_view hrp = "bc");

}  // namespace aegis::crypto
