// `aegis keygen`, `aegis override hash|sign|verify`, `aegis signature sign|verify`.
#include "aegis/workflow/override.h"

#include <cstdio>

#include "aegis/core/json.h"
#include "aegis/crypto/keyfile.h"
#include "aegis/server/server_config.h"
#include "aegis/workflow/errors.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {
namespace {

void print(const nlohmann::json& j) {
  std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

std::vector<std::string> split_gates(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    const std::string g =
        list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!g.empty()) out.push_back(g);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

int run_keygen(const std::string& output) {
  const crypto::SecretKey key = crypto::SecretKey::generate();
  auto written = crypto::write_key_file(output, key);
  if (!written) return report_error(written.error());
  const auto pub = key.public_key();
  print({{"public_key", crypto::to_hex(pub.data(), pub.size())},
         {"address", *crypto::p2tr_address(pub)},
         {"key_file", output}});
  return 0;
}

int run_override_hash(const std::string& proposal_id, const std::string& justification,
                      const std::string& failed_gates,
                      const std::optional<OverrideBinding>& binding, int64_t expires_at_ms) {
  const auto gates = split_gates(failed_gates);
  if (proposal_id.empty() || gates.empty())
    return report_error(Error(errors::kCliUsage,
                              proposal_id.empty() ? "proposal_id" : "failed_gates",
                              "--proposal-id and --failed-gates are required"));
  for (const auto& g : gates) {
    if (g == "complexity")
      return report_error(Error(errors::kOverrideComplexityNotOverridable, "failed_gates",
                                "the complexity floor can never be overridden"));
  }
  try {
    if (binding && !binding->context_hash.empty() &&
        (binding->context_hash.size() != 64 || !crypto::from_hex(binding->context_hash)))
      return report_error(
          Error(errors::kCliUsage, "context_hash", "--context-hash must be 64 hex digits"));
    nlohmann::json out = {
        {"message_hash", binding ? create_bound_message_hash(proposal_id, justification, gates,
                                                             *binding, expires_at_ms)
                                 : create_message_hash(proposal_id, justification, gates)},
        {"proposal_id", proposal_id},
        {"failed_gates", gates}};
    if (binding) out["override_id"] = binding->override_id;
    print(out);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  return 0;
}

int run_override_sign(const std::string& key_path, const std::string& hash) {
  if (hash.size() != 64 || !crypto::from_hex(hash))
    return report_error(Error(errors::kCliUsage, "hash", "--hash must be 64 hex digits"));
  auto key = crypto::read_key_file(key_path);
  if (!key) return report_error(key.error());
  const auto pub = key.value().public_key();
  print({{"signature", BIP322Provider::sign(hash, key.value())},
         {"public_key", crypto::to_hex(pub.data(), pub.size())},
         {"address", *crypto::p2tr_address(pub)}});
  return 0;
}

int run_override_verify(const std::string& request_path, const std::optional<std::string>& config) {
  auto text = read_input(request_path, 1 << 20);
  if (!text) return report_error(text.error());
  std::optional<CustodianRegistry> registry;
  if (config) {  // read whole and strictly, as every command reads a config
    auto file = load_config_file(*config);
    if (!file) return report_error(file.error());
    if (!file.value().custodians.empty()) registry = std::move(file.value().custodians);
  }
  try {
    const auto j = parse_json_strict(text.value());
    auto str = [&](const char* k) {
      if (!j.contains(k) || !j[k].is_string())
        throw AegisError(
            Error(errors::kCliOverrideRequest, k, std::string(k) + " must be a string"));
      return j[k].get<std::string>();
    };
    if (!j.contains("failed_gates") || !j["failed_gates"].is_array())
      throw AegisError(Error(errors::kCliOverrideRequest, "failed_gates",
                             "failed_gates must be a list of gate names"));
    std::vector<std::string> gates;
    for (const auto& g : j["failed_gates"]) {
      if (!g.is_string())
        throw AegisError(Error(errors::kCliOverrideRequest, "failed_gates",
                               "failed_gates must be a list of gate names"));
      gates.push_back(g.get<std::string>());
    }
    OverrideWorkflow w(str("proposal_id"), str("justification"), gates, str("requested_by"),
                       std::chrono::hours(24), registry ? &*registry : nullptr);
    if (!j.contains("signatures") || !j["signatures"].is_array())
      throw AegisError(
          Error(errors::kCliOverrideRequest, "signatures", "signatures must be a list"));
    for (const auto& s : j["signatures"]) {
      auto field = [&](const char* k) {
        return s.contains(k) && s[k].is_string() ? s[k].get<std::string>() : std::string();
      };
      if (w.add_signature(field("actor_id"), field("role"), field("signature"),
                          field("public_key")) != OverrideRejection::kNone)
        break;
    }
    const OverrideResult r = w.get_result();
    std::string reason(to_string(r.reason));
    std::string message = r.reason_message;
    if (r.state == OverrideState::PARTIAL || r.state == OverrideState::PENDING) {
      reason = "incomplete";
      message = "both risk_lead and security_lead must sign";
    }
    print({{"approved", r.approved},
           {"state", to_string(r.state)},
           {"reason", r.approved ? "none" : reason},
           {"message", message},
           {"message_hash", w.message_hash()},
           {"registry", registry ? "config" : "none"}});
    return r.approved ? 0 : 1;
  } catch (const nlohmann::json::exception&) {
    return report_error(Error(errors::kCliOverrideRequest, "",
                              request_path + ": not an override request (a JSON object "
                                             "with the fields the README lists)"));
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
}

int run_signature_sign(const std::string& key_path, const std::string& message) {
  auto key = crypto::read_key_file(key_path);
  if (!key) return report_error(key.error());
  print({{"signature", BIP322Provider::sign(message, key.value())},
         {"address", *crypto::p2tr_address(key.value().public_key())}});
  return 0;
}

int run_signature_verify(const std::string& message, const std::optional<std::string>& pubkey,
                         const std::optional<std::string>& address, const std::string& signature) {
  if (pubkey.has_value() == address.has_value())
    return report_error(
        Error(errors::kCliUsage, "pubkey", "give exactly one of --pubkey or --address"));
  crypto::Bip322Error e;
  if (pubkey) {
    const auto k = crypto::from_hex(*pubkey);
    if (!k || k->size() != 32)
      return report_error(Error(errors::kCliUsage, "pubkey", "--pubkey must be 64 hex digits"));
    crypto::XOnlyKey p;
    std::copy(k->begin(), k->end(), p.begin());
    e = crypto::bip322_verify_with_internal_key(p, message, signature);
  } else {
    e = crypto::bip322_verify_with_address(*address, message, signature);
  }
  if (e == crypto::Bip322Error::kUnsupportedAddress || e == crypto::Bip322Error::kBadPublicKey)
    return report_error(
        Error(errors::kCliUsage, pubkey ? "pubkey" : "address", std::string(crypto::to_string(e))));
  print({{"valid", e == crypto::Bip322Error::kValid}, {"reason", crypto::to_string(e)}});
  return e == crypto::Bip322Error::kValid ? 0 : 1;
}

}  // namespace aegis::cli
