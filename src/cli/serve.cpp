// `aegis serve`: the HTTP API (INTERFACES §4) — the evaluate, risk-check, decisions, AFA, health
// and metrics routes — with API keys, RBAC per route, per-key rate limits and body limits.
// GCC 12 reports a false -Wrestrict on std::string concatenation at -O3 (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include <httplib.h>
#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "aegis/afa.h"
#include "aegis/crypto/encoding.h"
#include "aegis/dashboard.h"
#include "aegis/digest.h"
#include "aegis/http_auth.h"
#include "aegis/json.h"
#include "aegis/metrics.h"
#include "aegis/openapi.h"
#include "aegis/rbac.h"
#include "aegis/report.h"
#include "aegis/server_config.h"
#include "aegis/store.h"
#include "aegis/version.h"
#include "aegis/workflow_api.h"
#include "commands.h"
#include "common.h"
#include "http_server.h"

namespace aegis::cli {
namespace {

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(bytes)) != 1)
    throw_error(Error{ErrorKind::kInternal, "server.random", "", "the random generator failed"});
  return crypto::to_hex(b.data(), b.size());
}

// HTTP-only refusals (401, 429) that have no engine ErrorKind.
void send_http_error(httplib::Response& res, int status, std::string_view code,
                     std::string_view detail, std::string_view message) {
  res.status = status;
  const nlohmann::json body = {
      {"error", {{"code", code}, {"detail", detail}, {"message", message}}}};
  res.set_content(body.dump(), "application/json");
}

// Authenticates (exactly one Authorization header with a Bearer API key), authorizes (RBAC
// `permission`) and rate-limits a request. Returns the actor id, or nullopt with the error
// response already filled in.
std::optional<std::string> admit(const httplib::Request& req, httplib::Response& res,
                                 std::string_view permission, const std::vector<ApiKey>& keys,
                                 const RBACEnforcer& rbac, RateLimiter& limiter) {
  const std::string header = req.get_header_value("Authorization");
  const auto credential = req.get_header_value_count("Authorization") == 1
                              ? bearer_credential(header)
                              : std::nullopt;
  if (!credential) {
    send_http_error(res, 401, "unauthorized", "server.unauthorized",
                    "an API key is required: one header Authorization: Bearer <key>");
    return std::nullopt;
  }
  const ApiKey* found = find_api_key(keys, *credential);
  if (!found) {
    send_http_error(res, 401, "unauthorized", "server.bad_key", "the API key is not valid");
    return std::nullopt;
  }
  if (auto denied = rbac.check(found->actor_id, permission)) {
    const ApiReply r = error_reply(*denied);
    res.status = r.status;
    res.set_content(r.body, "application/json");
    return std::nullopt;
  }
  const RateLimiter::Decision rate = limiter.take(found->key_sha256);
  if (!rate.allowed) {
    res.set_header("Retry-After", std::to_string(rate.retry_after_seconds));
    send_http_error(res, 429, "rate_limited", "server.rate_limited",
                    "too many requests for this API key");
    return std::nullopt;
  }
  if (rate.remaining) res.set_header("X-AEGIS-Rate-Remaining", std::to_string(*rate.remaining));
  return found->actor_id;
}

// The query of a GET: only `allowed` names, each at most once (400 naming the parameter
// otherwise). Integer parameters are whole decimal strings within their range.
std::optional<Error> check_query(const httplib::Request& req,
                                 std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : req.params) {
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known)
      return invalid_input("json.query", name, "unknown query parameter \"" + name + "\"");
    if (req.get_param_value_count(name.c_str()) != 1)
      return invalid_input("json.query", name, "query parameter " + name + " is given twice");
  }
  return std::nullopt;
}

Result<int64_t> query_integer(const httplib::Request& req, const char* name, int64_t fallback,
                              int64_t lo, int64_t hi) {
  if (!req.has_param(name)) return fallback;
  const std::string v = req.get_param_value(name);
  int64_t n = 0;
  bool ok = !v.empty() && v.size() <= 18;
  for (char c : v) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) n = n * 10 + (c - '0');
  }
  if (!ok || n < lo || n > hi)
    return invalid_input("json.query", name,
                         std::string(name) + " must be a whole number in [" + std::to_string(lo) +
                             ", " + std::to_string(hi) + "], got \"" +
                             v.substr(0, 32) + "\"");
  return n;
}

