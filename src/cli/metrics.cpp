// `aegis metrics [--db URL]`: the Prometheus text of the exporter, replaying a store's
// decisions when one is given.
#include "aegis/telemetry/metrics.h"

#include <cstdio>

#include "aegis/store/store.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {

int run_metrics(const std::optional<std::string>& db) {
  PrometheusExporter exporter;
  try {
    if (db) {
      const auto store = Store::open(*db, Store::OpenMode::kExisting);
      store->for_each_entry([&](const AuditEntry& e) {
        if (e.kind == "decision") exporter.on_decision_json(nlohmann::json::parse(e.body));
        return true;
      });
    }
  } catch (const AegisError& e) {
    return report_error(e.error());
  } catch (const nlohmann::json::exception& e) {
    return report_error(Error{errors::kCliMetrics, "db",
                              std::string("a stored decision is not readable: ") + e.what()});
  }
  return write_all(stdout, exporter.text()) ? 0 : kExitInternal;
}

}  // namespace aegis::cli
