// `aegis audit verify|export --db URL`.
#include <cstdio>

#include "aegis/json.h"
#include "aegis/store.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {

int run_audit_verify(const std::string& db) {
  try {
    const auto store = Store::open(db);
    const ChainVerification v = store->verify_chain();
    nlohmann::json out = {{"intact", v.intact}, {"entries", v.entries}};
    if (!v.intact) {
      out["first_broken_seq"] = v.first_broken_seq;
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
    const auto store = Store::open(db);
    std::string line;
    bool ok = true;
    store->for_each_entry([&](const AuditEntry& e) {
      line.clear();
      line += "{\"body\":" + e.body + ",\"entry_hash\":";
      append_string(line, e.entry_hash);
      line += ",\"id\":";
      append_string(line, e.id);
      line += ",\"kind\":";
      append_string(line, e.kind);
      line += ",\"prev_hash\":";
      append_string(line, e.prev_hash);
      line += ",\"seq\":" + std::to_string(e.seq) + ",\"time\":";
      append_string(line, e.time);
      line += "}\n";
      ok = write_all(stdout, line);
      return ok;
    });
    return ok && std::fflush(stdout) == 0 ? 0 : kExitInternal;
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
}

}  // namespace aegis::cli
