// The gateway's message routing: client ⇄ upstreams, ids remapped both ways, the upstreams'
// lifecycle (initialize, restart), and the requests the gateway makes on its own behalf.
#include <algorithm>
#include <string>
#include <utility>

#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/core/uuid.h"
#include "aegis/core/version.h"
#include "aegis/server/errors.h"
#include "gateway_internal.h"
#include "http_upstream.h"
#include "stdio_upstream.h"

namespace aegis {
namespace {

constexpr auto kUpstreamTimeout = std::chrono::seconds(30);  // initialize and lists

json error_response(const json& id, int code, const std::string& message, json data = nullptr) {
  json e = {{"code", code}, {"message", message}};
  if (!data.is_null()) e["data"] = std::move(data);
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}};
}

bool valid_id(const json& id) {
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

}  // namespace

Gateway::Impl::Impl(const GatewaySettings& s, const DecisionService& svc, Store& st, std::mutex& sl,
                    Send to_client_fn, Log log_fn)
    : settings(s),
      service(svc),
      store(st),
      store_lock(sl),
      send(std::move(to_client_fn)),
      log(std::move(log_fn)),
      session_id(new_uuid_v4()),
      config_hash(gateway_config_hash(svc, s)) {
  ups.resize(settings.upstreams.size());
  for (size_t i = 0; i < ups.size(); ++i) ups[i].spec = &settings.upstreams[i];
}

void Gateway::Impl::to_client(const json& message) {
  std::string text = message.dump(-1, ' ', false, json::error_handler_t::replace);
  std::lock_guard<std::mutex> l(send_mu);
  send(std::move(text));
}

void Gateway::Impl::reply(const json& id, json result) {
  to_client({{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}});
}

void Gateway::Impl::reply_error(const json& id, int code, const std::string& message, json data) {
  to_client(error_response(id, code, message, std::move(data)));
}

bool Gateway::Impl::request(size_t upstream, const std::string& method, json params, Reply done,
                            std::optional<std::chrono::milliseconds> timeout,
                            const std::string& client_id) {
  if (stopped) return false;
  int64_t id;
  {
    std::lock_guard<std::mutex> l(mu);
    id = next_id++;
    Pending p{upstream, std::move(done), std::nullopt, client_id};
    if (timeout) p.deadline = std::chrono::steady_clock::now() + *timeout;
    pending.emplace(id, std::move(p));
  }
  json m = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) m["params"] = std::move(params);
  if (ups[upstream].link->send(m.dump(-1, ' ', false, json::error_handler_t::replace))) return true;
  std::lock_guard<std::mutex> l(mu);
  pending.erase(id);
  return false;
}

void Gateway::Impl::from_upstream(size_t i, const std::string& line) {
  if (stopped) return;
  auto parsed = read_json(line, {.max_bytes = size_t{4} << 20});
  const json* p = parsed ? &parsed.value() : nullptr;
  if (!p || !p->is_object() || p->value("jsonrpc", json()) != "2.0" ||
      (p->contains("method") && !(*p)["method"].is_string()) ||
      (p->contains("id") && !valid_id((*p)["id"])) ||
      (p->contains("params") && !(*p)["params"].is_object())) {
    log("upstream '" + ups[i].spec->name + "' sent a message that is not JSON-RPC 2.0; dropped");
    return;
  }
  json m = std::move(parsed).value();
  if (m.contains("method") && m.contains("id") && !client_asked) {
    // The client takes no requests: answered for it at once, so that the server does not wait.
    ups[i].link->send(
        json{{"jsonrpc", "2.0"},
             {"id", m["id"]},
             {"error",
              {{"code", -32601}, {"message", "the client is connected without a way to be asked"}}}}
            .dump());
  } else if (m.contains("method") && m.contains("id")) {  // a request of the server to the client
    {
      std::lock_guard<std::mutex> l(mu);
      const std::string gid = "aegis-" + std::to_string(next_id++);
      reverse[gid] = {i, m["id"]};
      m["id"] = gid;
      // Held until the client has finished its own initialize (it said initialized).
      if (!client_ready) return held.push_back(std::move(m));
    }
    to_client(m);
  } else if (m.contains("method")) {
    const std::string method = m["method"].is_string() ? m["method"].get<std::string>() : "";
    if (method == "notifications/cancelled" && m.contains("params")) {
      // It gives up a request it made of the client: name it by the client's id.
      std::lock_guard<std::mutex> l(mu);
      const json rid = m["params"].value("requestId", json());
      for (auto it = reverse.begin(); it != reverse.end(); ++it)
        if (it->second.upstream == i && it->second.id == rid) {
          m["params"]["requestId"] = it->first;
          reverse.erase(it);
          break;
        }
      if (m["params"]["requestId"] == rid) return;  // not one the client knows
    }
    if (method == "notifications/tools/list_changed") {
      refresh_tools(i, [this, m](std::optional<std::string> e) {
        if (e) log(*e);
        to_client(m);
      });
      return;
    }
    to_client(m);
  } else if (m.contains("id") && m["id"].is_number_integer()) {
    Reply done;
    {
      std::lock_guard<std::mutex> l(mu);
      auto it = pending.find(m["id"].get<int64_t>());
      if (it == pending.end() || it->second.upstream != i) return;  // cancelled, or not ours
      done = std::move(it->second.done);
      pending.erase(it);
    }
    done(m);
  }
}

