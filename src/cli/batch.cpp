// `aegis evaluate --batch`: one decision per JSONL line, streamed.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include "aegis/json.h"
#include "aegis/decision_service.h"
#include "aegis/store.h"
#include "commands.h"
#include "common.h"

namespace aegis::cli {
namespace {

constexpr size_t kReadCapacity = 8u << 20;  // holds any line up to kMaxJsonBytes with room to read
constexpr size_t kFlushAt = 1u << 20;

// A progress bar on stderr, redrawn at most ten times a second.
class Progress {
 public:
  Progress(bool enabled, uint64_t total_bytes)
      : enabled_(enabled),
        total_(total_bytes),
        start_(std::chrono::steady_clock::now()),
        last_(start_) {}

  void update(uint64_t lines, uint64_t bytes) {
    if (!enabled_ || (lines & 4095) != 0) return;
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

struct Counts {
  std::array<uint64_t, 4> status{};
  uint64_t errors = 0;
  uint64_t internal = 0;
  uint64_t lines = 0;
};

void append_error_record(std::string& out, uint64_t line, const Error& e) {
  nlohmann::json j = error_to_json(e);
  j["line"] = line;
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
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
  if (o.drift_baseline) {
    auto loaded = load_drift_baseline(*o.drift_baseline);
    if (!loaded) return report_error(loaded.error());
    try {
      monitor.emplace(config.value().create_drift_monitor());
      monitor->set_baseline(loaded.value());
    } catch (const AegisError& e) {
      return report_error(e.error());
    }
  }

  const std::string& in_path = *o.batch;
  std::FILE* in = in_path == "-" ? stdin : std::fopen(in_path.c_str(), "rb");
  if (!in) {
    return report_error(Error{ErrorKind::kNotFound, "cli.not_found", "batch",
                              in_path + ": " + std::strerror(errno)});
  }
  std::FILE* out = o.output == "-" ? stdout : std::fopen(o.output.c_str(), "wb");
  if (!out) {
    if (in != stdin) std::fclose(in);
    return report_error(
        invalid_input("cli.output", "output", o.output + ": " + std::strerror(errno)));
  }
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
  const DecisionService& service = pipeline.service;
  ContextParser parser =
      service.parser({.cli_aliases = true, .cli_defaults = true, .request_fields = true});
  DriftMonitor* drift = monitor ? &*monitor : nullptr;

  std::vector<char> buf(kReadCapacity + kJsonPadding);
  std::string outbuf;
  outbuf.reserve(kFlushAt + 65536);
  bool io_error = false;
  // With a store, output waits in `pending` until its decisions are committed (group commit).
  constexpr size_t kGroup = 8192;
  std::vector<NewEntry> pending;
  std::string pending_out;
  // Commits the group, then prints it at once: what is printed is durable, and it is printed
  // as soon as it is.
  auto commit_pending = [&] {
    if (!store || (pending.empty() && pending_out.empty())) return;
    if (!pending.empty() && !service.record_and_wait(std::move(pending)))
      throw_error(Error{ErrorKind::kInternal, "cli.store", "db",
                        "the decisions could not be stored; they were not printed"});
    io_error |= !write_all(out, outbuf) || !write_all(out, pending_out) || std::fflush(out) != 0;
    outbuf.clear();
    pending.clear();
    pending_out.clear();
  };

  Counts counts;
  uint64_t consumed = 0;
  const auto t0 = std::chrono::steady_clock::now();

  auto process = [&](const char* line, size_t len, uint64_t lineno) {
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
      --len;
    size_t first = 0;
    while (first < len && (line[first] == ' ' || line[first] == '\t')) ++first;
    if (first == len) return;  // blank lines are skipped
    ++counts.lines;
    auto req = parser.parse_padded(line, len);
    std::string& sink = store ? pending_out : outbuf;
    if (!req) {
      ++counts.errors;
      append_error_record(sink, lineno, req.error());
      return;
    }
    if (req.value().drift_baseline_data) {
      ++counts.errors;
      append_error_record(sink, lineno,
                          invalid_input("cli.conflict", "drift_baseline_data",
                                        "drift_baseline_data is not accepted in a batch line; "
                                        "use --drift-baseline"));
      return;
    }
    auto made = service.evaluate(req.value().context, o.shadow || req.value().shadow, drift);
    if (!made) {
      ++counts.errors;
      if (made.error().kind == ErrorKind::kInternal) ++counts.internal;
      append_error_record(sink, lineno, made.error());
      return;
    }
    Evaluation& e = made.value();
    sink += e.json;
    sink += '\n';
    if (store) {
      pending.push_back(e.entry());
      if (pending.size() >= kGroup) commit_pending();
    }
    ++counts.status[static_cast<size_t>(e.decision.status)];
  };

  size_t filled = 0, start = 0;
  uint64_t lineno = 0;
  bool skipping = false;  // inside a line over the size limit
  bool eof = false;
  while (!eof) {
    // Before reading more (which may block), make what was decided durable and visible.
    try {
      commit_pending();
    } catch (const AegisError& e) {
      return report_error(e.error());
    }
    // read(2), not fread: return with what has arrived, so a slow producer is answered promptly.
    ssize_t got;
    do {
      got = ::read(fileno(in), buf.data() + filled, kReadCapacity - filled);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
      eof = true;
      if (got < 0) io_error = true;
    }
    const size_t n = got > 0 ? static_cast<size_t>(got) : 0;
    filled += n;
    consumed += n;
    while (true) {
      const char* nl =
          static_cast<const char*>(std::memchr(buf.data() + start, '\n', filled - start));
      if (!nl) break;
      const size_t end = static_cast<size_t>(nl - buf.data());
      ++lineno;
      if (skipping) {
        skipping = false;
      } else {
        process(buf.data() + start, end - start, lineno);
      }
      start = end + 1;
      progress.update(lineno, consumed);
      if (outbuf.size() >= kFlushAt) {
        io_error |= !write_all(out, outbuf);
        outbuf.clear();
      }
    }
    const size_t rest = filled - start;
    if (eof) {
      if (rest > 0 && !skipping) process(buf.data() + start, rest, ++lineno);
      break;
    }
    if (skipping) {
      start = filled = 0;  // still inside the oversize line: drop what was read
    } else if (rest > kMaxJsonBytes) {
      ++lineno;
      ++counts.lines;
      ++counts.errors;
      append_error_record(
          outbuf, lineno,
          Error{ErrorKind::kPayloadTooLarge, "json.too_large", "",
                "the line is over the limit of " + std::to_string(kMaxJsonBytes) + " bytes"});
      --lineno;  // the line's newline, when it comes, counts it
      skipping = true;
      start = filled = 0;
    } else {
      std::memmove(buf.data(), buf.data() + start, rest);
      filled = rest;
      start = 0;
    }
  }
  try {
    commit_pending();
  } catch (const AegisError& e) {
    io_error |= !write_all(out, outbuf);
    std::fflush(out);
    return report_error(e.error());  // the uncommitted decisions are not printed
  }
  io_error |= !write_all(out, outbuf);
  io_error |= std::fflush(out) != 0;
  if (in != stdin) std::fclose(in);
  if (out != stdout) io_error |= std::fclose(out) != 0;
  progress.finish();
  if (telemetry) telemetry->close();  // bounded by the sink's timeout

  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t decisions = counts.lines - counts.errors;
  fmt::print(stderr,
             "aegis: batch: {} lines, {} decisions (proceed {}, pause {}, halt {}, escalate {}), "
             "{} errors, {:.3f} s, {:.0f} decisions/s\n",
             counts.lines, decisions, counts.status[0], counts.status[1], counts.status[2],
             counts.status[3], counts.errors, secs,
             secs > 0 ? static_cast<double>(decisions) / secs : 0.0);
  if (io_error) {
    std::fprintf(stderr,
                 "aegis: error: an I/O error occurred while reading or writing the batch\n");
    return kExitInternal;
  }
  if (counts.internal > 0) return kExitInternal;
  return counts.errors > 0 ? kExitInvalid : kExitProceed;
}

}  // namespace aegis::cli
