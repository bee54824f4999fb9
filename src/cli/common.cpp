#include "common.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/server/server_config.h"
#include "aegis/telemetry/errors.h"
#include "errors.h"

namespace aegis::cli {

int exit_code_for(PCWStatus status) {
  switch (status) {
    case PCWStatus::PROCEED:
      return kExitProceed;
    case PCWStatus::HALT:
      return kExitHalt;
    case PCWStatus::PAUSE:
    case PCWStatus::ESCALATE:
      return kExitReview;
  }
  return kExitInternal;
}

int exit_code_for(const Error& error) { return kind_info(error.kind).exit_code; }

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

int report_error(const Error& error) {
  const std::string body =
      error_to_json(error).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fprintf(stdout, "%s\n", body.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "aegis: error: %s\n",
               nlohmann::json(error.message)
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                   .c_str());
  return exit_code_for(error);
}

Result<std::string> read_input(const std::string& path, size_t limit) {
  // A person at a terminal is told what the command waits for, instead of a silent prompt.
  if (path == "-" && isatty(STDIN_FILENO))
    std::fprintf(stderr,
                 "aegis: reading JSON from the terminal (end with Ctrl-D), or give a file with "
                 "-i FILE\n");
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!f) {
    return Error{errors::kCliNotFound, "input", path + ": " + std::strerror(errno)};
  }
  std::string data;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    data.append(buf, n);
    if (data.size() > limit) break;
    if (n < sizeof buf && std::feof(f)) break;  // one Ctrl-D ends a terminal's input
  }
  const bool failed = std::ferror(f);
  if (f != stdin) std::fclose(f);
  if (failed) return Error(errors::kCliRead, "input", path + ": read error");
  if (data.size() > limit) {
    return Error{errors::kJsonTooLarge, "input",
                 "the input is over the limit of " + std::to_string(limit) + " bytes"};
  }
  return data;
}

std::unique_ptr<TelemetryEmitter> make_telemetry(const std::optional<std::string>& flag_url,
                                                 const AegisConfig& config,
                                                 std::optional<size_t> batch_size) {
  const auto& p = config.parameters();
  if (!flag_url && !p.telemetry_url) return nullptr;
  if (flag_url && flag_url->rfind("https://", 0) != 0)
    throw_error(Error(errors::kTelemetryUrl, "telemetry_url", "--telemetry-url must be https://"));
  const std::string url = flag_url ? *flag_url : *p.telemetry_url;
  auto emitter = std::make_unique<TelemetryEmitter>(
      "aegis", p.telemetry_encryption_public_key,
      TelemetryEpoch{static_cast<size_t>(p.telemetry_encryption_epoch_events),
                     std::chrono::seconds(p.telemetry_encryption_epoch_seconds)});
  emitter->add_sink(http_sink(url, batch_size, {}, std::chrono::seconds(10),
                              !flag_url && p.telemetry_allow_insecure));
  return emitter;
}

namespace {
void report_lost(uint64_t lost, const char* when) {
  std::fprintf(stderr,
               "aegis: warning: telemetry: %llu event%s could not be delivered%s (the receiver "
               "refused or did not answer); the decisions themselves are unaffected\n",
               static_cast<unsigned long long>(lost), lost == 1 ? "" : "s", when);
}
}  // namespace

void close_telemetry(TelemetryEmitter& telemetry) {
  telemetry.close();
  if (const uint64_t lost = telemetry.lost()) report_lost(lost, "");
}

TelemetryLossLog::TelemetryLossLog(const TelemetryEmitter* telemetry) : telemetry_(telemetry) {
  if (!telemetry_) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> g(lock_);
    // Looks every 2 s until the first loss, says so once, and stops looking.
    while (!stop_.wait_for(g, std::chrono::seconds(2), [this] { return stopping_; })) {
      if (telemetry_->lost() == 0) continue;
      report_lost(telemetry_->lost(), " so far; the count is aegis_telemetry_events_dropped_total");
      return;
    }
  });
}

TelemetryLossLog::~TelemetryLossLog() {
  if (!telemetry_) return;
  {
    std::lock_guard<std::mutex> g(lock_);
    stopping_ = true;
  }
  stop_.notify_all();
  thread_.join();
  if (const uint64_t lost = telemetry_->lost()) report_lost(lost, " in all");
}

Result<AegisConfig> load_config(const std::optional<std::string>& path) {
  auto file = load_config_file(path);
  if (!file) return file.error();
  return std::move(file.value().config);
}

Result<std::vector<double>> load_drift_baseline(const std::string& path) {
  auto text = read_input(path, 64u << 20);
  if (!text) return text.error();
  auto parsed = read_json(text.value(), {.max_bytes = 64u << 20});
  if (!parsed) {
    Error e = parsed.error();
    e.message = path + ": " + e.message;
    return e;
  }
  const nlohmann::json& j = parsed.value();
  if (!j.is_array()) {
    return Error(errors::kCliDriftBaseline, "drift_baseline",
                 path + ": the drift baseline must be a JSON array of numbers");
  }
  std::vector<double> values;
  values.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_number()) {
      return Error(errors::kCliDriftBaseline, "drift_baseline[" + std::to_string(i) + "]",
                   path + ": element " + std::to_string(i) + " is not a number");
    }
    values.push_back(j[i].get<double>());
  }
  return values;
}

bool write_all(std::FILE* f, std::string_view data) {
  return std::fwrite(data.data(), 1, data.size(), f) == data.size();
}

void read_stdin_lines(size_t max_line, const std::function<bool(const std::string& line)>& handle) {
  std::string line;
  bool overlong = false;
  char buf[65536];
  while (true) {
    ssize_t n;
    do {
      n = ::read(STDIN_FILENO, buf, sizeof buf);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return;  // EOF: the client closed the stream
    std::string_view chunk(buf, static_cast<size_t>(n));
    while (!chunk.empty()) {
      const size_t end = chunk.find('\n');
      const std::string_view piece = chunk.substr(0, end);
      if (line.size() + piece.size() <= max_line)
        line.append(piece);
      else
        overlong = true;
      if (end == std::string_view::npos) break;
      chunk.remove_prefix(end + 1);
      if (overlong) line.assign(max_line + 1, ' ');
      if (!line.empty() && !handle(line)) return;
      line.clear();
      overlong = false;
    }
  }
}

}  // namespace aegis::cli
