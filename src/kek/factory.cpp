// get_kek_provider: the providers by name, and "auto".
#include "aegis/kek.h"
#include "aegis/kek_hsm.h"
#include "aegis/kek_kms.h"

namespace aegis {
namespace {

Result<std::unique_ptr<KEKProvider>> make(std::string_view type) {
  auto up = [](auto r) -> Result<std::unique_ptr<KEKProvider>> {
    if (!r) return r.error();
    return std::unique_ptr<KEKProvider>(std::move(r).value());
  };
  if (type == "kms") return up(AWSKMSKEKProvider::from_environment());
  if (type == "hsm") return up(HSMKEKProvider::from_environment());
  if (type == "environment") return up(EnvironmentKEKProvider::from_environment());
  if (type == "in_memory") return std::unique_ptr<KEKProvider>(new InMemoryKEKProvider());
  return invalid_input("kek.provider", "provider",
                       "unknown KEK provider \"" + std::string(type) +
                           "\" (expected auto, kms, hsm, environment or in_memory)");
}

}  // namespace

Result<std::unique_ptr<KEKProvider>> get_kek_provider(std::string_view type) {
  if (type == "auto") {
    for (const char* t : {"kms", "hsm", "environment"}) {
      auto p = make(t);
      if (!p) return p.error();  // a malformed variable is an error, not a reason to go on
      if (p.value()->configured()) return p;
    }
    return make("in_memory");
  }
  auto p = make(type);
  if (!p) return p;
  // A provider asked for by name must be usable: configured, and its round trip working.
  if (auto why = p.value()->self_test()) return *why;
  return p;
}

}  // namespace aegis
