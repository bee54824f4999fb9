// libFuzzer target for the HTTP request bodies of `aegis serve`: the strict JSON reader, the batch
// array splitter and every workflow route behind them (proposals, overrides, consensus, drift) on
// an in-memory store. The first byte picks the route. Every answer is JSON with a 2xx/4xx status
// — never a 5xx, a crash or an escaped exception.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "aegis/core/json.h"
#include "aegis/workflow/workflow_api.h"

namespace {

struct Fixture {
  aegis::AegisConfig config;
  std::unique_ptr<aegis::Store> store = aegis::Store::open("sqlite::memory:");
  std::mutex store_lock;
  aegis::RBACEnforcer rbac;
  aegis::CustodianRegistry custodians = registry();
  aegis::DecisionLog log{*store, store_lock};
  aegis::DecisionService service{config, &log};
  aegis::WorkflowApi api{config, *store, store_lock, rbac, custodians, service};
  std::string override_id;

  Fixture() {
    rbac.assign("admin", aegis::ActorRole::ADMIN);
    rbac.assign("sec", aegis::ActorRole::SECURITY_LEAD);
    api.create_proposal("admin", R"({"proposal_id": "p1", "context": {"risk_proposed": 0.9}})");
    api.create_consensus("admin", R"({"consensus_id": "c1"})");
    const auto o = api.create_override(
        "requester", R"({"proposal_id": "p1", "justification": "j", "failed_gates": ["risk"]})");
    override_id = o.value().body.at("override_id");
  }

  static aegis::CustodianRegistry registry() {
    const auto risk = aegis::BIP322Provider::generate_keypair();
    const auto security = aegis::BIP322Provider::generate_keypair();
    auto r = aegis::CustodianRegistry::parse_yaml(
        "custodians:\n  - {actor_id: admin, role: risk_lead, public_key: \"" + risk.public_key +
            "\"}\n  - {actor_id: sec, role: security_lead, public_key: \"" + security.public_key +
            "\"}\n",
        "fuzz");
    if (!r) std::abort();
    return std::move(r).value();
  }
};

constexpr const char* kActions[] = {"submit",   "analyze", "approve",  "reject", "execute",
                                    "complete", "fail",    "withdraw", "launch"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  aegis::WorkflowResult r = aegis::Error{};
  switch (data[0] % 10) {
    case 0:
      r = f.api.create_proposal("admin", body);
      break;
    case 1:
      r = f.api.proposal_step("admin", "p1", kActions[data[0] / 10 % 9], body);
      break;
    case 2:
      r = f.api.create_override("admin", body);
      break;
    case 3:
      r = f.api.sign_override("admin", f.override_id, body);
      break;
    case 4:
      r = f.api.create_consensus("admin", body);
      break;
    case 5:
      r = f.api.vote("admin", "c1", body);
      break;
    case 6:
      r = f.api.set_drift_baseline("admin", body);
      break;
    case 7:
      r = f.api.add_drift_observations(body);
      break;
    default: {
      // The strict reader: what it accepts survives canonical JSON and reads back the same.
      const auto read = aegis::read_json(body);
      if (read) {
        const auto again = aegis::read_json(aegis::canonical_json(read.value()));
        if (!again || again.value() != read.value()) std::abort();
      }
      if (const auto items = aegis::split_json_array(body)) {
        for (std::string_view item : items.value())
          if (item.data() < body.data() || item.data() + item.size() > body.data() + body.size())
            std::abort();
      }
      return 0;
    }
  }
  if (!r && aegis::kind_info(r.error().kind).http_status >= 500) std::abort();  // never a 5xx
  if (r && !r.value().body.is_object()) std::abort();
  return 0;
}
