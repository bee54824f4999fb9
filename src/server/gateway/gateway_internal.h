// Internal: the gateway's state, shared by its upstream side (gateway.cpp), its client side
// (client.cpp), its aggregated lists and pins (lists.cpp, pins.cpp) and its tool calls (calls.cpp).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "aegis/server/gateway.h"
#include "upstream_link.h"

namespace aegis {

using nlohmann::json;

// One tool call on its way: who it goes to, what is known of the tool, and what was decided.
struct GatewayToolCall {
  json id;
  size_t upstream = 0;
  std::string upstream_name, tool, offered;  // offered: "<upstream>__<tool>"
  json arguments, annotations, meta;
  bool output_schema = false;
  std::optional<std::string> changed;  // what changed since the tool's pin
  bool ready = false;  // its upstream is initialized and its tools listed since its last start
  std::string digest;  // action_digest of {upstream, tool, arguments, principal, config_hash}
  PCWStatus status = PCWStatus::PROCEED;  // its decision's
  bool exact = true;                      // DecidedToolCall::exact
  json shown;  // what an approver sees of it (only the arguments the rule names)
};

// The message of a JSON-RPC error response, whatever an upstream put there ("no result" when it
// is not a string).
inline std::string error_text(const json& response) {
  const json e = response.value("error", json());
  const json m = e.is_object() ? e.value("message", json()) : json();
  return m.is_string() ? m.get<std::string>() : "no result";
}

// "<upstream>__<name>": how a tool or prompt of an upstream is offered.
inline constexpr std::string_view kPrefixSeparator = "__";

struct Gateway::Impl {
  using Reply = std::function<void(const json& response)>;  // a whole JSON-RPC response

  struct Upstream {
    const GatewayUpstream* spec = nullptr;
    std::unique_ptr<gateway_detail::UpstreamLink> link;
    bool running = false;           // its process is up (or, over HTTP, it was started)
    bool initialized = false;       // initialized and its tools listed and checked: calls may go
    bool initialized_once = false;  // since the client initialized: a restart initializes again
    json capabilities = json::object();
    std::map<std::string, json> tools;  // by its name for them: the definitions last listed
    std::vector<std::string> tool_order;
    struct Changed {
      std::string what;  // the parts that differ ("description, inputSchema")
      json accepted;     // the pinned definition: what the client is shown
    };
    std::map<std::string, Changed> changed;      // tools whose definition differs from their pin
    std::set<std::string> resource_uris;         // listed by it: where resources/read goes
    std::vector<std::string> template_prefixes;  // its URI templates up to the first '{'
  };
  struct Pending {  // a request the gateway sent upstream, by the id it used
    size_t upstream = 0;
    Reply done;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    std::string client_id;  // the client's id (dumped) when forwarded on its behalf
  };
  struct Reverse {  // a request of an upstream to the client, by the id the client got
    size_t upstream = 0;
    json id;
  };

  Impl(const GatewaySettings& settings, const DecisionService& service, Store& store,
       std::mutex& store_lock, Send to_client, Log log);
  ~Impl() { stop(); }

  // --- lifecycle and messages (gateway.cpp): Gateway's own functions, and the rest ---
  std::optional<Error> start();
  void stop();  // stops the upstreams and waits for decisions being recorded; idempotent
  void from_client(std::string_view message);
  void to_client(const json& message);
  void reply(const json& id, json result);
  void reply_error(const json& id, int code, const std::string& message, json data = nullptr);
  // Sends a request upstream; `done` gets its response (an error response when it dies first or
  // the deadline passes). False when it is not running (`done` is not called).
  bool request(size_t upstream, const std::string& method, json params, Reply done,
               std::optional<std::chrono::milliseconds> timeout = std::nullopt,
               const std::string& client_id = "");
  void from_upstream(size_t upstream, const std::string& line);
  void upstream_state(size_t upstream, bool running);
  void initialize_upstream(size_t upstream, std::function<void(std::optional<std::string>)> done);
  void handle_client_request(const json& message);
  void handle_client_notification(const json& message);
  void handle_client_response(const json& message);
  void forward(size_t upstream, const json& id, const std::string& method, json params);
  void expire_pending();

