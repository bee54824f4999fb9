// Two-key overrides: DualSignatureValidator, OverrideWorkflow, OverrideResult, Approver,
// BIP322Provider, CustodianRegistry, SecretKey.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <chrono>

#include "aegis/workflow/errors.h"
#include "bindings.h"

namespace aegis::python {
namespace {

using crypto::SecretKey;

// Lets Python classes implement SignatureVerifier.
class PySignatureVerifier : public SignatureVerifier {
 public:
  bool verify(std::string_view message, std::string_view signature,
              std::string_view public_key) const override {
    PYBIND11_OVERRIDE_PURE(bool, SignatureVerifier, verify, message, signature, public_key);
  }
  std::string algorithm_name() const override {
    PYBIND11_OVERRIDE_PURE(std::string, SignatureVerifier, algorithm_name, );
  }
};

SecretKey secret_from(py::handle key) {
  if (py::isinstance<SecretKey>(key)) return key.cast<SecretKey>();
  if (py::isinstance<py::bytes>(key)) {
    const std::string b = key.cast<std::string>();
    if (auto k = SecretKey::from_bytes(reinterpret_cast<const uint8_t*>(b.data()), b.size()))
      return *k;
  }
  throw InvalidInputError(
      Error(errors::kOverrideInvalid, "secret_key", "secret_key must be a SecretKey or 32 bytes"));
}

}  // namespace

void bind_override(py::module_& m) {
  bind_enum<OverrideState>(m, "State of a two-key override.");
  bind_enum<OverrideRejection>(m, "Why an override signature was refused (NONE: accepted).");

  py::class_<SecretKey>(m, "SecretKey", "A secp256k1 secret key; never printed, wiped when freed.")
      .def_static("generate", &SecretKey::generate)
      .def_property_readonly("public_key",
                             [](const SecretKey& k) {
                               const auto p = k.public_key();
                               return crypto::to_hex(p.data(), p.size());
                             })
      .def("__repr__", [](const SecretKey&) { return std::string("SecretKey(<hidden>)"); });

  py::class_<SignatureVerifier, PySignatureVerifier>(m, "SignatureVerifier",
                                                     "Base class of pluggable signature verifiers.")
      .def(py::init<>())
      .def("verify", &SignatureVerifier::verify, py::arg("message"), py::arg("signature"),
           py::arg("public_key"))
      .def_property_readonly("algorithm_name", &SignatureVerifier::algorithm_name);

  py::class_<BIP322Provider, SignatureVerifier>(m, "BIP322Provider",
                                                "BIP-322 simple signatures for P2TR key paths.")
      .def(py::init<>())
      .def(
          "verify",
          [](const BIP322Provider& p, const std::string& message, const std::string& signature,
             const PublicKey& public_key) { return p.verify(message, signature, public_key); },
          py::arg("message"), py::arg("signature"), py::arg("public_key"),
          py::call_guard<py::gil_scoped_release>(),
          "public_key: 32 raw bytes, 64 hex digits, base64 of the 32 bytes, or a P2TR address.")
      .def_static(
          "generate_keypair",
          [] {
            auto kp = BIP322Provider::generate_keypair();
            return py::make_tuple(kp.secret_key, kp.public_key, kp.address);
          },
          "(secret_key, public_key_hex, p2tr_address)")
      .def_static(
          "sign",
          [](std::string_view message, py::handle secret_key) {
            return BIP322Provider::sign(message, secret_from(secret_key));
          },
          py::arg("message"), py::arg("secret_key"));

  m.def("create_message_hash", &create_message_hash, py::arg("proposal_id"),
        py::arg("justification"), py::arg("failed_gates"));

  py::class_<DualSignatureValidator>(m, "DualSignatureValidator",
                                     "Checks the two custodian signatures of an override.")
      .def(py::init<>())
      .def_static("create_message_hash", &DualSignatureValidator::create_message_hash,
                  py::arg("proposal_id"), py::arg("justification"), py::arg("failed_gates"))
      .def_static(
          "validate",
          [](const std::string& message_hash, const std::string& risk_signature,
             const PublicKey& risk_public_key, const std::string& security_signature,
             const PublicKey& security_public_key) {
            return DualSignatureValidator::validate(message_hash, risk_signature, risk_public_key,
                                                    security_signature, security_public_key);
          },
          py::arg("message_hash"), py::arg("risk_signature"), py::arg("risk_public_key"),
          py::arg("security_signature"), py::arg("security_public_key"),
          py::call_guard<py::gil_scoped_release>(),
          "OverrideRejection.NONE when both verify under two different keys.");

  py::class_<CustodianRegistry>(m, "CustodianRegistry", "Trusted custodians (actor, role, key).")
      .def(py::init([](const std::vector<std::tuple<std::string, std::string, PublicKey>>& list) {
             std::vector<Custodian> cs;
             for (const auto& [actor, role, key] : list) {
               const auto b = crypto::from_hex(key.value);
               if (!b || b->size() != 32)
                 throw InvalidInputError(Error(errors::kOverrideRegistry, "public_key",
                                               "public_key must be 64 hex digits or 32 raw bytes"));
               crypto::XOnlyKey k;
               std::copy(b->begin(), b->end(), k.begin());
               cs.push_back({actor, role, k});
             }
             return CustodianRegistry(std::move(cs));
           }),
           py::arg("custodians"),
           "custodians: [(actor_id, role, public_key), ...], the x-only key as 64 hex digits or 32 "
           "raw bytes")
      .def_static("from_yaml",
                  [](py::object path) {
                    auto r = CustodianRegistry::load_yaml(
                        py::module_::import("os").attr("fspath")(path).cast<std::string>());
                    if (!r) throw_error(r.error());
                    return std::move(r).value();
                  })
      .def("__len__", &CustodianRegistry::size);

  // A value type for the dataclass facade; signatures are dicts {actor_id, role, public_key,
  // signature, signed_at}.
  py::class_<OverrideResult>(m, "OverrideResult", "The outcome of an override workflow.")
      .def(py::init<>())
      .def_readwrite("approved", &OverrideResult::approved)
      .def_readwrite("state", &OverrideResult::state)
      .def_property(
          "expires_at", [](const OverrideResult& r) { return to_datetime(r.expires_at); },
          [](OverrideResult& r, py::handle t) { r.expires_at = from_datetime(t, "expires_at"); })
      .def_property(
          "signatures",
          [](const OverrideResult& r) {
            py::list l;
            for (const auto& s : r.signatures)
              l.append(py::dict(py::arg("actor_id") = s.actor_id, py::arg("role") = s.role,
                                py::arg("public_key") = s.public_key,
                                py::arg("signature") = s.signature,
                                py::arg("signed_at") = to_datetime(s.signed_at)));
            return l;
          },
          [](OverrideResult& r, const py::list& l) {
            r.signatures.clear();
            for (auto item : l) {
              const py::dict d = py::reinterpret_borrow<py::dict>(item);
              r.signatures.push_back({text("actor_id", d["actor_id"]), text("role", d["role"]),
                                      text("public_key", d["public_key"]),
                                      text("signature", d["signature"]),
                                      from_datetime(d["signed_at"], "signed_at")});
            }
          })
      .def_readwrite("reason", &OverrideResult::reason)
      .def_readwrite("reason_message", &OverrideResult::reason_message);

  py::class_<OverrideWorkflow>(m, "OverrideWorkflow",
                               "Two-key override: risk_lead + security_lead.")
      .def(py::init([](std::string proposal_id, std::string justification,
                       std::vector<std::string> failed_gates, std::string requested_by,
                       py::object ttl, const CustodianRegistry* registry, py::object clock) {
             std::chrono::seconds t = std::chrono::hours(24);
             if (!ttl.is_none()) {
               const double secs = py::isinstance<py::float_>(ttl) || py::isinstance<py::int_>(ttl)
                                       ? ttl.cast<double>()
                                       : ttl.attr("total_seconds")().cast<double>();
               t = std::chrono::seconds(static_cast<int64_t>(secs));
             }
             OverrideWorkflow::Clock c;
             if (!clock.is_none()) {
               c = [clock]() {
                 py::gil_scoped_acquire gil;
                 return from_datetime(clock(), "clock");
               };
             }
             return OverrideWorkflow(std::move(proposal_id), std::move(justification),
                                     std::move(failed_gates), std::move(requested_by), t, registry,
                                     c);
           }),
           py::arg("proposal_id"), py::arg("justification"), py::arg("failed_gates"),
           py::arg("requested_by"), py::arg("ttl") = py::none(), py::arg("registry") = py::none(),
           py::arg("clock") = py::none(), py::keep_alive<1, 7>(),
           "ttl: timedelta or seconds (default 24 h); registry: trusted CustodianRegistry; clock: "
           "callable returning the current datetime (tests).")
      .def(
          "add_signature",
          [](OverrideWorkflow& w, const std::string& actor_id, const std::string& role,
             const std::string& signature, const PublicKey& public_key) {
            return w.add_signature(actor_id, role, signature, public_key);
          },
          py::arg("actor_id"), py::arg("role"), py::arg("signature"), py::arg("public_key"),
          // Keeps the GIL: the workflow is a state machine that is not thread-safe, and the GIL
          // is what makes two threads signing one workflow take turns.
          "Returns OverrideRejection.NONE when accepted; any other reason rejects the override. "
          "public_key: 32 raw bytes, 64 hex digits, base64 of the 32 bytes, or a P2TR address.")
      .def("get_result", &OverrideWorkflow::get_result)
      .def_property_readonly("message_hash", &OverrideWorkflow::message_hash)
      .def_property_readonly("state", &OverrideWorkflow::state)
      .def_property_readonly("proposal_id", &OverrideWorkflow::proposal_id)
      .def_property_readonly("failed_gates", &OverrideWorkflow::failed_gates)
      .def_property_readonly("requested_by", &OverrideWorkflow::requested_by);

  py::class_<AuthorizationResult>(m, "AuthorizationResult")
      .def_readonly("authorized", &AuthorizationResult::authorized)
      .def_readonly("message_hash", &AuthorizationResult::message_hash)
      .def_readonly("reason", &AuthorizationResult::reason)
      .def("__bool__", [](const AuthorizationResult& r) { return r.authorized; });

  py::class_<Approver, Actor>(m, "Approver",
                              "A custodian that authorizes overrides by signing them.")
      .def(py::init<std::string, std::string, bool, const SignatureVerifier*>(),
           py::arg("actor_id"), py::arg("name"), py::arg("is_risk_lead"),
           py::arg("signature_verifier") = py::none(), py::keep_alive<1, 5>())
      .def(
          "authorize_override",
          [](const Approver& a, const std::string& proposal_id,
             const std::vector<std::string>& failed_gates, const std::string& justification,
             const std::string& signature, const PublicKey& public_key) {
            return a.authorize_override(proposal_id, failed_gates, justification, signature,
                                        public_key);
          },
          py::arg("proposal_id"), py::arg("failed_gates"), py::arg("justification"),
          py::arg("signature"), py::arg("public_key"), py::call_guard<py::gil_scoped_release>(),
          "public_key: 32 raw bytes, 64 hex digits, base64 of the 32 bytes, or a P2TR address. "
          "reason names the fault as OverrideRejection does (malformed_key, bad_signature, ...).");
}

}  // namespace aegis::python
