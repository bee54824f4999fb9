// The HTTP request and response the routes see, independent of the transport library.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aegis::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded, without the query
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

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  // close the connection after this response
};

// Completes a request: called exactly once, from any thread.
using Reply = std::function<void(Response)>;

}  // namespace aegis::http
