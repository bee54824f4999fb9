// The `aegis` command line, one family of subcommands per function: each declares its flags on
// `app` and returns its dispatch, which after parsing runs the family's chosen subcommand (its
// exit code) or returns nullopt when none of them was chosen. main() only parses and dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

namespace aegis::cli {

using Dispatch = std::function<std::optional<int>()>;

Dispatch add_decision_flags(CLI::App& app);  // evaluate, gate
Dispatch add_key_flags(CLI::App& app);       // keygen, override, signature, kem, kek, telemetry
Dispatch add_store_flags(CLI::App& app);     // audit, attest, metrics
Dispatch add_service_flags(CLI::App& app);   // serve, mcp, apikey, report, validate-config,
                                             // health, version
Dispatch add_gateway_flags(CLI::App& app);   // gateway, gateway pins
Dispatch add_approval_flags(CLI::App& app);  // approvals

}  // namespace aegis::cli
