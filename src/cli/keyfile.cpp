#include "keyfile.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "aegis/crypto/bip322.h"

namespace aegis::cli {
namespace {

// A string that wipes its buffer.
struct SecretString {
  std::string s;
  ~SecretString() { OPENSSL_cleanse(s.data(), s.size()); }
};

}  // namespace

Result<bool> write_key_file(const std::string& path, const crypto::SecretKey& key) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return invalid_input("cli.key_file", "output",
                         path + ": cannot create key file (" + std::strerror(errno) +
                             "); an existing file is never overwritten");
  }
  const auto pub = key.public_key();
  SecretString body;
  body.s = nlohmann::json{{"secret_key", crypto::to_hex(key.data(), 32)},
                          {"public_key", crypto::to_hex(pub.data(), pub.size())},
                          {"address", *crypto::p2tr_address(pub)}}
               .dump(2) +
           "\n";
  const bool ok = ::write(fd, body.s.data(), body.s.size()) == static_cast<ssize_t>(body.s.size());
  const bool closed = ::close(fd) == 0;
  if (!ok || !closed) {
    ::unlink(path.c_str());
    return Error{ErrorKind::kInternal, "cli.key_file", "output", path + ": write failed"};
  }
  return true;
}

Result<crypto::SecretKey> read_key_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Error{ErrorKind::kNotFound, "cli.not_found", "key", path + ": " + std::strerror(errno)};
  if (st.st_mode & 077)
    return invalid_input("cli.key_permissions", "key",
                         path + ": key file is readable by others; chmod 600 it");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return invalid_input("cli.key_file", "key", path + ": " + std::strerror(errno));
  SecretString text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0 && text.s.size() < 65536) text.s.append(buf, n);
  OPENSSL_cleanse(buf, sizeof buf);
  ::close(fd);
  SecretString hex;
  try {
    const auto j = nlohmann::json::parse(text.s);
    hex.s = j.at("secret_key").get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return invalid_input("cli.key_file", "key", path + ": not an aegis key file");
  }
  auto bytes = crypto::from_hex(hex.s);
  std::optional<crypto::SecretKey> key;
  if (bytes) {
    key = crypto::SecretKey::from_bytes(bytes->data(), bytes->size());
    OPENSSL_cleanse(bytes->data(), bytes->size());
  }
  if (!key) return invalid_input("cli.key_file", "key", path + ": secret_key is not a valid key");
  return *key;
}

}  // namespace aegis::cli
