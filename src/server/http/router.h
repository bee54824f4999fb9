// The route table of an HTTP server: {method, path pattern, permission, handler}. The same table
// authorizes a request (before its body is read), dispatches it, and names it in the metrics
// (the pattern is the label, so arbitrary paths cannot create series). Built once, then read
// by every I/O thread: thread-safe once built.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message.h"

namespace aegis::http {

// Who is calling: the authenticated actor ("" on a public route).
struct Caller {
  std::string actor_id;
  std::vector<std::pair<std::string, std::string>> headers;  // added to the response
};

using Handler = std::function<void(Request& request, const Caller& caller, Reply reply)>;

enum class Access {
  kPublic,         // no credentials
  kAuthenticated,  // a valid API key, no particular permission (the handler decides)
  kPermission,     // a valid API key whose actor holds `permission`
};

// Where a handler runs: on the I/O thread (it must not block; it may reply later from
// elsewhere), or on the worker pool (it may block: store reads, workflow steps).
enum class Runs { kOnIoThread, kOnWorker };

struct Route {
  std::string method;
  std::string pattern;  // "/v1/proposals/{proposal_id}/{action}"
  Access access = Access::kPermission;
  std::string permission;  // with kPermission
  Runs runs = Runs::kOnIoThread;
  Handler handler;
};

class Router {
 public:
  // Adds a route. A {name} segment matches 1–128 characters of A-Z a-z 0-9 . _ : -.
  Router& add(Route route);

  struct Match {
    const Route* route = nullptr;  // nullptr: no route for this method and path
    bool path_known = false;       // some route has this path (another method: 405)
    std::string allow;             // the methods of that path, for Allow
  };
  // Finds the route of `method` and `path`, filling `params` with its placeholders.
  Match match(std::string_view method, std::string_view path,
              std::vector<std::pair<std::string, std::string>>* params) const;

  // The metric label of a request: its route's pattern, or "other".
  std::string label(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const noexcept { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> patterns_;  // each route's pattern, split on '/'
};

}  // namespace aegis::http
