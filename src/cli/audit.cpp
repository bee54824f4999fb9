// `aegis audit verify|export --db URL`.
#include <cstdio>

#include "aegis/core/json.h"
#include "aegis/store/store.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {

int run_audit_verify(const std::string& db) {
  try {
    const auto store = Store::open(db, Store::OpenMode::kExisting);
    const ChainVerification v = store->verify_chain();
    // The count and head hash let an operator compare with an earlier run: a chain whose tail
    // was cut off is still self-consistent.
    nlohmann::json out = {{"intact", v.intact}, {"entries", v.entries}, {"head_hash", v.head_hash}};
    if (!v.intact) {
      if (v.first_broken_seq) out["first_broken_seq"] = v.first_broken_seq;
      out["problem"] = v.problem;
    }
    std::printf("%s\n", out.dump().c_str());
    return v.intact ? 0 : 1;
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
}

int run_audit_export(const std::string& db) {
  try {
    const auto store = Store::open(db, Store::OpenMode::kExisting);
    bool ok = true;
    store->for_each_entry([&](const AuditEntry& e) {
      ok = write_all(stdout, audit_entry_to_json(e) + "\n");
      return ok;
    });
    return ok && std::fflush(stdout) == 0 ? 0 : kExitInternal;
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
}

}  // namespace aegis::cli
