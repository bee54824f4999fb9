#include "aegis/crypto/keyfile.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "aegis/core/names.h"
#include "aegis/crypto/encoding.h"
#include "aegis/crypto/errors.h"

namespace aegis::crypto {
namespace {

// A string that wipes its buffer.
struct SecretString {
  std::string s;
  ~SecretString() { OPENSSL_cleanse(s.data(), s.capacity()); }
};

constexpr std::string_view kHeader = "aegis-key: ";

// Each kind's token in the file's header line (its name) and how people call it.
struct KeyKindRow {
  KeyKind value;
  std::string_view name;
  std::string_view description;
};
constexpr KeyKindRow kKeyKinds[] = {
    {KeyKind::kCustodian, "custodian-bip340", "custodian BIP-340 key"},
    {KeyKind::kAttestation, "attestation-ed25519", "attestation Ed25519 key"},
    {KeyKind::kXWing, "xwing", "X-Wing key"},
};

std::string_view token(KeyKind kind) noexcept { return name_in(kKeyKinds, kind); }

}  // namespace

std::string_view describe(KeyKind kind) noexcept {
  return kKeyKinds[static_cast<size_t>(kind)].description;
}

Result<bool> write_key_bytes(const std::string& path, const KeyBytes& key, KeyKind kind) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error(errors::kKeyFileCreate, "output",
                 path + ": cannot create key file (" + std::strerror(errno) +
                     "); an existing file is never overwritten");
  }
  SecretString body;
  body.s = std::string(kHeader) + std::string(token(kind)) + "\n" + to_hex(key.data(), key.size()) +
           "\n";
  const bool ok = ::write(fd, body.s.data(), body.s.size()) == static_cast<ssize_t>(body.s.size());
  const bool synced = ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!ok || !synced || !closed) {
    ::unlink(path.c_str());
    return Error{errors::kKeyFileWrite, "output", path + ": write failed"};
  }
  return true;
}

Result<KeyBytes> read_key_bytes(const std::string& path, KeyKind kind) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Error{errors::kKeyFileNotFound, "key", path + ": " + std::strerror(errno)};
  if (st.st_mode & 077)
    return Error(errors::kKeyFilePermissions, "key",
                 path + ": key file is readable by others; chmod 600 it");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(errors::kKeyFileInvalid, "key", path + ": " + std::strerror(errno));
  SecretString text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.s.size() < 65536) text.s.append(buf, n);
  OPENSSL_cleanse(buf, sizeof buf);
  ::close(fd);
  SecretString hex;
  if (text.s.rfind(kHeader, 0) == 0) {  // this version: the kind, then the bytes
    const size_t eol = text.s.find('\n');
    const std::string said =
        text.s.substr(kHeader.size(), eol == std::string::npos ? 0 : eol - kHeader.size());
    std::optional<KeyKind> found;
    for (const KeyKind k : {KeyKind::kCustodian, KeyKind::kAttestation, KeyKind::kXWing})
      if (said == token(k)) found = k;
    if (!found)
      return Error(errors::kKeyFileInvalid, "key",
                   path + ": unknown key kind \"" + said.substr(0, 40) + "\"");
    if (*found != kind)
      return Error(errors::kKeyFileWrongKind, "key",
                   path + " holds a " + std::string(describe(*found)) +
                       ", but this command needs a " + std::string(describe(kind)));
    hex.s = text.s.substr(eol + 1);
    if (!hex.s.empty() && hex.s.back() == '\n') hex.s.pop_back();
  } else if (!text.s.empty() && text.s.front() == '{') {  // the former custodian format
    try {
      const auto j = nlohmann::json::parse(text.s);
      hex.s = j.at("secret_key").get<std::string>();
    } catch (const nlohmann::json::exception&) {
      return Error(errors::kKeyFileInvalid, "key", path + ": not an aegis key file");
    }
  } else {
    hex.s = text.s;
    if (!hex.s.empty() && hex.s.back() == '\n') hex.s.pop_back();
  }
  auto bytes = hex.s.size() == 64 ? from_hex(hex.s) : std::nullopt;
  if (!bytes)
    return Error(errors::kKeyFileInvalid, "key",
                 path + ": not an aegis key file (64 hex digits and a newline)");
  KeyBytes key;
  std::memcpy(key.data(), bytes->data(), key.size());
  OPENSSL_cleanse(bytes->data(), bytes->size());
  return key;
}

Result<bool> write_key_file(const std::string& path, const SecretKey& key) {
  KeyBytes bytes;
  std::memcpy(bytes.data(), key.data(), bytes.size());
  auto r = write_key_bytes(path, bytes, KeyKind::kCustodian);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return r;
}

Result<SecretKey> read_key_file(const std::string& path) {
  auto bytes = read_key_bytes(path, KeyKind::kCustodian);
  if (!bytes) return bytes.error();
  auto key = SecretKey::from_bytes(bytes.value().data(), bytes.value().size());
  OPENSSL_cleanse(bytes.value().data(), bytes.value().size());
  if (!key)
    return Error(errors::kKeyFileInvalid, "key", path + ": not a valid secp256k1 secret key");
  return *key;
}

Result<bool> write_ed25519_key_file(const std::string& path, const Ed25519Key& key) {
  KeyBytes seed = key.seed();
  auto r = write_key_bytes(path, seed, KeyKind::kAttestation);
  OPENSSL_cleanse(seed.data(), seed.size());
  return r;
}

Result<Ed25519Key> read_ed25519_key_file(const std::string& path) {
  auto bytes = read_key_bytes(path, KeyKind::kAttestation);
  if (!bytes) return bytes.error();
  try {
    Ed25519Key key{std::span<const uint8_t, 32>(bytes.value())};
    OPENSSL_cleanse(bytes.value().data(), bytes.value().size());
    return key;
  } catch (const AegisError& e) {
    OPENSSL_cleanse(bytes.value().data(), bytes.value().size());
    return e.error();
  }
}

}  // namespace aegis::crypto
