// The MCP gateway over Streamable HTTP (docs/gateway.md#over-http): POST a message, DELETE ends
// the session. `initialize` opens a session — a Gateway of its own, with its own upstream
// connections — whose id the answer carries; each request is answered as application/json when
// its response comes. Mounted at /gateway/mcp in `aegis serve` (API keys, RBAC: `decide`), and
// served alone at /mcp by `aegis gateway --listen`.
#include <chrono>
#include <map>

#include "aegis/core/json.h"
#include "aegis/core/uuid.h"
#include "aegis/server/errors.h"
#include "routes.h"

namespace aegis::server {
namespace {

constexpr size_t kMaxSessions = 256;
constexpr auto kSessionIdle = std::chrono::minutes(30);

}  // namespace

// One client's session: its gateway, and the HTTP answers waiting for a response.
struct GatewaySessions::Session {
  std::string actor;
  GatewaySettings settings;  // the configured ones, with the caller as principal
  std::unique_ptr<Gateway> gateway;
  std::mutex lock;
  std::map<std::string, http::Reply> waiting;  // by the request's id (dumped)
  std::chrono::steady_clock::time_point last_used;

  // A message of the gateway for this client: a response goes to the HTTP request waiting for
  // it. Anything else cannot reach the client (no server-sent stream): a request of an upstream
  // is answered for it with an error, so that the upstream does not wait; notifications are
  // dropped.
  void to_client(const std::string& message) {
    const auto m = nlohmann::json::parse(message, nullptr, false);
    if (!m.is_object()) return;
    if (m.contains("id") && !m.contains("method")) {
      http::Reply reply;
      {
        std::lock_guard<std::mutex> l(lock);
        auto it = waiting.find(m["id"].dump());
        if (it == waiting.end()) return;
        reply = std::move(it->second);
        waiting.erase(it);
      }
      return reply(json_response(200, message));
    }
    if (m.contains("id") && gateway)
      gateway->from_client(nlohmann::json{{"jsonrpc", "2.0"},
                                          {"id", m["id"]},
                                          {"error",
                                           {{"code", -32601},
                                            {"message",
                                             "the client is connected over HTTP without a "
                                             "server-sent stream and cannot be asked"}}}}
                               .dump());
  }
};

GatewaySessions::GatewaySessions(const GatewaySettings& settings, const DecisionService& service,
                                 Store& store, std::mutex& store_lock,
                                 Gateway::CallObserver observer)
    : settings_(settings),
      service_(service),
      store_(store),
      store_lock_(store_lock),
      observer_(std::move(observer)) {}

GatewaySessions::~GatewaySessions() = default;

// Opens a session for `actor` and hands it the initialize message.
void GatewaySessions::open(const std::string& actor, const http::Request& req,
                           const nlohmann::json& id, http::Reply reply) {
  auto s = std::make_shared<Session>();
  s->actor = actor;
  s->settings = settings_;
  if (!actor.empty()) s->settings.principal = actor;
  s->last_used = std::chrono::steady_clock::now();
  std::weak_ptr<Session> weak = s;
  s->gateway = std::make_unique<Gateway>(
      s->settings, service_, store_, store_lock_,
      [weak](std::string m) {
        if (auto live = weak.lock()) live->to_client(m);
      },
      [](const std::string& line) { std::fprintf(stderr, "aegis gateway: %s\n", line.c_str()); });
  if (observer_) s->gateway->set_call_observer(observer_);
  if (auto e = s->gateway->start()) return reply(error_response(*e));
  const std::string session_id = new_uuid_v4();
  {
    std::lock_guard<std::mutex> l(lock_);
    if (sessions_.size() >= kMaxSessions) evict_one();
    sessions_[session_id] = s;
  }
  {
    std::lock_guard<std::mutex> l(s->lock);
    s->waiting[id.dump()] = [reply = std::move(reply), session_id](http::Response r) {
      r.headers.emplace_back("Mcp-Session-Id", session_id);
      reply(std::move(r));
    };
  }
  s->gateway->from_client(req.body);
}

// Ends the least recently used session (under lock_).
void GatewaySessions::evict_one() {
  auto oldest = sessions_.begin();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
    if (it->second->last_used < oldest->second->last_used) oldest = it;
  if (oldest != sessions_.end()) sessions_.erase(oldest);
}

void GatewaySessions::post(http::Request& req, const std::string& actor, http::Reply reply) {
  auto parsed = read_json(req.body);
  if (!parsed) return reply(error_response(parsed.error()));
  const nlohmann::json& m = parsed.value();
  const bool request = m.is_object() && m.contains("id") && m.contains("method");
  const std::string* session_id = req.header("mcp-session-id");
  if (request && m["method"] == "initialize" && !session_id) return open(actor, req, m["id"], std::move(reply));
  if (!session_id)
    return reply(error_response(Error(errors::kMcpSession, "",
                                      "a request other than initialize needs Mcp-Session-Id")));
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> l(lock_);
    auto it = sessions_.find(*session_id);
    const auto now = std::chrono::steady_clock::now();
    if (it != sessions_.end() && now - it->second->last_used > kSessionIdle) sessions_.erase(it);
    else if (it != sessions_.end() && it->second->actor == actor) s = it->second;
    if (s) s->last_used = now;
  }
  if (!s) return reply(error_response(Error(errors::kMcpUnknownSession, "", "no such MCP session")));
  if (!request) {
    s->gateway->from_client(req.body);
    return reply(json_response(202, ""));
  }
  {
    std::lock_guard<std::mutex> l(s->lock);
    s->waiting[m["id"].dump()] = std::move(reply);
  }
  s->gateway->from_client(req.body);
}

bool GatewaySessions::end(const std::string& session_id, const std::string& actor) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> l(lock_);
    auto it = sessions_.find(session_id);
    if (it == sessions_.end() || it->second->actor != actor) return false;
    s = std::move(it->second);
    sessions_.erase(it);
  }
  return true;  // `s` goes here: its gateway ends its upstream connections
}

void add_gateway_routes(http::Router& router, const std::string& path, GatewaySessions& sessions,
                        bool keys) {
  const http::Access access = keys ? http::Access::kPermission : http::Access::kPublic;
  const std::string permission = keys ? "decide" : "";
  router.add({"POST", path, access, permission, http::Runs::kOnWorker,
              [&sessions](http::Request& req, const http::Caller& c, http::Reply reply) {
                sessions.post(req, c.actor_id, std::move(reply));
              }});
  router.add({"DELETE", path, access, permission, http::Runs::kOnWorker,
              [&sessions](http::Request& req, const http::Caller& c, http::Reply reply) {
                const std::string* session = req.header("mcp-session-id");
                if (!session)
                  return reply(error_response(
                      Error(errors::kMcpSession, "", "DELETE needs the Mcp-Session-Id to end")));
                if (!sessions.end(*session, c.actor_id))
                  return reply(error_response(
                      Error(errors::kMcpUnknownSession, "", "no such MCP session")));
                reply(json_response(204, ""));
              }});
}

}  // namespace aegis::server
