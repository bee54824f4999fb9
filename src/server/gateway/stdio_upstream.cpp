// An upstream MCP server over stdio: spawn with an explicit environment, read, log, restart.
#include "stdio_upstream.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "aegis/server/errors.h"

namespace aegis::gateway_detail {
namespace {

constexpr size_t kMaxLine = size_t{4} << 20;  // one message from an upstream: 4 MiB
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(10);
constexpr auto kStable = std::chrono::seconds(60);

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Reads `fd` to its end, calling `line` for each newline-terminated line (and the last piece).
// A line longer than kMaxLine is cut off and reported as `overlong` instead.
template <typename Line, typename Overlong>
void read_lines(int fd, Line line, Overlong overlong) {
  std::string buf;
  bool skipping = false;
  char chunk[65536];
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::string_view rest(chunk, static_cast<size_t>(n));
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      if (!skipping) buf.append(rest.substr(0, end));
      if (!skipping && buf.size() > kMaxLine) {
        overlong();
        buf.clear();
        skipping = true;
      }
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
      if (!skipping && !buf.empty()) line(std::move(buf));
      buf.clear();
      skipping = false;
    }
  }
  if (!skipping && !buf.empty()) line(std::move(buf));
}

}  // namespace

StdioUpstream::StdioUpstream(const GatewayUpstream& spec, OnLine on_line, OnState on_state, Log log)
    : spec_(spec),
      on_line_(std::move(on_line)),
      on_state_(std::move(on_state)),
      log_(std::move(log)) {}

StdioUpstream::~StdioUpstream() { stop(); }

void StdioUpstream::stop() {
  pid_t pid;
  {
    std::lock_guard<std::mutex> l(lock_);
    if (stopping_ && !supervisor_.joinable()) return;
    stopping_ = true;
    pid = pid_;
  }
  stop_cv_.notify_all();
  // Its whole process group (a server behind `npx` or `sh -c` included): SIGTERM, then SIGKILL
  // after a second. A write blocked on its full pipe then fails, so the pipe can be closed.
  if (pid > 0) {
    ::kill(-pid, SIGTERM);
    std::unique_lock<std::mutex> l(lock_);
    if (!stop_cv_.wait_for(l, std::chrono::seconds(1), [this] { return pid_ == 0; }))
      ::kill(-pid, SIGKILL);
  }
  {
    std::scoped_lock l(write_lock_, lock_);
    close_fd(in_);
  }
  if (supervisor_.joinable()) supervisor_.join();
}

std::optional<Error> StdioUpstream::spawn() {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    return Error(errors::kGatewayUpstream, "gateway.upstreams",
                 "upstream '" + spec_.name + "': cannot create pipes: " + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  if (spec_.cwd) posix_spawn_file_actions_addchdir_np(&fa, spec_.cwd->c_str());
  // Nothing else of ours: not the listening socket or the connections of a server it runs in.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  posix_spawnattr_t attr;  // a process group of its own, so that stop() ends what it started
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  // The child's environment: what the spec names, nothing else of ours.
  std::vector<std::string> env;
  for (const auto& [k, v] : spec_.env) env.push_back(k + "=" + v);
  for (const auto& k : spec_.inherit_env)
    if (const char* v = std::getenv(k.c_str()); v && !spec_.env.count(k))
      env.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string command = spec_.command;
  std::vector<std::string> args = spec_.args;
  argv.push_back(command.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, command.c_str(), &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    return Error(errors::kGatewayUpstream, "gateway.upstreams",
                 "upstream '" + spec_.name + "': cannot start '" + spec_.command +
                     "': " + std::strerror(rc));
  }
  pid_ = pid;
  in_ = in[1];
  out_ = out[0];
  err_ = err[0];
  return std::nullopt;
}

std::optional<Error> StdioUpstream::start() {
  {
    std::lock_guard<std::mutex> l(lock_);
    if (auto e = spawn()) return e;
  }
  supervisor_ = std::thread([this] { supervise(); });
  return std::nullopt;
}

void StdioUpstream::supervise() {
  auto backoff = std::chrono::steady_clock::duration(kFirstBackoff);
  while (true) {
    int out, err;
    pid_t pid;
    {
      std::lock_guard<std::mutex> l(lock_);
      out = out_;
      err = err_;
      pid = pid_;
    }
    const auto started = std::chrono::steady_clock::now();
    log_("upstream '" + spec_.name + "' started (pid " + std::to_string(pid) + ")");
    on_state_(true);
    std::thread errors([this, err] { read_stderr(err); });
    read_lines(
        out, [this](std::string line) { on_line_(std::move(line)); },
        [this] { log_("upstream '" + spec_.name + "' sent a message over 4 MiB; dropped"); });
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    errors.join();
    {
      std::scoped_lock l(write_lock_, lock_);
      pid_ = 0;
      close_fd(in_);
      close_fd(out_);
      close_fd(err_);
    }
    stop_cv_.notify_all();
    const std::string how = WIFEXITED(status)
                                ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                : "was killed by signal " + std::to_string(WTERMSIG(status));
    on_state_(false);
    std::unique_lock<std::mutex> l(lock_);
    if (stopping_) return;
    if (std::chrono::steady_clock::now() - started > kStable) backoff = kFirstBackoff;
    log_("upstream '" + spec_.name + "' " + how + "; restarting in " +
         std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(backoff).count()) +
         " ms");
    if (stop_cv_.wait_for(l, backoff, [this] { return stopping_; })) return;
    backoff = std::min<std::chrono::steady_clock::duration>(backoff * 2, kMaxBackoff);
    while (auto e = spawn()) {
      log_(e->message);
      if (stop_cv_.wait_for(l, backoff, [this] { return stopping_; })) return;
      backoff = std::min<std::chrono::steady_clock::duration>(backoff * 2, kMaxBackoff);
    }
  }
}

void StdioUpstream::read_stderr(int fd) {
  read_lines(
      fd, [this](std::string line) { log_("upstream '" + spec_.name + "': " + line); },
      [this] { log_("upstream '" + spec_.name + "': (a stderr line over 4 MiB, cut)"); });
}

bool StdioUpstream::send(std::string_view line) {
  // write_lock_ is held while writing: the supervisor closes the pipe only under it.
  std::lock_guard<std::mutex> w(write_lock_);
  int fd;
  {
    std::lock_guard<std::mutex> l(lock_);
    fd = in_;
  }
  if (fd < 0) return false;
  std::string data(line);
  data += '\n';
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

pid_t StdioUpstream::pid() const {
  std::lock_guard<std::mutex> l(lock_);
  return pid_;
}

}  // namespace aegis::gateway_detail
