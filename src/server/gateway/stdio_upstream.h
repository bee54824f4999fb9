// Internal: one upstream MCP server as a child process, speaking newline-delimited JSON-RPC on its
// stdin and stdout. Its stderr is logged line by line; when it exits it is started again after a
// backoff (0.1 s, doubling to 10 s; back to 0.1 s once it has run a minute). Thread-safe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "aegis/core/error.h"
#include "aegis/server/gateway_policy.h"
#include "upstream_link.h"

namespace aegis::gateway_detail {

class StdioUpstream : public UpstreamLink {
 public:
  // `spec` is borrowed and must outlive this. Nothing runs before start().
  StdioUpstream(const GatewayUpstream& spec, OnLine on_line, OnState on_state, Log log);
  ~StdioUpstream() override;  // stop()
  StdioUpstream(const StdioUpstream&) = delete;
  StdioUpstream& operator=(const StdioUpstream&) = delete;

  // Starts the child and its supervisor: "gateway.upstream" when the command cannot be started
  // (not found, not executable); later exits are restarts, not errors.
  std::optional<Error> start() override;
  // Writes one message and a newline to its stdin; false when it is not running.
  bool send(std::string_view line) override;
  // The running child's pid, or 0.
  pid_t pid() const override;
  // Stops the child and its process group (SIGTERM; SIGKILL after a second) and joins the
  // threads; send() is false afterwards. Idempotent.
  void stop() override;

 private:
  std::optional<Error> spawn();  // under lock_
  void supervise();
  void read_stderr(int fd);

  const GatewayUpstream& spec_;
  OnLine on_line_;
  OnState on_state_;
  Log log_;
  mutable std::mutex lock_;
  std::mutex write_lock_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  pid_t pid_ = 0;
  int in_ = -1, out_ = -1, err_ = -1;  // the child's stdin (ours to write), stdout, stderr
  std::thread supervisor_;
};

}  // namespace aegis::gateway_detail
