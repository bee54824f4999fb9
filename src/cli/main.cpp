// The `aegis` command: declares each family's flags (flags_*.cpp), parses the command line and
// runs the chosen subcommand.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <vector>

#include "aegis/core/version.h"
#include "common.h"
#include "flags.h"
#include "usage.h"

int main(int argc, char** argv) {
  using namespace aegis::cli;
  CLI::App app{"AEGIS: quantitative governance decisions (PROCEED, PAUSE, HALT, ESCALATE)",
               "aegis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", aegis::kEngineVersion);
  // In the order `aegis --help` lists them.
  const std::vector<Dispatch> families = {add_decision_flags(app), add_service_flags(app),
                                          add_gateway_flags(app),  add_approval_flags(app),
                                          add_key_flags(app),      add_store_flags(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {  // the documented JSON error, exit 3
    return report_error(usage_error(app, e, argc, argv));
  }
  try {
    for (const Dispatch& run : families)
      if (const auto rc = run()) return *rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aegis: internal error: %s\n", e.what());
    return kExitInternal;
  }
  return kExitInvalid;
}
