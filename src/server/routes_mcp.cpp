// MCP over streamable HTTP at POST /mcp (INTERFACES §5): JSON-RPC in the body, the answer as
// application/json (no server-initiated stream: GET and DELETE are 405). Mounted in `aegis serve`
// with the API keys and RBAC, and served alone by `aegis mcp --transport http`.
#include <algorithm>

#include "routes.h"

namespace aegis::server {
namespace {

bool loopback_name(std::string_view host, const std::string& listen_host) {
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" ||
         (!listen_host.empty() && host == listen_host);
}

// "host" or "host:port" with a decimal port; the host part, or nullopt.
std::optional<std::string_view> host_of(std::string_view authority) {
  if (authority.empty()) return std::nullopt;
  std::string_view host = authority;
  if (authority.front() == '[') {  // [v6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    authority.remove_prefix(close + 1);
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    authority.remove_prefix(colon == std::string_view::npos ? authority.size() : colon);
  }
  if (!authority.empty()) {
    if (authority.front() != ':' || authority.size() < 2 || authority.size() > 6)
      return std::nullopt;
    for (char c : authority.substr(1))
      if (c < '0' || c > '9') return std::nullopt;
  }
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '[' ||
          c == ']' || c == ':'))
      return std::nullopt;
  return host;
}

http::Response refused(std::string_view why) {
  http::Response r;
  r.status = 403;
  r.body = "{\"error\":{\"code\":\"forbidden\",\"detail\":\"mcp.origin\",\"message\":\"";
  r.body += why;
  r.body += "\"}}";
  return r;
}

}  // namespace

std::optional<http::Response> check_mcp_origin(const http::Request& req,
                                               const std::string& listen_host) {
  if (req.header_count("host") != 1) return refused("one Host header is required");
  const auto host = host_of(*req.header("host"));
  if (!host || !loopback_name(*host, listen_host)) return refused("this Host is not served");
  if (req.header_count("origin") > 1) return refused("one Origin at most");
  if (const std::string* origin = req.header("origin")) {
    std::string_view o = *origin;
    std::string_view rest;
    if (o.rfind("http://", 0) == 0)
      rest = o.substr(7);
    else if (o.rfind("https://", 0) == 0)
      rest = o.substr(8);
    else
      return refused("origin not allowed");
    const auto origin_host = host_of(rest);  // no user info, path or other byte after the port
    if (!origin_host || !loopback_name(*origin_host, "")) return refused("origin not allowed");
  }
  return std::nullopt;
}

void add_mcp_route(http::Router& router, ApiContext& api) {
  router.add({"POST", "/mcp", http::Access::kAuthenticated, "", http::Runs::kOnWorker,
              [&api](http::Request& req, const http::Caller& c, http::Reply reply) {
                const std::string* version = req.header("mcp-protocol-version");
                const auto& supported = McpServer::supported_protocol_versions();
                if (version && std::find(supported.begin(), supported.end(), *version) ==
                                   supported.end())
                  return reply(json_response(
                      400, R"({"error":{"code":"invalid_input","detail":"mcp.protocol_version",)"
                           R"("message":"unsupported MCP-Protocol-Version"}})"));
                const McpCaller caller{c.actor_id, &api.rbac};
                std::optional<std::string> answer;
                {
                  std::lock_guard<std::mutex> g(api.mcp_lock);
                  answer = api.mcp->handle_stateless(req.body, version ? *version : "", &caller);
                }
                if (!answer) return reply(json_response(202, ""));
                reply(json_response(200, std::move(*answer)));
              }});
  // GET and DELETE: the router answers 405 with Allow: POST (no stream, no session to end).
}

}  // namespace aegis::server
