// Internal: an upstream MCP server over Streamable HTTP (MCP 2025-03-26 and later), on libcurl.
// Messages are taken in order by a sender thread: notifications and responses are POSTed before
// the next message, requests each on a thread of its own (connections are reused); an answer in
// JSON or as a server-sent event stream is handed over message by message. Once initialize has
// given a session id, a GET stream carries the server's own messages (roots/list and the like),
// opened again when it drops. A session the server has forgotten (404) is reported as a loss and
// a new start, so that the gateway initializes it again. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "aegis/server/gateway_policy.h"
#include "upstream_link.h"

namespace aegis::gateway_detail {

class HttpUpstream : public UpstreamLink {
 public:
  // `spec` is borrowed and must outlive this; `spec.url` is set.
  HttpUpstream(const GatewayUpstream& spec, OnLine on_line, OnState on_state, Log log);
  // Aborts the transfers in flight, waits for their threads, then ends the session (DELETE, at
  // most two seconds).
  ~HttpUpstream() override;

  // Reads the bearer token's variable: "gateway.upstream" when it is named but not set.
  std::optional<Error> start() override;
  bool send(std::string_view message) override;
  void stop() override;

  struct Transfer;  // one request and its answer (http_upstream.cpp)

 private:
  void post(std::string message);
  void send_in_order();                        // the sender thread
  void listen();                               // the GET stream
  void lost_session(const std::string& used);  // a 404 of a request sent in session `used`
  std::vector<std::string> headers() const;
  // A transfer set up on `reuse` (a handle of idle_, reset) or a new handle.
  void* easy(Transfer& t, const std::vector<std::string>& headers, void** list,
             void* reuse = nullptr) const;

  const GatewayUpstream& spec_;
  OnLine on_line_;
  OnState on_state_;
  Log log_;
  std::string bearer_;
  mutable std::mutex lock_;
  std::condition_variable changed_;
  std::atomic<bool> stopping_{false};  // read by transfers in flight, to abort
  bool stopped_ = false;
  std::string session_, version_;  // from initialize's answer
  bool listening_ = false;
  std::thread listener_;  // the GET stream
  std::thread sender_;    // takes queue_ in order
  std::deque<std::string> queue_;
  int in_flight_ = 0;        // posts, each on a detached thread: the destructor waits for them
  std::vector<void*> idle_;  // CURL handles between posts, each keeping its connection
};

}  // namespace aegis::gateway_detail
