// `aegis evaluate --batch`: one decision per JSONL line, streamed.
#include "aegis/service/batch.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "aegis/service/decision_service.h"
#include "aegis/store/store.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {
namespace {

// A progress bar on stderr, redrawn at most ten times a second.
class Progress {
 public:
  Progress(bool enabled, uint64_t total_bytes)
      : enabled_(enabled),
        total_(total_bytes),
        start_(std::chrono::steady_clock::now()),
        last_(start_) {}

  void update(uint64_t lines, uint64_t bytes) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const double rate = secs > 0 ? static_cast<double>(lines) / secs : 0.0;
    if (total_ > 0) {
      const double frac = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total_));
      const int filled = static_cast<int>(frac * 30);
      fmt::print(stderr, "\r[{:=<{}}{: <{}}] {:5.1f}%  {} lines  {:.0f} lines/s", "", filled, "",
                 30 - filled, frac * 100, lines, rate);
    } else {
      fmt::print(stderr, "\r{} lines  {:.0f} lines/s", lines, rate);
    }
    std::fflush(stderr);
  }

  void finish() {
    if (enabled_) fmt::print(stderr, "\r\033[K");
  }

 private:
  bool enabled_;
  uint64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
};

// With --drift-baseline, loads the baseline into a new monitor of `config`. On failure, reports
// the error and returns its exit code.
std::optional<int> load_drift_monitor(const EvaluateOptions& o, const AegisConfig& config,
                                      std::optional<DriftMonitor>& monitor) {
  if (o.drift_baseline) {
    auto loaded = load_drift_baseline(*o.drift_baseline);
    if (!loaded) return report_error(loaded.error());
    try {
      monitor.emplace(config.create_drift_monitor());
      monitor->set_baseline(loaded.value());
    } catch (const AegisError& e) {
      return report_error(e.error());
    }
  }
  return std::nullopt;
}

// Opens the --batch input and the -o output ("-": stdin, stdout). On failure, closes what it
// opened, reports the error and returns its exit code.
std::optional<int> open_batch_files(const EvaluateOptions& o, std::FILE*& in, std::FILE*& out) {
  const std::string& in_path = *o.batch;
  in = in_path == "-" ? stdin : std::fopen(in_path.c_str(), "rb");
  if (!in) {
    return report_error(
        Error{errors::kCliNotFound, "batch", in_path + ": " + std::strerror(errno)});
  }
  out = o.output == "-" ? stdout : std::fopen(o.output.c_str(), "wb");
  if (!out) {
    if (in != stdin) std::fclose(in);
    return report_error(
        Error(errors::kCliOutput, "output", o.output + ": " + std::strerror(errno)));
  }
  return std::nullopt;
}

// Prints the batch's summary on stderr (the time since `t0`) and returns the exit code.
int report_batch(const BatchCounts& counts, std::chrono::steady_clock::time_point t0,
                 bool io_error) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(stderr,
             "aegis: batch: {} lines, {} decisions (proceed {}, pause {}, halt {}, escalate {}), "
             "{} errors, {:.3f} s, {:.0f} decisions/s\n",
             counts.lines, counts.decisions(), counts.status[0], counts.status[1], counts.status[2],
             counts.status[3], counts.errors, secs,
             secs > 0 ? static_cast<double>(counts.decisions()) / secs : 0.0);
  if (io_error) {
    std::fprintf(stderr,
                 "aegis: error: an I/O error occurred while reading or writing the batch\n");
    return kExitInternal;
  }
  if (counts.internal > 0) return kExitInternal;
  return counts.errors > 0 ? kExitInvalid : kExitProceed;
}

}  // namespace

int run_batch(const EvaluateOptions& o) {
  auto config = load_config(o.config);
  if (!config) return report_error(config.error());
  std::unique_ptr<TelemetryEmitter> telemetry;
  try {
    telemetry = make_telemetry(o.telemetry_url, config.value(), 100);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  std::optional<DriftMonitor> monitor;
  if (auto failed = load_drift_monitor(o, config.value(), monitor)) return *failed;

  DecisionFields fields;
  if (o.fields) {
    auto chosen = DecisionFields::parse(*o.fields, "fields");
    if (!chosen) return report_error(chosen.error());
    fields = chosen.value();
  }

  std::FILE* in = nullptr;
  std::FILE* out = nullptr;
  if (auto failed = open_batch_files(o, in, out)) return *failed;
  uint64_t total_bytes = 0;
  struct stat st {};
  if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
    total_bytes = static_cast<uint64_t>(st.st_size);
  Progress progress(isatty(fileno(stderr)) == 1, total_bytes);

  std::unique_ptr<Store> store;
  if (o.db) {
    try {
      store = Store::open(*o.db);
    } catch (const AegisError& e) {
      if (in != stdin) std::fclose(in);
      if (out != stdout) std::fclose(out);
      return report_error(e.error());
    }
  }
  // The one decision pipeline: decided, serialised and recorded as on every other surface.
  StoreDecisionService pipeline(config.value(), store.get(), nullptr, telemetry.get());
  const BatchOptions options{
      .threads = o.threads,
      .shadow = o.shadow,
      .drift = monitor ? &*monitor : nullptr,
      .parse = {.cli_aliases = true, .cli_defaults = true, .request_fields = true},
      .fields = fields};
  const BatchOutput output{.write = [out](std::string_view text) { return write_all(out, text); },
                           .flush = [out] { return std::fflush(out) == 0; }};

  bool io_error = false;
  BatchCounts counts;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    counts = decide_batch(pipeline.service, fileno(in), options, output, io_error,
                          [&](uint64_t lines, uint64_t bytes) { progress.update(lines, bytes); });
  } catch (const AegisError& e) {
    std::fflush(out);
    return report_error(e.error());  // the uncommitted decisions are not printed
  }
  io_error |= std::fflush(out) != 0;
  if (in != stdin) std::fclose(in);
  if (out != stdout) io_error |= std::fclose(out) != 0;
  progress.finish();
  if (telemetry) close_telemetry(*telemetry);
  return report_batch(counts, t0, io_error);
}

}  // namespace aegis::cli
