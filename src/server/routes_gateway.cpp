// The MCP gateway over Streamable HTTP (docs/gateway.md#over-http): POST a message, DELETE ends
// the session. `initialize` opens a session — a Gateway of its own, with its own upstream
// connections — whose id the answer carries; each request is answered as application/json when
// its response comes, and a tools/call as a server-sent stream when the client accepts one (its
// progress while it is held for approval, then its response). Mounted at /gateway/mcp in `aegis
// serve` (API keys, RBAC: `decide`), and served alone at /mcp by `aegis gateway --listen`.
#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "aegis/core/json.h"
#include "aegis/core/uuid.h"
#include "aegis/server/errors.h"
#include "routes.h"

namespace aegis::server {
namespace {

constexpr size_t kMaxSessions = 256;
constexpr auto kSessionIdle = std::chrono::minutes(30);

}  // namespace

// The HTTP answers waiting for a session's responses, by request id. The gateway's callback holds
// only this, never the session: a session ends on an HTTP thread, never on one of its gateway's.
// A request is answered as application/json, or — a tools/call whose client accepts
// text/event-stream — as a server-sent stream: the progress notifications of its progressToken
// while it is held for approval, then its response, then the end of the stream.
struct Outbox {
  struct Waiting {
    http::Reply reply;                      // a JSON answer: called once with the response
    std::shared_ptr<http::BodyStream> sse;  // a streamed answer, once its head is written
    nlohmann::json progress_token;          // of a streamed one: its notifications go with it
    std::vector<std::string> early;         // events that came before the stream was open
    bool streamed = false, done = false;
  };
  std::mutex lock;
  std::map<std::string, Waiting> waiting;  // by the request's id (dumped)

  static std::string event(const std::string& message) {
    return "event: message\ndata: " + message + "\n\n";
  }
  // Sends an event to a streamed request (under lock), or keeps it until the stream is open.
  static void send(Waiting& w, const std::string& message) {
    if (w.sse)
      w.sse->push(event(message));
    else
      w.early.push_back(event(message));
  }

  // A response goes to the HTTP request waiting for it; a progress notification to the streamed
  // request of its token. Nothing else is sent to an HTTP client (no standalone stream: other
  // notifications are dropped, and the gateway answers the upstreams' requests itself,
  // refuse_client_requests).
  void deliver(const std::string& message) {
    const auto m = nlohmann::json::parse(message, nullptr, false);
    if (!m.is_object()) return;
    std::unique_lock<std::mutex> l(lock);
    if (m.contains("method")) {
      const auto params = m.value("params", nlohmann::json::object());
      if (m["method"] != "notifications/progress" || !params.is_object()) return;
      const auto token = params.value("progressToken", nlohmann::json());
      for (auto& [id, w] : waiting)
        if (w.streamed && !token.is_null() && w.progress_token == token) send(w, message);
      return;
    }
    if (!m.contains("id")) return;
    auto it = waiting.find(m["id"].dump());
    if (it == waiting.end()) return;
    Waiting& w = it->second;
    if (w.streamed) {
      send(w, message);
      w.done = true;
      if (w.sse) {
        w.sse->end();
        waiting.erase(it);
      }
      return;
    }
    http::Reply reply = std::move(w.reply);
    waiting.erase(it);
    l.unlock();
    reply(json_response(200, message));
  }
  // Registers the answer of request `id`; false when one with the same id is still waiting.
  bool wait(const std::string& id, http::Reply reply) {
    std::lock_guard<std::mutex> l(lock);
    return waiting.emplace(id, Waiting{std::move(reply), nullptr, nullptr, {}, false, false})
        .second;
  }
  // The same for a streamed answer (`progress_token` may be null); its head is written now.
  bool stream(const std::shared_ptr<Outbox>& self, const std::string& id,
              nlohmann::json progress_token, const http::Reply& reply) {
    {
      std::lock_guard<std::mutex> l(lock);
      if (!waiting
               .emplace(id, Waiting{nullptr, nullptr, std::move(progress_token), {}, true, false})
               .second)
        return false;
    }
    http::Response r;
    r.content_type = "text/event-stream";
    r.streamed = [self, id](std::shared_ptr<http::BodyStream> sse) {
      std::lock_guard<std::mutex> l(self->lock);
      auto it = self->waiting.find(id);
      if (it == self->waiting.end()) return sse->end();
      for (auto& e : it->second.early) sse->push(std::move(e));
      it->second.early.clear();
      if (it->second.done) {
        sse->end();
        self->waiting.erase(it);
        return;
      }
      it->second.sse = std::move(sse);
    };
    reply(std::move(r));
    return true;
  }
};

// One client's session.
struct GatewaySessions::Session {
  std::string actor;
  GatewaySettings settings;  // the configured ones, with the caller as principal
  std::shared_ptr<Outbox> outbox = std::make_shared<Outbox>();
  std::unique_ptr<Gateway> gateway;
  std::chrono::steady_clock::time_point last_used;
};

GatewaySessions::GatewaySessions(const GatewaySettings& settings, const DecisionService& service,
                                 Store& store, std::mutex& store_lock,
                                 Gateway::CallObserver observer, Approvals* approvals)
    : settings_(settings),
      service_(service),
      store_(store),
      store_lock_(store_lock),
      observer_(std::move(observer)),
      approvals_(approvals) {}

GatewaySessions::~GatewaySessions() = default;

// Opens a session for `actor` and hands it the initialize message.
void GatewaySessions::open(const std::string& actor, const http::Request& req,
                           const nlohmann::json& id, http::Reply reply) {
  auto s = std::make_shared<Session>();
  s->actor = actor;
  s->settings = settings_;
  if (!actor.empty()) s->settings.principal = actor;
  s->last_used = std::chrono::steady_clock::now();
  s->gateway = std::make_unique<Gateway>(
      s->settings, service_, store_, store_lock_,
      [outbox = s->outbox](std::string m) { outbox->deliver(m); },
      [](const std::string& line) { std::fprintf(stderr, "aegis gateway: %s\n", line.c_str()); });
  s->gateway->refuse_client_requests();
  if (observer_) s->gateway->set_call_observer(observer_);
  if (approvals_) s->gateway->set_approvals(approvals_);
  if (auto e = s->gateway->start()) return reply(error_response(*e));
  const std::string session_id = new_uuid_v4();
  std::vector<std::shared_ptr<Session>> ended;  // end after the lock is released
  {
    std::lock_guard<std::mutex> l(lock_);
    // Sessions idle too long end now (with their upstreams), and the oldest when there are many.
    const auto now = std::chrono::steady_clock::now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now - it->second->last_used <= kSessionIdle) {
        ++it;
        continue;
      }
      ended.push_back(std::move(it->second));
      it = sessions_.erase(it);
    }
    if (sessions_.size() >= kMaxSessions) ended.push_back(take_oldest());
    sessions_[session_id] = s;
  }
  s->outbox->wait(id.dump(), [reply = std::move(reply), session_id](http::Response r) {
    r.headers.emplace_back("Mcp-Session-Id", session_id);
    reply(std::move(r));
  });
  s->gateway->from_client(req.body);
}