// Group commit across requests: handlers queue their entries and wait; one thread appends
// everything queued so far in one durable transaction and wakes them. A request is answered only
// after its entry is committed.
class GroupCommitter {
 public:
  // `store_lock` serialises the store with the handlers that read it.
  GroupCommitter(Store& store, std::mutex& store_lock)
      : store_(store), store_lock_(store_lock), thread_([this] { run(); }) {}
  ~GroupCommitter() {
    {
      std::lock_guard<std::mutex> g(lock_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  // Blocks until `entries` are durable; false when the append failed (nothing of them landed).
  bool commit(std::vector<NewEntry> entries) {
    if (entries.empty()) return true;
    auto done = std::make_shared<std::promise<bool>>();
    auto result = done->get_future();
    {
      std::lock_guard<std::mutex> g(lock_);
      queue_.push_back({std::move(entries), done});
    }
    wake_.notify_one();
    return result.get();
  }

 private:
  struct Pending {
    std::vector<NewEntry> entries;
    std::shared_ptr<std::promise<bool>> done;
  };
  void run() {
    while (true) {
      std::vector<Pending> batch;
      {
        std::unique_lock<std::mutex> g(lock_);
        wake_.wait(g, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty() && stop_) return;
        batch.swap(queue_);
      }
      std::vector<NewEntry> all;
      for (auto& p : batch)
        for (auto& e : p.entries) all.push_back(std::move(e));
      bool ok = true;
      try {
        std::lock_guard<std::mutex> g(store_lock_);
        store_.append(all);
      } catch (const std::exception&) {
        ok = false;
      }
      for (auto& p : batch) p.done->set_value(ok);
    }
  }

  Store& store_;
  std::mutex& store_lock_;
  std::mutex lock_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  bool stop_ = false;
  std::thread thread_;
};

// The label /metrics counts a request under: a fixed set of route templates, so that arbitrary
// paths cannot create new series.
std::string route_label(const std::string& path) {
  static const std::set<std::string> kExact = {
      "/v1/evaluate",  "/evaluate",          "/v1/evaluate/batch",     "/v1/risk-check",
      "/v1/decisions", "/v1/proposals",      "/v1/overrides",          "/v1/consensus",
      "/v1/drift",     "/v1/drift/baseline", "/v1/drift/observations", "/v1/afa/decide",
      "/health",       "/metrics",           "/openapi.json",          "/",
      "/v1/dashboard"};
  if (kExact.count(path)) return path;
  static const std::set<std::string> kCollections = {"decisions", "proposals", "overrides",
                                                     "consensus"};
  static const std::set<std::string> kSteps = {"signatures", "votes", "close"};
  std::vector<std::string> seg;
  for (size_t start = 1; start <= path.size();) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    seg.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (seg.size() < 3 || seg.size() > 4 || seg[0] != "v1" || !kCollections.count(seg[1]))
    return "other";
  std::string label = "/v1/" + seg[1] + "/{id}";
  if (seg.size() == 4) {
    if (seg[1] == "proposals" && WorkflowApi::step_permission(seg[3])) return label + "/{action}";
    if (!kSteps.count(seg[3])) return "other";
    label += "/" + seg[3];
  }
  return label;
}

// A store URL fit to print: the password of user:password@ is masked.
std::string redacted(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

void send(httplib::Response& res, const ApiReply& reply) {
  res.status = reply.status;
  res.set_content(reply.body, "application/json");
}

httplib::Server* g_http = nullptr;
void stop_on_signal(int) {
  if (g_http) g_http->stop();
}

}  // namespace

int run_serve(const ServeOptions& o) {
  auto config = load_config(o.config);
  if (!config) return report_error(config.error());
  std::string config_text;  // the server:, rbac: and custodians: sections live in the same file
  if (o.config) {
    auto text = read_config_text(*o.config);
    if (!text) return report_error(text.error());
    config_text = std::move(text).value();
  }
  const std::string source = o.config.value_or("");
  auto settings = parse_server_settings(config_text, source);
  if (!settings) return report_error(settings.error());
  auto rbac_loaded = server_rbac(config_text, source, settings.value().api_keys);
  if (!rbac_loaded) return report_error(rbac_loaded.error());
  const RBACEnforcer& rbac = rbac_loaded.value();
  CustodianRegistry custodians;
  if (o.config) {
    auto loaded = CustodianRegistry::parse_yaml(config_text, source);
    if (!loaded) return report_error(loaded.error());
    custodians = std::move(loaded).value();
  }
  const size_t colon = o.listen.rfind(':');
  int port = 0;
  try {
    port = colon == std::string::npos ? -1 : std::stoi(o.listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 1 || port > 65535)
    return report_error(invalid_input("cli.usage", "listen", "--listen must be HOST:PORT"));
  const std::string host = o.listen.substr(0, colon);

  std::unique_ptr<httplib::Server> server;
  if (o.tls_cert) {
    server = std::make_unique<httplib::SSLServer>(o.tls_cert->c_str(), o.tls_key->c_str());
    if (!server->is_valid())
      return report_error(invalid_input("cli.tls", "tls_cert",
                                        "cannot load the TLS certificate and key (--tls-cert " +
                                            *o.tls_cert + ", --tls-key " + *o.tls_key + ")"));
  } else {
    server = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *server;

  std::unique_ptr<Store> store;
  try {
    store = Store::open(o.db);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  std::mutex store_lock;  // one thread at a time on the store; decisions go through `committer`
  GroupCommitter committer(*store, store_lock);
  RateLimiter limiter(settings.value().rate_limit_per_minute);
  PrometheusExporter metrics;
  std::unique_ptr<TelemetryEmitter> telemetry;  // the config's telemetry_url, batched
  try {
    telemetry = make_telemetry(std::nullopt, config.value(), 100);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  std::atomic<uint64_t> telemetry_lost_counted{0};
  const GateEvaluator evaluator = config.value().create_gate_evaluator();
  WorkflowApi api(config.value(), *store, store_lock, rbac, custodians, evaluator, &metrics,
                  telemetry.get());
  const auto& keys = settings.value().api_keys;
  const size_t max_batch_items = settings.value().max_batch_items;
  const std::string openapi = openapi_document();

  auto guard = [&](const httplib::Request& req, httplib::Response& res,
                   std::string_view permission) {
    return admit(req, res, permission, keys, rbac, limiter);
  };

  // One context parser per worker thread, reused across requests (its buffers stay allocated).
  auto request_parser = [&config]() -> ContextParser& {
    thread_local ContextParser parser(
        config.value(), {.cli_aliases = true, .cli_defaults = true, .request_fields = true});
    return parser;
  };

  // Parses and decides one context; the decision's JSON goes to `out` and its audit entry to
  // `entry`. Returns the error instead when the context is not valid.
  auto decide_one = [&](std::string_view body, ContextParser& parser, std::string* out,
                        NewEntry* entry) -> std::optional<Error> {
    auto req = parser.parse(body);
    if (!req) return req.error();
    std::optional<DriftMonitor> drift;
    try {
      if (req.value().drift_baseline_data) {
        drift.emplace(config.value().create_drift_monitor());
        drift->set_baseline(*req.value().drift_baseline_data);
      }
    } catch (const AegisError& e) {
      return e.error();
    }
    const PCWDecision d =
        pcw_decide(req.value().context, {.gate_evaluator = &evaluator,
                                         .prometheus_exporter = &metrics,
                                         .shadow_mode = req.value().shadow,
                                         .drift_monitor = drift ? &*drift : nullptr,
                                         .telemetry_emitter = telemetry.get()});
    *out = decision_to_json(d);
    *entry = NewEntry{"decision", d.decision_id, *out};
    return std::nullopt;
  };

  auto evaluate = [&](const httplib::Request& req, httplib::Response& res) {
    if (!guard(req, res, "decide")) return;
    ContextParser& parser = request_parser();
    std::string out;
    NewEntry entry;
    if (const auto e = decide_one(req.body, parser, &out, &entry))
      return send(res, error_reply(*e));
    if (!committer.commit({std::move(entry)}))  // durable before it is answered
      return send(res, error_reply(Error{ErrorKind::kInternal, "server.store", "",
                                         "the decision could not be stored; it was not returned"}));
    res.set_content(out, "application/json");
  };
  http.Post("/v1/evaluate", evaluate);
  http.Post("/evaluate", evaluate);

  http.Post("/v1/evaluate/batch", [&](const httplib::Request& req, httplib::Response& res) {
    if (!guard(req, res, "decide")) return;
    // The items' texts, each read on its own (an item's error stays in its place).
    std::vector<std::string_view> items;
    const std::string_view body = req.body;
    const auto first = body.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && body[first] == '[') {
      auto split = split_json_array(body);
      if (!split) return send(res, error_reply(split.error()));
      items = std::move(split).value();
    } else {
      for (size_t start = 0; start < body.size();) {
        size_t nl = body.find('\n', start);
        if (nl == std::string_view::npos) nl = body.size();
        const std::string_view line = body.substr(start, nl - start);
        if (line.find_first_not_of(" \t\r") != std::string_view::npos) items.push_back(line);
        start = nl + 1;
      }
    }
    if (items.size() > max_batch_items)
      return send(res, error_reply(Error{ErrorKind::kPayloadTooLarge, "server.too_many_items",
                                         "server.max_batch_items",
                                         "the batch holds " + std::to_string(items.size()) +
                                             " contexts, over server.max_batch_items = " +
                                             std::to_string(max_batch_items)}));
    ContextParser& parser = request_parser();
    std::string out = "[";
    std::vector<NewEntry> entries;
    entries.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      std::string decision;
      NewEntry entry;
      if (i) out += ',';
      if (const auto e = decide_one(items[i], parser, &decision, &entry)) {
        nlohmann::json err = error_to_json(*e);
        err["index"] = i;
        out += err.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      } else {
        out += decision;
        entries.push_back(std::move(entry));
      }
    }
    out += ']';
    if (!committer.commit(std::move(entries)))
      return send(res, error_reply(Error{ErrorKind::kInternal, "server.store", "",
                                         "the decisions could not be stored; none was returned"}));
    res.set_content(std::move(out), "application/json");
  });

  http.Post("/v1/risk-check", [&](const httplib::Request& req, httplib::Response& res) {
    const auto actor = guard(req, res, "decide");
    if (!actor) return;
    try {
      const nlohmann::json j = parse_json_strict(req.body);
      if (!j.is_object() || !j.contains("risk_score") || !j["risk_score"].is_number() ||
          !j.value("action_description", nlohmann::json()).is_string())
        return send(res, error_reply(invalid_input("server.invalid", "risk_score",
                                                   "action_description (string) and risk_score "
                                                   "(number) are required")));
      if (j.contains("threshold") && !j["threshold"].is_number())
        return send(res, error_reply(invalid_input("server.invalid", "threshold",
                                                   "threshold must be a number")));
      const double threshold = j.value("threshold", 0.5);
      const double score = j["risk_score"].get<double>();
      const bool safe =
          quick_risk_check(*actor, j["action_description"].get<std::string>(), score, threshold);
      res.set_content(
          nlohmann::json{{"safe", safe}, {"risk_score", score}, {"threshold", threshold}}.dump(),
          "application/json");
    } catch (const AegisError& e) {
      send(res, error_reply(e.error()));
    }
  });

  http.Get("/v1/decisions", [&](const httplib::Request& req, httplib::Response& res) {
    if (!guard(req, res, "read_decisions")) return;
    if (auto e = check_query(req, {"limit", "cursor"})) return send(res, error_reply(*e));
    const auto limit = query_integer(req, "limit", 50, 1, 1000);
    if (!limit) return send(res, error_reply(limit.error()));
    const auto cursor = query_integer(req, "cursor", 0, 0, int64_t{1} << 53);
    if (!cursor) return send(res, error_reply(cursor.error()));
    const int64_t after = cursor.value();
    std::string out = "{\"decisions\":[";
    int64_t last = after;
    size_t n = 0;
    try {
      std::lock_guard<std::mutex> g(store_lock);
      for (const auto& e : store->list_decisions(static_cast<size_t>(limit.value()), after)) {
        if (n++) out += ',';
        out += e.body;
        last = e.seq;
      }
    } catch (const AegisError& e) {
      return send(res, error_reply(e.error()));
    }
    out += "],\"next_cursor\":";
    out += n == static_cast<size_t>(limit.value()) ? "\"" + std::to_string(last) + "\"" : "null";
    out += '}';
    res.set_content(out, "application/json");
  });

  http.Get(R"(/v1/decisions/([0-9a-fA-F-]{1,64}))",
           [&](const httplib::Request& req, httplib::Response& res) {
             if (!guard(req, res, "read_decisions")) return;
             std::optional<std::string> found;
             try {
               std::lock_guard<std::mutex> g(store_lock);
               found = store->get_decision(req.matches[1].str());
             } catch (const AegisError& e) {  // store.integrity: never another decision
               return send(res, error_reply(e.error()));
             }
             if (!found)
               return send(res, error_reply(Error{ErrorKind::kNotFound, "server.not_found",
                                                  "decision_id", "no such decision"}));
             res.set_content(*found, "application/json");
           });

  // Workflows (WorkflowApi answers; the route only authenticates and authorizes).
  const std::string id = "([A-Za-z0-9._:-]{1,128})";
  http.Post("/v1/proposals", [&](const httplib::Request& req, httplib::Response& res) {
    if (const auto actor = guard(req, res, "propose"))
      send(res, api.create_proposal(*actor, req.body));
  });
  http.Get("/v1/proposals/" + id, [&](const httplib::Request& req, httplib::Response& res) {
    if (guard(req, res, "read_decisions")) send(res, api.get_proposal(req.matches[1].str()));
  });
  http.Post("/v1/proposals/" + id + "/([a-z]{1,16})",
            [&](const httplib::Request& req, httplib::Response& res) {
              const std::string action = req.matches[2].str();
              const auto permission = WorkflowApi::step_permission(action).value_or("propose");
              if (const auto actor = guard(req, res, permission))
                send(res, api.proposal_step(*actor, req.matches[1].str(), action, req.body));
            });
  http.Post("/v1/overrides", [&](const httplib::Request& req, httplib::Response& res) {
    if (const auto actor = guard(req, res, "propose"))
      send(res, api.create_override(*actor, req.body));
  });
  http.Post("/v1/overrides/" + id + "/signatures",
            [&](const httplib::Request& req, httplib::Response& res) {
              if (const auto actor = guard(req, res, "sign_override"))
                send(res, api.sign_override(*actor, req.matches[1].str(), req.body));
            });
  http.Get("/v1/overrides/" + id, [&](const httplib::Request& req, httplib::Response& res) {
    if (guard(req, res, "read_decisions")) send(res, api.get_override(req.matches[1].str()));
  });
  http.Post("/v1/consensus", [&](const httplib::Request& req, httplib::Response& res) {
    if (const auto actor = guard(req, res, "propose"))
      send(res, api.create_consensus(*actor, req.body));
  });
  http.Post("/v1/consensus/" + id + "/votes",
            [&](const httplib::Request& req, httplib::Response& res) {
              if (const auto actor = guard(req, res, "analyze"))
                send(res, api.vote(*actor, req.matches[1].str(), req.body));
            });
  http.Post("/v1/consensus/" + id + "/close",
            [&](const httplib::Request& req, httplib::Response& res) {
              if (const auto actor = guard(req, res, "approve"))
                send(res, api.close_consensus(*actor, req.matches[1].str()));
            });
  http.Get("/v1/consensus/" + id, [&](const httplib::Request& req, httplib::Response& res) {
    if (guard(req, res, "read_decisions")) send(res, api.get_consensus(req.matches[1].str()));
  });
  http.Post("/v1/drift/baseline", [&](const httplib::Request& req, httplib::Response& res) {
    if (const auto actor = guard(req, res, "calibrate"))
      send(res, api.set_drift_baseline(*actor, req.body));
  });
  http.Post("/v1/drift/observations", [&](const httplib::Request& req, httplib::Response& res) {
    if (guard(req, res, "decide")) send(res, api.add_drift_observations(req.body));
  });
  http.Get("/v1/drift", [&](const httplib::Request& req, httplib::Response& res) {
    if (guard(req, res, "read_decisions")) send(res, api.drift_status());
  });

  http.Post("/v1/afa/decide", [&](const httplib::Request& req, httplib::Response& res) {
    if (!guard(req, res, "decide")) return;
    try {
      // The metrics (a context) sit one level inside the request.
      auto request = AFABridge::request_from_json(
          parse_json_strict(req.body, {.max_depth = kMaxJsonDepth + 1}));
      if (!request) return send(res, error_reply(request.error()));
      std::lock_guard<std::mutex> g(store_lock);
      AFABridge bridge(config.value(), store.get());
      res.set_content(AFABridge::response_to_json(bridge.evaluate(request.value())).dump(),
                      "application/json");
    } catch (const AegisError& e) {
      send(res, error_reply(e.error()));
    }
  });

  http.Get("/health", [&](const httplib::Request&, httplib::Response& res) {
    bool store_ok = true;
    try {
      std::lock_guard<std::mutex> g(store_lock);
      store->list_decisions(1, 0);
    } catch (const std::exception&) {
      store_ok = false;
    }
    const PCWDecision probe = pcw_decide({.agent_id = "health",
                                          .session_id = "h",
                                          .proposal_summary = "self-test",
                                          .estimated_impact = "medium",
                                          .risk_proposed = 0.3},
                                         {.gate_evaluator = &evaluator});
    const bool gates_ok = probe.status == PCWStatus::HALT;
    const bool ok = store_ok && gates_ok;
    res.status = ok ? 200 : 503;
    res.set_content(nlohmann::json{{"status", ok ? "ok" : "degraded"},
                                   {"engine_version", kEngineVersion},
                                   {"config_hash", config.value().config_hash()},
                                   {"checks",
                                    {{"store", store_ok ? "ok" : "unreachable"},
                                     {"gates", gates_ok ? "ok" : "wrong self-test decision"}}}}
                        .dump(),
                    "application/json");
  });

  const DashboardPage& dashboard = dashboard_page();
  http.Get("/", [&](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy", dashboard.content_security_policy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(dashboard.html, "text/html; charset=utf-8");
  });
  http.Get("/v1/dashboard", [&](const httplib::Request& req, httplib::Response& res) {
    if (!guard(req, res, "read_decisions")) return;
    ReportInput input;
    if (req.has_param("decision_id"))
      input.selected_decision_id = req.get_param_value("decision_id");
    const ApiReply drift = api.drift_status();
    if (drift.status == 200) input.drift = nlohmann::json::parse(drift.body);
    std::vector<AuditEntry> recent;
    try {
      std::lock_guard<std::mutex> g(store_lock);
      recent = store->recent_decisions(500);
    } catch (const AegisError& e) {
      return send(res, error_reply(e.error()));
    }
    for (const auto& e : recent) input.decisions.push_back(nlohmann::json::parse(e.body));
    res.set_content(render_report_fragment(input), "text/html; charset=utf-8");
  });

  // Counts by status and route are operational data: a scraper needs a key (Prometheus:
  // `authorization: {credentials: KEY}` in the scrape config).
  http.Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
    if (!guard(req, res, "read_decisions")) return;
    if (telemetry) {  // events the sinks dropped or failed since the last scrape
      const uint64_t lost = telemetry->lost();
      const uint64_t before = telemetry_lost_counted.exchange(lost);
      if (lost > before) metrics.record_telemetry_dropped(static_cast<double>(lost - before));
    }
    res.set_content(metrics.text(), "text/plain; version=0.0.4");
  });
  http.Get("/openapi.json", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(openapi, "application/json");
  });

  http.set_post_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    res.set_header("X-AEGIS-Version", kEngineVersion);
    std::string request_id = req.get_header_value("X-Request-Id");
    if (request_id.empty() || request_id.size() > 128) request_id = random_hex(16);
    res.set_header("X-Request-Id", request_id);
    metrics.record_http_request(route_label(req.path), res.status);
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* code = res.status == 413   ? "payload_too_large"
                       : res.status == 404 ? "not_found"
                                           : "invalid_input";
    send_http_error(res, res.status, code, "server.http", "HTTP " + std::to_string(res.status));
  });

  if (!bind_hardened(http, host, port, settings.value().max_body_bytes))
    return report_error(invalid_input("cli.listen", "listen", "cannot listen on " + o.listen));
  g_http = &http;
  std::signal(SIGTERM, stop_on_signal);
  std::signal(SIGINT, stop_on_signal);
  std::fprintf(stderr, "aegis: serving on %s://%s/ (store %s)\n", o.tls_cert ? "https" : "http",
               o.listen.c_str(), redacted(o.db).c_str());
  http.listen_after_bind();  // stop() lets in-flight requests finish
  g_http = nullptr;
  if (telemetry) telemetry->close();  // bounded by the sink's timeout
  return 0;
}

int run_apikey_new(const std::string& actor, const std::string& role) {
  if (actor.empty() || !parse_role(role))
    return report_error(
        invalid_input("cli.usage", "role", "--actor and a known --role are required"));
  const std::string key = "aegis_" + random_hex(32);
  std::printf(
      "API key (shown once): %s\nAdd to the config file under server.api_keys:\n"
      "  - {actor_id: %s, role: %s, key_sha256: \"%s\"}\n",
      key.c_str(), actor.c_str(), role.c_str(), sha256_hex(key).c_str());
  return 0;
}

}  // namespace aegis::cli
