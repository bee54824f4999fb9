// Internal: how the gateway talks to one upstream MCP server, whatever the transport: messages
// out with send(), messages in through OnLine, and whether it can be reached through OnState.
// Implementations: StdioUpstream (a child process), HttpUpstream (Streamable HTTP).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aegis/core/error.h"

namespace aegis::gateway_detail {

class UpstreamLink {
 public:
  using OnLine = std::function<void(std::string message)>;  // one JSON-RPC message from it
  using OnState = std::function<void(bool up)>;  // after each start (true), each loss (false)
  using Log = std::function<void(const std::string& line)>;

  virtual ~UpstreamLink() = default;
  // Starts it: an error when it cannot be started at all (a later loss is a restart).
  virtual std::optional<Error> start() = 0;
  // Sends one message; false when it cannot be sent now.
  virtual bool send(std::string_view message) = 0;
  // Stops it for good: its threads are joined (none calls back afterwards) and send() is false.
  // The object stays usable until destroyed. Idempotent.
  virtual void stop() = 0;
  // The child process, for a process upstream; 0 otherwise.
  virtual pid_t pid() const { return 0; }
};

}  // namespace aegis::gateway_detail
