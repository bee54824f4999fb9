// Segwit addresses (BIP-173 bech32 for version 0, BIP-350 bech32m for versions 1-16), e.g. P2TR
// `bc1p...`. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aegis/crypto/encoding.h"

namespace aegis::crypto {

struct SegwitAddress {
  std::string hrp;  // "bc" (mainnet), "tb" (testnet/signet) or "bcrt" (regtest)
  int version = 0;  // witness version, 0..16
  Bytes program;    // 2..40 bytes (v0: 20 or 32)
};

// Decodes and checks every rule of BIP-173/350 (checksum variant per version, single case,
// length ≤ 90, program sizes, padding). Returns nullopt with `why` set on failure.
std::optional<SegwitAddress> decode_segwit_address(std::string_view address,
                                                   std::string* why = nullptr);
// Encodes; nullopt when the fields break the rules.
std::optional<std::string> encode_segwit_address(const SegwitAddress& address);

// The scriptPubKey an address pays to: OP_n <program>.
Bytes script_pubkey(const SegwitAddress& address);

}  // namespace aegis::crypto