// Takes the least recently used session out (under lock_), for the caller to end unlocked.
std::shared_ptr<GatewaySessions::Session> GatewaySessions::take_oldest() {
  auto oldest = sessions_.begin();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
    if (it->second->last_used < oldest->second->last_used) oldest = it;
  if (oldest == sessions_.end()) return nullptr;
  auto s = std::move(oldest->second);
  sessions_.erase(oldest);
  return s;
}

void GatewaySessions::post(http::Request& req, const std::string& actor, http::Reply reply) {
  if (const std::string* version = req.header("mcp-protocol-version")) {
    const auto& known = Gateway::supported_protocol_versions();
    if (std::find(known.begin(), known.end(), *version) == known.end())
      return reply(error_response(
          Error(errors::kMcpProtocolVersion, "", "unsupported MCP-Protocol-Version " + *version)));
  }
  auto parsed = read_json(req.body);
  if (!parsed) return reply(error_response(parsed.error()));
  const nlohmann::json& m = parsed.value();
  const bool request = m.is_object() && m.contains("id") && m.contains("method");
  if (request && !m["id"].is_string() && !m["id"].is_number_integer())
    return reply(error_response(
        Error(errors::kGatewayMessage, "id", "a request's id must be a string or an integer")));
  const std::string* session_id = req.header("mcp-session-id");
  if (request && m["method"] == "initialize" && !session_id)
    return open(actor, req, m["id"], std::move(reply));
  if (!session_id)
    return reply(error_response(
        Error(errors::kMcpSession, "", "a request other than initialize needs Mcp-Session-Id")));
  std::shared_ptr<Session> s, expired;  // `expired` ends after the lock is released
  {
    std::lock_guard<std::mutex> l(lock_);
    auto it = sessions_.find(*session_id);
    const auto now = std::chrono::steady_clock::now();
    if (it != sessions_.end() && now - it->second->last_used > kSessionIdle) {
      expired = std::move(it->second);
      sessions_.erase(it);
    } else if (it != sessions_.end() && it->second->actor == actor) {
      s = it->second;
      s->last_used = now;
    }
  }
  if (!s)
    return reply(error_response(Error(errors::kMcpUnknownSession, "", "no such MCP session")));
  if (!request) {
    s->gateway->from_client(req.body);
    return reply(json_response(202, ""));
  }
  const std::string* accept = req.header("accept");
  const bool sse = m["method"] == "tools/call" && accept &&
                   accept->find("text/event-stream") != std::string::npos;
  const auto meta = m.value("params", nlohmann::json::object());
  const auto token = meta.is_object() && meta.value("_meta", nlohmann::json()).is_object()
                         ? meta["_meta"].value("progressToken", nlohmann::json())
                         : nlohmann::json();
  const bool registered = sse ? s->outbox->stream(s->outbox, m["id"].dump(), token, reply)
                              : s->outbox->wait(m["id"].dump(), reply);
  if (!registered)
    return reply(error_response(
        Error(errors::kGatewayMessage, "id", "a request with this id is still being answered")));
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
                  return reply(
                      error_response(Error(errors::kMcpUnknownSession, "", "no such MCP session")));
                reply(json_response(204, ""));
              }});
}

}  // namespace aegis::server