void Gateway::Impl::upstream_state(size_t i, bool running) {
  std::vector<Reply> failed;
  bool reinitialize = false;
  {
    std::lock_guard<std::mutex> l(mu);
    Upstream& u = ups[i];
    if (running) {
      reinitialize = !u.running && u.initialized_once && client_init.has_value();
      u.running = true;
    } else {
      u.running = false;
      u.initialized = false;
      for (auto it = pending.begin(); it != pending.end();)
        if (it->second.upstream == i) {
          failed.push_back(std::move(it->second.done));
          it = pending.erase(it);
        } else {
          ++it;
        }
      std::erase_if(reverse, [i](const auto& r) { return r.second.upstream == i; });
    }
  }
  const json error = error_response(nullptr, -32603, "upstream '" + ups[i].spec->name + "' exited",
                                    {{"detail", errors::kGatewayUpstream.detail}});
  for (auto& done : failed) done(error);
  if (!reinitialize) return;
  initialize_upstream(i, [this](std::optional<std::string> e) {
    if (e) return log(*e);
    to_client({{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}});
  });
}

void Gateway::Impl::initialize_upstream(size_t i,
                                        std::function<void(std::optional<std::string>)> done) {
  json params;
  {
    std::lock_guard<std::mutex> l(mu);
    if (!client_init) return done("the client's initialize did not complete");
    params = {
        {"protocolVersion", version},
        {"capabilities", client_init->value("capabilities", json::object())},
        {"clientInfo", {{"name", "aegis-gateway"}, {"version", std::string(kEngineVersion)}}}};
  }
  const std::string name = ups[i].spec->name;
  auto on_init = [this, i, name, done](const json& r) {
    if (!r.contains("result") || !r["result"].is_object())
      return done("upstream '" + name + "' refused initialize: " + error_text(r));
    bool tools;
    {
      std::lock_guard<std::mutex> l(mu);
      const json caps = r["result"].value("capabilities", json());
      ups[i].capabilities = caps.is_object() ? caps : json::object();
      tools = ups[i].capabilities.contains("tools");
    }
    // The gateway is this upstream's client, and its handshake is done: initialized now, before
    // anything else is asked of it (its requests to the client wait for the client's own).
    ups[i].link->send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
    // Calls go to it only once its tools are listed and checked against their pins.
    const auto listed = [this, i, name, done](std::optional<std::string> e) {
      if (e) return done(e);
      {
        std::lock_guard<std::mutex> l(mu);
        ups[i].initialized = ups[i].initialized_once = true;
      }
      done(std::nullopt);
    };
    if (!tools) return listed(std::nullopt);
    refresh_tools(i, listed);
  };
  if (!request(i, "initialize", params, on_init, kUpstreamTimeout))
    done("upstream '" + name + "' is not running");
}

void Gateway::Impl::expire_pending() {
  std::vector<Reply> expired;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> l(mu);
    for (auto it = pending.begin(); it != pending.end();)
      if (it->second.deadline && *it->second.deadline < now) {
        expired.push_back(std::move(it->second.done));
        it = pending.erase(it);
      } else {
        ++it;
      }
  }
  for (auto& done : expired)
    done(error_response(nullptr, -32603, "the upstream did not answer in time",
                        {{"detail", errors::kGatewayUpstream.detail}}));
}

Gateway::Gateway(const GatewaySettings& settings, const DecisionService& service, Store& store,
                 std::mutex& store_lock, Send to_client, Log log)
    : impl_(std::make_unique<Impl>(settings, service, store, store_lock, std::move(to_client),
                                   std::move(log))) {}

