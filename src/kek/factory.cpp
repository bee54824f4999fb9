// get_kek_provider: the providers by name, and "auto".
#include <openssl/crypto.h>

#include <algorithm>

#include "aegis/kek/errors.h"
#include "aegis/kek/hsm.h"
#include "aegis/kek/kek.h"
#include "aegis/kek/kms.h"

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
  return Error(errors::kKekProvider, "provider",
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

std::vector<KekProviderStatus> kek_status() {
  std::vector<KekProviderStatus> out;
  for (const char* t : {"kms", "hsm", "environment", "in_memory"}) {
    KekProviderStatus st;
    st.type = t;
    auto p = make(t);
    if (!p) {
      st.error = p.error();
      st.working = false;
      out.push_back(std::move(st));
      continue;
    }
    st.missing = p.value()->missing();
    if (st.missing.empty()) {
      st.error = p.value()->self_test();
      st.working = !st.error;
    }
    st.metadata = p.value()->metadata();
    st.holds_private_key = p.value()->holds_private_key();
    out.push_back(std::move(st));
  }
  return out;
}

nlohmann::json kek_status_json() {
  nlohmann::json providers = nlohmann::json::array();
  for (const KekProviderStatus& s : kek_status()) {
    nlohmann::json p = {{"type", s.type},
                        {"configured", s.missing.empty() && s.metadata.has_value()},
                        {"missing", s.missing},
                        {"working", s.working ? nlohmann::json(*s.working) : nlohmann::json()},
                        {"holds_private_key", s.holds_private_key}};
    if (s.metadata) {
      p["key_id"] = s.metadata->key_id;
      p["algorithm"] = s.metadata->algorithm;
    }
    if (s.error) p["error"] = {{"code", s.error->detail}, {"message", s.error->message}};
    providers.push_back(std::move(p));
  }
  return {{"providers", std::move(providers)},
          {"KMS_KEK_AVAILABLE", kKmsKekAvailable},
          {"HSM_KEK_AVAILABLE", kHsmKekAvailable},
          {"HYBRID_KEM_AVAILABLE", kHybridKemAvailable}};
}

std::string wrapped_key_variable(std::string_view provider_type) {
  if (provider_type == "kms") return "AEGIS_KMS_WRAPPED_PRIVATE_KEY";
  if (provider_type == "hsm") return "AEGIS_HSM_WRAPPED_PRIVATE_KEY";
  if (provider_type == "environment") return "AEGIS_WRAPPED_PRIVATE_KEY";
  return "";
}

Result<ProvisionedKey> provision_hybrid_key(KEKProvider& provider) {
  const KEKMetadata meta = provider.metadata();
  const std::string variable = wrapped_key_variable(meta.provider_type);
  if (variable.empty())
    return Error(errors::kKekProvision, "provider",
                 "the in_memory KEK ends with the process: provision with kms, hsm or "
                 "environment");
  auto sk = crypto::xwing::generate_private_key();
  try {
    ProvisionedKey out{crypto::xwing::public_key(sk), provider.wrap(sk), variable, meta};
    KekBytes back = provider.unwrap(out.wrapped_private_key);
    const bool same = back.size() == sk.size() && std::equal(back.begin(), back.end(), sk.begin());
    OPENSSL_cleanse(back.data(), back.size());
    OPENSSL_cleanse(sk.data(), sk.size());
    if (!same)
      return Error{errors::kKekSelfTest, "", "the provider did not unwrap the new key to itself"};
    out.metadata = provider.metadata();
    return out;
  } catch (const AegisError& e) {
    OPENSSL_cleanse(sk.data(), sk.size());
    return e.error();
  }
}

}  // namespace aegis
