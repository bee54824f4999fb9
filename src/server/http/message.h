// The HTTP request and response the routes see, independent of the transport library.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aegis::http {

struct Request {
  std::string method;     // "GET", "POST", ...
  std::string path;       // percent-decoded, without the query
  std::string authority;  // of an absolute-form target ("host:port"); "" for the origin form
  std::vector<std::pair<std::string, std::string>> query;    // in order, percent-decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case, in order
  std::vector<std::pair<std::string, std::string>> params;   // the route's {placeholders}
  std::string body;

  // The first value of a header (name lower-case) or of a path placeholder; nullptr if none.
  const std::string* header(std::string_view name) const;
  size_t header_count(std::string_view name) const;
  const std::string& param(std::string_view name) const;  // precondition: the route has it
};

// The body of a streamed response (server-sent events): pieces are written in the order pushed,
// from any thread; end() closes the connection once they are written. Pushing after end(), or
// after the client went away, does nothing.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual void push(std::string piece) = 0;
  virtual void end() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response
  // When set, `body` is ignored: the head is written without a length (the connection closes
  // at the end), and `streamed` gets the stream that writes the body as it comes.
  std::function<void(std::shared_ptr<BodyStream>)> streamed;
};

// Completes a request: called exactly once, from any thread.
using Reply = std::function<void(Response)>;

}  // namespace aegis::http