Gateway::~Gateway() = default;

void Gateway::Impl::stop() {
  if (stopped.exchange(true)) return;
  // The calls being recorded finish first (their forwards fail once the links stop), on the
  // worker, which is still running; then the worker; then the links, whose threads are joined.
  while (recording.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    std::lock_guard<std::mutex> l(work_mu);
    stopping = true;
  }
  work_cv.notify_all();
  if (worker.joinable()) worker.join();
  for (auto& u : ups)
    if (u.link) u.link->stop();  // the objects stay: a late caller's send() is false
}

void Gateway::Impl::post(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> l(work_mu);
    jobs.push_back(std::move(job));
  }
  work_cv.notify_all();
}

std::optional<Error> Gateway::start() { return impl_->start(); }

void Gateway::set_call_observer(CallObserver observer) { impl_->observer = std::move(observer); }

void Gateway::refuse_client_requests() { impl_->client_asked = false; }

void Gateway::set_approvals(Approvals* approvals) { impl_->approvals = approvals; }

std::optional<Error> Gateway::Impl::start() {
  Impl& g = *this;
  for (size_t i = 0; i < g.ups.size(); ++i) {
    auto on_line = [&g, i](std::string line) { g.from_upstream(i, line); };
    auto on_state = [&g, i](bool running) { g.upstream_state(i, running); };
    if (g.ups[i].spec->url)
      g.ups[i].link =
          std::make_unique<gateway_detail::HttpUpstream>(*g.ups[i].spec, on_line, on_state, g.log);
    else
      g.ups[i].link =
          std::make_unique<gateway_detail::StdioUpstream>(*g.ups[i].spec, on_line, on_state, g.log);
  }
  for (auto& u : g.ups)
    if (auto e = u.link->start()) return e;
  g.worker = std::thread([&g] {
    std::unique_lock<std::mutex> l(g.work_mu);
    while (!g.stopping) {
      if (g.jobs.empty()) g.work_cv.wait_for(l, std::chrono::milliseconds(250));
      std::deque<std::function<void()>> now;
      now.swap(g.jobs);
      l.unlock();
      for (auto& job : now) job();
      g.expire_pending();
      if (g.approvals) g.check_holds();
      l.lock();
    }
  });
  return std::nullopt;
}

void Gateway::from_client(std::string_view message) { impl_->from_client(message); }

void Gateway::Impl::from_client(std::string_view message) {
  Impl& g = *this;
  if (stopped) return;
  auto parsed = read_json(message);
  if (!parsed) {
    const Error& e = parsed.error();
    return g.reply_error(nullptr, kind_info(e.kind).jsonrpc_code, "parse error: " + e.message,
                         error_to_json(e)["error"]);
  }
  const json& m = parsed.value();
  if (!m.is_object())
    return g.reply_error(nullptr, -32600,
                         "the gateway forwards single JSON-RPC objects, not batches",
                         {{"detail", errors::kGatewayMessage.detail}});
  const bool has_id = m.contains("id"), has_method = m.contains("method");
  if (m.value("jsonrpc", json()) != "2.0" || (has_id && !valid_id(m["id"])) ||
      (has_method && !m["method"].is_string()) || (!has_id && !has_method))
    return g.reply_error(has_id && valid_id(m["id"]) ? m["id"] : json(), -32600,
                         "not a JSON-RPC 2.0 request, notification or response",
                         {{"detail", errors::kGatewayMessage.detail}});
  if (has_method && m.contains("params") && !m["params"].is_object())
    return has_id ? g.reply_error(m["id"], -32602, "params must be an object",
                                  {{"detail", errors::kGatewayMessage.detail}})
                  : void();
  if (has_method && has_id) return g.handle_client_request(m);
  if (has_method) return g.handle_client_notification(m);
  g.handle_client_response(m);
}

std::vector<GatewayCallCount> Gateway::call_counts() const {
  std::lock_guard<std::mutex> l(impl_->mu);
  std::vector<GatewayCallCount> out;
  for (const auto& [key, n] : impl_->counts)
    out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), n});
  return out;
}

const std::vector<std::string>& Gateway::supported_protocol_versions() {
  static const std::vector<std::string> v = {"2025-03-26", "2025-06-18", "2025-11-25"};
  return v;
}

}  // namespace aegis
