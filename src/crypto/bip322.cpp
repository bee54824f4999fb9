#include "aegis/crypto/bip322.h"

#include <openssl/crypto.h>

#include "aegis/core/names.h"

namespace aegis::crypto {
namespace {

// Bitcoin's serialisation helpers.
void put_u32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u64(Bytes& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_compact(Bytes& b, uint64_t n) {
  if (n < 0xFD) {
    b.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xFFFF) {
    b.push_back(0xFD);
    b.push_back(static_cast<uint8_t>(n));
    b.push_back(static_cast<uint8_t>(n >> 8));
  } else {
    b.push_back(0xFE);
    put_u32(b, static_cast<uint32_t>(n));
  }
}
void put_bytes(Bytes& b, const uint8_t* d, size_t n) { b.insert(b.end(), d, d + n); }
void put_script(Bytes& b, const Bytes& script) {
  put_compact(b, script.size());
  put_bytes(b, script.data(), script.size());
}

Hash32 sha256d(const Bytes& b) {
  const Hash32 once = sha256(b.data(), b.size());
  return sha256(once.data(), once.size());
}

// to_spend without witness: version 0, one input spending 000..000:0xFFFFFFFF with scriptSig
// OP_0 PUSH32 message_hash and sequence 0, one output of 0 paying the message challenge.
Bytes to_spend_tx(const Bytes& script_pubkey, std::string_view message) {
  const Hash32 mh = bip322_message_hash(message);
  Bytes tx;
  put_u32(tx, 0);      // version
  put_compact(tx, 1);  // inputs
  tx.insert(tx.end(), 32, 0);
  put_u32(tx, 0xFFFFFFFF);
  Bytes script_sig = {0x00, 0x20};
  put_bytes(script_sig, mh.data(), mh.size());
  put_script(tx, script_sig);
  put_u32(tx, 0);      // sequence
  put_compact(tx, 1);  // outputs
  put_u64(tx, 0);
  put_script(tx, script_pubkey);
  put_u32(tx, 0);  // locktime
  return tx;
}

const Bytes kOpReturn = {0x6a};

// to_sign without witness: version 0, one input spending to_spend:0 with an empty scriptSig and
// sequence 0, one output of 0 paying OP_RETURN.
Bytes to_sign_tx(const Hash32& to_spend_txid) {
  Bytes tx;
  put_u32(tx, 0);
  put_compact(tx, 1);
  put_bytes(tx, to_spend_txid.data(), to_spend_txid.size());
  put_u32(tx, 0);
  put_compact(tx, 0);  // empty scriptSig
  put_u32(tx, 0);
  put_compact(tx, 1);
  put_u64(tx, 0);
  put_script(tx, kOpReturn);
  put_u32(tx, 0);
  return tx;
}

// Splits "smp..." / legacy base64 into the witness bytes.
Bip322Error decode_simple(std::string_view signature, Bytes& witness) {
  if (signature.substr(0, 3) == "ful") return Bip322Error::kFullFormat;
  if (signature.substr(0, 3) == "pof") return Bip322Error::kProofOfFunds;
  if (signature.substr(0, 3) == "smp") signature.remove_prefix(3);
  auto raw = from_base64(signature);
  if (!raw) return Bip322Error::kBadEncoding;
  witness = std::move(*raw);
  return Bip322Error::kValid;
}

}  // namespace

namespace {

// Why a BIP-322 signature was refused, as people read it.
constexpr EnumName<Bip322Error> kBip322Reasons[] = {
    {Bip322Error::kValid, "valid"},
    {Bip322Error::kBadEncoding, "signature is not valid base64"},
    {Bip322Error::kFullFormat,
     "the full BIP-322 variant (\"ful\") is not accepted; sign with the simple form"},
    {Bip322Error::kProofOfFunds, "proof-of-funds signatures (\"pof\") are not accepted"},
    {Bip322Error::kUnsupportedAddress, "only P2TR (bc1p...) addresses are supported"},
    {Bip322Error::kBadWitness,
     "the witness is not a single 64-byte key-path signature (SIGHASH_DEFAULT)"},
    {Bip322Error::kBadPublicKey, "not a valid x-only public key"},
    {Bip322Error::kInvalidSignature, "invalid signature"},
};

}  // namespace

std::string_view to_string(Bip322Error e) noexcept {
  return name_in(kBip322Reasons, e, "invalid signature");
}

Hash32 bip322_message_hash(std::string_view message) {
  return tagged_hash("BIP0322-signed-message", reinterpret_cast<const uint8_t*>(message.data()),
                     message.size());
}

Hash32 bip322_to_spend_txid(const Bytes& script_pubkey, std::string_view message) {
  return sha256d(to_spend_tx(script_pubkey, message));
}

Hash32 bip322_to_sign_txid(const Bytes& script_pubkey, std::string_view message) {
  return sha256d(to_sign_tx(bip322_to_spend_txid(script_pubkey, message)));
}

Hash32 bip322_taproot_sighash(const Bytes& script_pubkey, std::string_view message) {
  const Hash32 spend = bip322_to_spend_txid(script_pubkey, message);
  auto single_sha = [](const Bytes& b) { return sha256(b.data(), b.size()); };
  Bytes prevouts;
  put_bytes(prevouts, spend.data(), spend.size());
  put_u32(prevouts, 0);
  Bytes amounts;
  put_u64(amounts, 0);
  Bytes scripts;
  put_script(scripts, script_pubkey);
  Bytes sequences;
  put_u32(sequences, 0);
  Bytes outputs;
  put_u64(outputs, 0);
  put_script(outputs, kOpReturn);

  // BIP-341 SigMsg for hash_type 0x00 (SIGHASH_DEFAULT), key path, no annex, input 0, prefixed
  // with the epoch byte 0x00.
  Bytes msg = {0x00, 0x00};
  put_u32(msg, 0);  // nVersion
  put_u32(msg, 0);  // nLockTime
  for (const Bytes* part : {&prevouts, &amounts, &scripts, &sequences}) {
    const Hash32 h = single_sha(*part);
    put_bytes(msg, h.data(), h.size());
  }
  const Hash32 ho = single_sha(outputs);
  put_bytes(msg, ho.data(), ho.size());
  msg.push_back(0x00);  // spend_type
  put_u32(msg, 0);      // input index
  return tagged_hash("TapSighash", msg.data(), msg.size());
}

std::string txid_hex(const Hash32& txid) {
  Hash32 r;
  for (size_t i = 0; i < 32; ++i) r[i] = txid[31 - i];
  return to_hex(r.data(), r.size());
}

std::optional<std::string> p2tr_address(const XOnlyKey& internal_key, std::string_view hrp) {
  const auto q = taproot_output_key(internal_key);
  if (!q) return std::nullopt;
  return encode_segwit_address({std::string(hrp), 1, Bytes(q->begin(), q->end())});
}

std::string bip322_sign_simple(const SecretKey& key, std::string_view message) {
  const auto q = taproot_output_key(key.public_key());
  const Bytes spk = script_pubkey({"bc", 1, Bytes(q->begin(), q->end())});
  const Signature64 sig = taproot_sign(key, bip322_taproot_sighash(spk, message));
  Bytes witness = {0x01, 0x40};
  put_bytes(witness, sig.data(), sig.size());
  return "smp" + to_base64(witness);
}

Bip322Error bip322_verify_simple(const VerifyKey& output_key, std::string_view message,
                                 std::string_view signature) {
  Bytes witness;
  if (auto e = decode_simple(signature, witness); e != Bip322Error::kValid) return e;
  // Exactly one stack item of 64 bytes: a key-path spend with SIGHASH_DEFAULT.
  if (witness.size() != 66 || witness[0] != 0x01 || witness[1] != 0x40)
    return Bip322Error::kBadWitness;
  const XOnlyKey& q = output_key.bytes();
  const Bytes spk = script_pubkey({"bc", 1, Bytes(q.begin(), q.end())});
  const Hash32 sighash = bip322_taproot_sighash(spk, message);
  Signature64 sig;
  std::copy(witness.begin() + 2, witness.end(), sig.begin());
  return output_key.verify(sig, sighash.data(), sighash.size()) ? Bip322Error::kValid
                                                                : Bip322Error::kInvalidSignature;
}

Bip322Error bip322_verify_simple(const XOnlyKey& output_key, std::string_view message,
                                 std::string_view signature) {
  const auto key = VerifyKey::parse(output_key);
  if (!key) {
    // Keep the encoding errors first: they say more than the key.
    Bytes witness;
    if (auto e = decode_simple(signature, witness); e != Bip322Error::kValid) return e;
    return Bip322Error::kBadPublicKey;
  }
  return bip322_verify_simple(*key, message, signature);
}

Bip322Error bip322_verify_with_internal_key(const XOnlyKey& internal_key, std::string_view message,
                                            std::string_view signature) {
  const auto q = taproot_output_key(internal_key);
  if (!q) return Bip322Error::kBadPublicKey;
  return bip322_verify_simple(*q, message, signature);
}

Bip322Error bip322_verify_with_address(std::string_view address, std::string_view message,
                                       std::string_view signature) {
  const auto a = decode_segwit_address(address);
  if (!a || a->version != 1 || a->program.size() != 32) return Bip322Error::kUnsupportedAddress;
  XOnlyKey q;
  std::copy(a->program.begin(), a->program.end(), q.begin());
  return bip322_verify_simple(q, message, signature);
}

}  // namespace aegis::crypto
