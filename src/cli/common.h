// Shared pieces of the `aegis` subcommands: exit codes, input reading, error output.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "aegis/core/config.h"
#include "aegis/core/decide.h"
#include "aegis/core/error.h"
#include "aegis/telemetry/telemetry.h"

namespace aegis::cli {

// Process exit codes (docs/interfaces.md#command-line).
enum Exit : int {
  kExitProceed = 0,
  kExitHalt = 1,
  kExitReview = 2,  // PAUSE or ESCALATE
  kExitInvalid = 3,
  kExitInternal = 4,
};

// The exit code a decision status maps to.
int exit_code_for(PCWStatus status);
// The exit code an error maps to (invalid input and not-found: 3; internal: 4).
int exit_code_for(const Error& error);

// `s` in upper case (ASCII), as statuses are shown to people ("HALT").
std::string upper(std::string_view s);

// Prints `error` as the wire-format JSON object on stdout and a one-line summary on stderr.
// Returns exit_code_for(error).
int report_error(const Error& error);

// Reads a whole file ("-" = stdin) of at most `limit` bytes. Errors: "cli.not_found",
// "cli.read", "json.too_large".
Result<std::string> read_input(const std::string& path, size_t limit);

// The gate parameters of --config when given (the whole file read and checked, every section
// strictly: load_config_file), else the defaults.
Result<AegisConfig> load_config(const std::optional<std::string>& path);

// Closes a command's telemetry (bounded by the sink's timeout) and, when events could not be
// delivered, says so on stderr once, with their count: telemetry never fails a command, but it
// never fails silently either.
void close_telemetry(TelemetryEmitter& telemetry);

// For a long-running command (serve): says on stderr, once, when the first telemetry event is
// lost, and at destruction the total (after the server has closed its telemetry). Null: nothing.
class TelemetryLossLog {
 public:
  explicit TelemetryLossLog(const TelemetryEmitter* telemetry);
  ~TelemetryLossLog();
  TelemetryLossLog(const TelemetryLossLog&) = delete;
  TelemetryLossLog& operator=(const TelemetryLossLog&) = delete;

 private:
  const TelemetryEmitter* telemetry_;
  std::mutex lock_;
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread thread_;
};

// The telemetry of a command: --telemetry-url (https only) or else the config's telemetry_url
// (http only with telemetry_allow_insecure); null when neither is set. `batch_size`: events per
// POST (none: one POST per event). InvalidInputError naming the field for a bad URL.
std::unique_ptr<TelemetryEmitter> make_telemetry(const std::optional<std::string>& flag_url,
                                                 const AegisConfig& config,
                                                 std::optional<size_t> batch_size);

// Reads a drift baseline file: a JSON array of numbers.
Result<std::vector<double>> load_drift_baseline(const std::string& path);

// Writes all of `data` to `f`; false on an I/O error.
bool write_all(std::FILE* f, std::string_view data);

// Reads newline-delimited messages from stdin until EOF (a stdio transport), calling `handle`
// for each non-empty line; a line longer than `max_line` bytes is handed over as `max_line` + 1
// spaces, so that the reader refuses it as too large, with its reason. Stops early when `handle`
// returns false.
void read_stdin_lines(size_t max_line, const std::function<bool(const std::string& line)>& handle);

}  // namespace aegis::cli