  // --- lists (lists.cpp) ---
  // All of `method`'s items (under `key`) of upstream `i`, following cursors: the objects, or
  // the error naming it (no answer, not a list, more than 1,000 pages).
  using Listed = std::function<void(std::optional<std::string> error, std::vector<json> items)>;
  void list_pages(size_t i, const std::string& method, const std::string& key, Listed done);
  // Lists all of an upstream's tools and keeps them (keep_tools).
  void refresh_tools(size_t upstream, std::function<void(std::optional<std::string>)> done);
  // Lists all of `method`'s items of every upstream (following cursors), then calls `done` with
  // one list per upstream, or the first upstream's error.
  void list_all(
      const std::string& method, const std::string& key,
      std::function<void(std::optional<std::string> error, std::vector<std::vector<json>> items)>
          done);
  void list_tools(const json& id);
  void list_prompts(const json& id);
  void list_resources(const json& id, const std::string& method, const std::string& key);
  // Keeps an upstream's tools, checking each against its pin (and recording new pins).
  void keep_tools(size_t upstream, const std::vector<json>& tools);
  std::optional<std::pair<size_t, std::string>> split_name(const std::string& name) const;
  std::optional<size_t> resource_owner(const std::string& uri) const;

  // --- calls (calls.cpp) ---
  void call_tool(const json& id, const json& params);
  // What follows a call's decision being recorded (or not): forward it, hold it, or answer why not.
  void after_record(const std::shared_ptr<const GatewayToolCall>& call, const Evaluation& ev,
                    bool durable);
  // Sends a call upstream with exactly the arguments decided on.
  void forward_call(const GatewayToolCall& call);
  // Answers a call that was not forwarded (isError, the text, the details).
  void reply_refusal(const GatewayToolCall& call, const std::string& text, json details);

  // --- held calls (holds.cpp) ---
  struct Held {
    std::shared_ptr<const GatewayToolCall> call;
    std::string approval_id;
    std::chrono::steady_clock::time_point until;          // then: "held for approval <id>"
    std::chrono::steady_clock::time_point next_progress;  // when a progressToken came with it
    int64_t progress = 0;
  };
  // A PAUSE or ESCALATE with approvals on: released at once by an approval already granted for
  // exactly this call, else held (joining an identical call's request).
  void hold_or_release(const std::shared_ptr<const GatewayToolCall>& call, const Evaluation& ev);
  // On the worker: releases, refuses or times out the held calls, and sends their progress.
  void check_holds();
  // Asks the person at the client (elicitation/create) to approve a held PAUSE.
  void ask_client(const std::shared_ptr<const GatewayToolCall>& call, const Approval& approval);
  // A client's cancellation of a held call: it is no longer held.
  bool drop_hold(const std::string& client_id);
  void count(const std::string& upstream, const std::string& tool, const std::string& status);

  const GatewaySettings& settings;
  const DecisionService& service;
  Store& store;
  std::mutex& store_lock;
  Send send;
  Log log;
  CallObserver observer;           // may be empty
  Approvals* approvals = nullptr;  // may be null: PAUSE and ESCALATE are answered at once
  std::string session_id;          // this downstream session's, a UUID
  std::string config_hash;         // what a call's digest binds: the engine's config and the policy

  mutable std::mutex mu;  // everything below
  std::mutex send_mu;     // one message to the client at a time
  std::vector<Upstream> ups;
  std::unordered_map<int64_t, Pending> pending;
  std::unordered_map<std::string, Reverse> reverse;
  int64_t next_id = 1;
  std::optional<json> client_init;  // the client's initialize params, once it has sent them
  bool client_ready = false;        // it sent notifications/initialized
  std::vector<json> held;           // the upstreams' requests to the client until then
  std::string version;              // the negotiated protocol version
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> counts;

  std::atomic<bool> stopped{false};  // stop() began: no message in or out any more
  std::atomic<int> recording{0};     // calls being recorded or forwarded: stop() waits for them
  bool client_asked = true;          // false: the client takes no requests (HTTP without a stream)
  std::set<std::string> deciding;    // client ids (dumped) of calls being decided and recorded
  std::set<std::string> cancelled;   // those of them the client cancelled meanwhile
  std::vector<Held> holds;           // calls waiting for an approval
  std::chrono::steady_clock::time_point next_hold_check;
  std::unordered_map<std::string, Reply> own_requests;  // the gateway's requests to the client

  // The worker: runs posted jobs (what follows a durable decision, off the log's committer
  // thread, which must never wait on an upstream's pipe) and expires the requests the gateway
  // made on its own behalf.
  void post(std::function<void()> job);
  std::mutex work_mu;
  std::condition_variable work_cv;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  std::thread worker;
};

}  // namespace aegis
