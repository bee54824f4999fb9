// An event-driven HTTP/1.1 server (Boost.Beast on Asio): I/O threads with an io_context each,
// a connection on one of them for its life; keep-alive and pipelining (answers in order),
// optional TLS, and the limits below.
// A request's head is read and checked — framing, header block, the route, the caller's
// credentials — before a byte of its body is read. Handlers run on an I/O thread or, when they
// may block, on a small worker pool, and reply when they are done; no I/O thread waits on one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "message.h"
#include "router.h"

namespace aegis::http {

struct Limits {
  std::chrono::milliseconds request_timeout{10'000};  // a request's head and body (408 beyond)
  std::chrono::milliseconds idle_timeout{60'000};     // waiting for the next request
  size_t max_header_bytes = 16 * 1024;                // the header block (431 beyond)
  size_t max_header_fields = 100;                     // (431 beyond)
  size_t max_body_bytes = 1 << 20;                    // read or decoded (413 beyond)
  size_t max_connections = 10'000;                    // open at once (503 beyond)
  // Fair admission. A peer address holds at most max_connections_per_peer connections (0: the
  // default, max(64, max_connections / 100)); beyond, a new one gets 503 at once. Connections no
  // authenticated request has used yet ("unproven") hold at most max_connections minus
  // reserved_connections (0: the default, max_connections / 10); a new connection beyond that,
  // or beyond max_connections, closes the oldest unproven one instead of being refused, so an
  // idle flood can never keep a keyed client out. A connection is refused only when every
  // other is proven.
  size_t max_connections_per_peer = 0;
  size_t reserved_connections = 0;
};

// What the server asks its owner about each request.
struct Hooks {
  // Authenticates and authorizes a request by its head (its body is not read yet): the caller,
  // or the response that refuses it (401, 403, 429).
  std::function<std::variant<Caller, Response>(const Request& head, const Route& route)> admit;
  // Checks a request's head for a route (e.g. Origin and Host for MCP); a response refuses it.
  std::function<std::optional<Response>(const Request& head, const Route& route)> check;
  // Sees every response before it is written (common headers, metrics); `label` is the route
  // pattern or "other".
  std::function<void(const Request& request, const std::string& label, Response& response)>
      finish;
};

struct TlsFiles {
  std::string cert_file, key_file;  // PEM
};

class Server {
 public:
  // `router` is borrowed and must outlive the server.
  Server(const Router& router, Limits limits, Hooks hooks);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens (before run()). With `tls`, serves HTTPS. The error text, or nullopt.
  std::optional<std::string> listen(const std::string& host, int port,
                                    const std::optional<TlsFiles>& tls = std::nullopt);
  // Serves on `io_threads` threads and `workers` worker threads until stop(); then finishes
  // the requests being handled and returns.
  void run(size_t io_threads, size_t workers);
  // Stops accepting; safe from any thread and from a signal handler's thread.
  void stop();

  // Connections open now (for tests and metrics).
  size_t connections() const noexcept;

  struct Impl;  // opaque: the Asio state, shared with the connections

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::http
