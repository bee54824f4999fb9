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
#include "aegis/json.h"
#include "aegis/metrics.h"
#include "aegis/openapi.h"
#include "aegis/rbac.h"
#include "aegis/report.h"
#include "aegis/store.h"
#include "aegis/version.h"
#include "aegis/workflow_api.h"
#include "commands.h"
#include "common.h"
#include "http_server.h"

namespace aegis::cli {
namespace {

struct ApiKey {
  std::string actor_id;
  ActorRole role;
  std::string key_sha256;
};

struct ServerSettings {
  std::vector<ApiKey> keys;
  int64_t rate_limit_per_minute = 600;
  size_t max_body_bytes = 1 << 20;
};

Result<ServerSettings> load_settings(const std::optional<std::string>& path) {
  ServerSettings s;
  if (!path) return s;
  auto text = read_config_text(*path);
  if (!text) return text.error();
  try {
    const YAML::Node root = YAML::Load(text.value());
    const YAML::Node server = root && root.IsMap() ? root["server"] : YAML::Node();
    if (!server || server.IsNull()) return s;
    if (const YAML::Node keys = server["api_keys"]) {
      for (size_t i = 0; i < keys.size(); ++i) {
        const YAML::Node k = keys[i];
        const auto role = k["role"] ? parse_role(k["role"].as<std::string>()) : std::nullopt;
        const std::string hash = k["key_sha256"] ? k["key_sha256"].as<std::string>() : "";
        if (!k["actor_id"] || !role || hash.size() != 64)
          return invalid_input("server.api_keys", "server.api_keys",
                               *path + ": server.api_keys[" + std::to_string(i) +
                                   "] needs actor_id, a known role and a 64-hex key_sha256");
        s.keys.push_back({k["actor_id"].as<std::string>(), *role, hash});
      }
    }
    if (server["rate_limit_per_minute"])
      s.rate_limit_per_minute = server["rate_limit_per_minute"].as<int64_t>();
    if (s.rate_limit_per_minute < 0)
      return invalid_input("server.config", "server.rate_limit_per_minute",
                           *path + ": server.rate_limit_per_minute must be >= 0 (0: no limit)");
    if (server["max_body_bytes"]) {
      const int64_t n = server["max_body_bytes"].as<int64_t>();
      if (n < 1 || n > (int64_t{1} << 30))
        return invalid_input("server.config", "server.max_body_bytes",
                             *path + ": server.max_body_bytes must be in [1, 1073741824]");
      s.max_body_bytes = static_cast<size_t>(n);
    }
  } catch (const YAML::Exception& e) {
    return invalid_input("server.config", "server", *path + ": " + e.msg);
  }
  return s;
}

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> b(bytes);
  if (RAND_bytes(b.data(), static_cast<int>(bytes)) != 1)
    throw_error(Error{ErrorKind::kInternal, "server.random", "", "the random generator failed"});
  return crypto::to_hex(b.data(), b.size());
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Per-key token bucket: `rate` requests per minute, bursts up to `rate`.
class RateLimiter {
 public:
  explicit RateLimiter(int64_t per_minute) : rate_(static_cast<double>(per_minute)) {}
  // Remaining tokens after taking one, or -1 when empty (with the wait in `retry_after`).
  double take(const std::string& key, int* retry_after) {
    if (rate_ <= 0) return 1e9;
    std::lock_guard<std::mutex> g(lock_);
    const auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = buckets_.try_emplace(key, Bucket{rate_, now});
    Bucket& b = it->second;
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(rate_, b.tokens + elapsed * rate_ / 60.0);
    b.at = now;
    if (b.tokens < 1.0) {
      *retry_after = static_cast<int>(std::ceil((1.0 - b.tokens) * 60.0 / rate_));
      return -1;
    }
    b.tokens -= 1.0;
    return b.tokens;
  }

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  double rate_;
  std::mutex lock_;
  std::map<std::string, Bucket> buckets_;
};

// HTTP-only refusals (401, 429) that have no engine ErrorKind.
void send_http_error(httplib::Response& res, int status, std::string_view code,
                     std::string_view detail, std::string_view message) {
  res.status = status;
  const nlohmann::json body = {
      {"error", {{"code", code}, {"detail", detail}, {"message", message}}}};
  res.set_content(body.dump(), "application/json");
}

// Authenticates (Bearer API key), authorizes (RBAC `permission`) and rate-limits a request.
// Returns the actor id, or nullopt with the error response already filled in.
std::optional<std::string> admit(const httplib::Request& req, httplib::Response& res,
                                 std::string_view permission, const std::vector<ApiKey>& keys,
                                 const RBACEnforcer& rbac, RateLimiter& limiter) {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) != 0) {
    send_http_error(res, 401, "unauthorized", "server.unauthorized",
                    "an API key is required: Authorization: Bearer <key>");
    return std::nullopt;
  }
  const std::string hash = sha256_hex(auth.substr(7));
  const ApiKey* found = nullptr;
  for (const auto& k : keys)
    if (constant_time_equal(k.key_sha256, hash)) found = &k;
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
  int retry_after = 0;
  const double remaining = limiter.take(found->key_sha256, &retry_after);
  if (remaining < 0) {
    res.set_header("Retry-After", std::to_string(retry_after));
    send_http_error(res, 429, "rate_limited", "server.rate_limited",
                    "too many requests for this API key");
    return std::nullopt;
  }
  if (remaining < 1e8)
    res.set_header("X-AEGIS-Rate-Remaining", std::to_string(static_cast<int64_t>(remaining)));
  return found->actor_id;
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
  auto settings = load_settings(o.config);
  if (!settings) return report_error(settings.error());
  CustodianRegistry custodians;
  if (o.config) {
    auto loaded = CustodianRegistry::load_yaml(*o.config);
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
  RBACEnforcer rbac;
  for (const auto& k : settings.value().keys) rbac.assign(k.actor_id, k.role);
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
  const auto& keys = settings.value().keys;
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
    std::vector<std::string> items;
    const auto first = req.body.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && req.body[first] == '[') {
      try {
        for (const auto& item : parse_request_body(req.body)) items.push_back(item.dump());
      } catch (const AegisError& e) {
        return send(res, error_reply(e.error()));
      }
    } else {
      size_t start = 0;
      while (start < req.body.size()) {
        size_t nl = req.body.find('\n', start);
        if (nl == std::string::npos) nl = req.body.size();
        const std::string line = req.body.substr(start, nl - start);
        if (line.find_first_not_of(" \t\r") != std::string::npos) items.push_back(line);
        start = nl + 1;
      }
    }
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
    res.set_content(out, "application/json");
  });

  http.Post("/v1/risk-check", [&](const httplib::Request& req, httplib::Response& res) {
    const auto actor = guard(req, res, "decide");
    if (!actor) return;
    try {
      const nlohmann::json j = parse_request_body(req.body);
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
    int64_t limit = 50, after = 0;
    try {
      if (req.has_param("limit")) limit = std::stoll(req.get_param_value("limit"));
      if (req.has_param("cursor")) after = std::stoll(req.get_param_value("cursor"));
    } catch (const std::exception&) {
      limit = -1;
    }
    if (limit < 1 || limit > 1000 || after < 0)
      return send(res, error_reply(invalid_input("json.query", "limit",
                                                 "limit must be an integer in [1, 1000] and "
                                                 "cursor a non-negative integer")));
    std::string out = "{\"decisions\":[";
    int64_t last = after;
    size_t n = 0;
    {
      std::lock_guard<std::mutex> g(store_lock);
      for (const auto& e : store->list_decisions(static_cast<size_t>(limit), after)) {
        if (n++) out += ',';
        out += e.body;
        last = e.seq;
      }
    }
    out += "],\"next_cursor\":";
    out += n == static_cast<size_t>(limit) ? "\"" + std::to_string(last) + "\"" : "null";
    out += '}';
    res.set_content(out, "application/json");
  });

  http.Get(R"(/v1/decisions/([0-9a-fA-F-]{1,64}))",
           [&](const httplib::Request& req, httplib::Response& res) {
             if (!guard(req, res, "read_decisions")) return;
             std::optional<std::string> found;
             {
               std::lock_guard<std::mutex> g(store_lock);
               found = store->get_decision(req.matches[1].str());
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
      auto request = AFABridge::request_from_json(parse_request_body(req.body));
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
