// MCP over streamable HTTP at POST /mcp (docs/interfaces.md#mcp): JSON-RPC in the body, the answer
// as application/json, in sessions that `initialize` opens and DELETE ends (no server-initiated
// stream: GET is 405). Mounted in `aegis serve` with the API keys and RBAC, and served alone by
// `aegis mcp --transport http`.
#include <algorithm>

#include "aegis/server/errors.h"
#include "http/head.h"
#include "routes.h"

namespace aegis::server {
namespace {

// Host names are compared without regard to case (RFC 9110 §4.2.3).
bool loopback_name(std::string_view host, const std::string& listen_host) {
  const std::string h = http::lower(host);
  return h == "127.0.0.1" || h == "localhost" || h == "[::1]" ||
         (!listen_host.empty() && h == http::lower(listen_host));
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
  return error_response(Error(errors::kMcpOrigin, "", std::string(why)));
}

}  // namespace

std::optional<http::Response> check_mcp_origin(const http::Request& req,
                                               const std::string& listen_host) {
  if (req.header_count("host") != 1) return refused("one Host header is required");
  const auto host = host_of(*req.header("host"));
  if (!host || !loopback_name(*host, listen_host)) return refused("this Host is not served");
  if (req.header_count("origin") > 1) return refused("one Origin at most");
  if (const std::string* origin = req.header("origin")) {
    const std::string o = http::lower(*origin);  // scheme and host are case-insensitive
    std::string_view rest;
    if (o.rfind("http://", 0) == 0)
      rest = std::string_view(o).substr(7);
    else if (o.rfind("https://", 0) == 0)
      rest = std::string_view(o).substr(8);
    else
      return refused("origin not allowed");
    const auto origin_host = host_of(rest);  // no user info, path or other byte after the port
    if (!origin_host || !loopback_name(*origin_host, "")) return refused("origin not allowed");
  }
  return std::nullopt;
}

void add_mcp_routes(http::Router& router, McpServer& mcp, std::mutex& lock,
                    const RBACEnforcer* rbac) {
  const http::Access access = rbac ? http::Access::kAuthenticated : http::Access::kPublic;
  router.add(
      {"POST", "/mcp", access, "", http::Runs::kOnWorker,
       [&mcp, &lock, rbac](http::Request& req, const http::Caller& c, http::Reply reply) {
         const std::string* version = req.header("mcp-protocol-version");
         const auto& supported = McpServer::supported_protocol_versions();
         if (version && std::find(supported.begin(), supported.end(), *version) == supported.end())
           return reply(error_response(
               Error(errors::kMcpProtocolVersion, "", "unsupported MCP-Protocol-Version")));
         const std::string* session = req.header("mcp-session-id");
         const McpCaller caller{c.actor_id, rbac};
         McpServer::HttpAnswer answer;
         {
           std::lock_guard<std::mutex> g(lock);
           answer = mcp.handle_http(req.body, version ? *version : "", session ? *session : "",
                                    rbac ? &caller : nullptr);
         }
         http::Response r = answer.body ? json_response(answer.status, std::move(*answer.body))
                                        : json_response(202, "");
         if (!answer.session_id.empty())
           r.headers.emplace_back("Mcp-Session-Id", answer.session_id);
         reply(std::move(r));
       }});
  router.add({"DELETE", "/mcp", access, "", http::Runs::kOnWorker,
              [&mcp, &lock, rbac](http::Request& req, const http::Caller& c, http::Reply reply) {
                const std::string* session = req.header("mcp-session-id");
                const McpCaller caller{c.actor_id, rbac};
                bool ended = false;
                if (session) {
                  std::lock_guard<std::mutex> g(lock);
                  ended = mcp.end_session(*session, rbac ? &caller : nullptr);
                }
                if (!session)
                  return reply(error_response(Error(
                      errors::kMcpSession, "", "DELETE /mcp needs the Mcp-Session-Id to end")));
                if (!ended)
                  return reply(
                      error_response(Error(errors::kMcpUnknownSession, "", "no such MCP session")));
                reply(json_response(204, ""));
              }});
  // GET: the router answers 405 with Allow (no server-initiated stream).
}

void add_mcp_route(http::Router& router, const McpRoutes& m) {
  add_mcp_routes(router, m.mcp, m.lock, &m.rbac);
}

}  // namespace aegis::server
