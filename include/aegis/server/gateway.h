// The MCP gateway (docs/gateway.md): AEGIS in the path of every tool call an agent makes. It
// stands in front of one or more MCP servers (the upstreams), offers their tools, resources and
// prompts as one server with prefixed names ("<upstream>__<name>"), and passes every message both
// ways with ids remapped — server→client requests (roots, sampling, elicitation) included. Each
// `tools/call` is decided first: the policy makes a context of it, the decision service decides,
// the decision and a digest of the call are recorded durably, and only a PROCEED is forwarded,
// with exactly the arguments decided on. Fail closed: a call the gateway cannot decide or record
// is answered with an error result and never forwarded. Transport-independent: the downstream
// transport hands client messages to from_client() and sends what `to_client` is given.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/error.h"
#include "aegis/server/gateway_policy.h"
#include "aegis/service/decision_service.h"
#include "aegis/store/store.h"
#include "aegis/workflow/approvals.h"

namespace aegis {

// The pin of one upstream tool (docs/gateway.md#pinning-tool-definitions): the SHA-256 of its
// whole definition's canonical JSON (name, title, description, schemas, annotations, icons,
// execution, _meta) when first seen, and a changed definition seen since, until an operator accepts
// it. Kept in the store as objects of type "gateway_pin" (id "<upstream>/<tool>"), so every change
// of a pin is in the chain.
struct ToolPin {
  std::string upstream, tool;
  std::string sha256;                  // the accepted definition's
  nlohmann::json definition;           // the accepted definition
  std::optional<std::string> pending;  // a changed definition's hash, not accepted yet
  nlohmann::json pending_definition;   // and that definition
  int64_t version = 0;                 // the store object's version
};
// The pins of a store, upstream then tool order.
std::vector<ToolPin> list_tool_pins(Store& store, std::mutex& store_lock);
// Accepts the pending definition of a pin, which must be the one reviewed (`sha256`, as `pins
// list` shows it): recorded, the object's new version naming `actor`. "gateway.pin_not_found"
// when there is no such pin or it has nothing pending, "gateway.pin_mismatch" when the pending
// definition is another (it changed again after the review).
Result<ToolPin> accept_tool_pin(Store& store, std::mutex& store_lock, const std::string& upstream,
                                const std::string& tool, const std::string& sha256,
                                const std::string& actor);
// The hash a definition is pinned by, and the names of the top-level parts in which two differ
// (in name order).
std::string tool_definition_hash(const nlohmann::json& definition);
std::vector<std::string> tool_definition_changes(const nlohmann::json& before,
                                                 const nlohmann::json& after);

// What a call's digest binds beyond the call: SHA-256 of the engine's config hash and the
// gateway policy's hash, so that an approval under one config releases nothing under another.
std::string gateway_config_hash(const DecisionService& service, const GatewaySettings& settings);

// One tool call decided by the policy, ready to record: what the MCP gateway and POST
// /v1/tool-calls/decide share (docs/gateway.md#held-calls).
struct DecidedToolCall {
  Evaluation evaluation;
  // action_digest of {upstream, tool, arguments, principal, config_hash}: what an approval of
  // the call is bound to.
  std::string digest;
  nlohmann::json shown;           // what an approver sees (only the arguments the rule names)
  std::vector<NewEntry> entries;  // the decision and its "gateway.call" record: one group
  bool exact = true;  // no argument is an integer beyond 2^53 (which the digest would round)
};
// Makes the call's context (gateway_context), decides it through `service` and prepares its
// record; nothing is recorded yet. "gateway.policy" when the policy or the decision fails,
// "gateway.store" when it cannot be written down.
Result<DecidedToolCall> decide_tool_call(const GatewaySettings& settings,
                                         const DecisionService& service,
                                         const std::string& config_hash, const GatewayCall& call);

// The approval side of a decided PAUSE or ESCALATE (Approvals::hold, for exactly this call).
// `requester` asked (never its approver); `agent`, when not empty, is the agent it asks for (nor
// it). "gateway.policy" for arguments holding an integer beyond 2^53, which the digest (RFC 8785,
// doubles) cannot bind exactly: such a call is not held, so no approval can release another.
Result<ApprovalStep> approval_step(Approvals& approvals, const DecidedToolCall& call,
                                   const std::string& requester, const std::string& agent = "");

// Counters of the calls decided, per upstream, tool and status ("proceed", "halt", "pause",
// "escalate", "refused" for calls not decided: a changed pin, a policy or store failure).
struct GatewayCallCount {
  std::string upstream, tool, status;
  uint64_t count = 0;
};

class Gateway {
 public:
  using Send = std::function<void(std::string message)>;
  using Log = std::function<void(const std::string& line)>;

  // `settings`, `service`, `store` and `store_lock` are borrowed and must outlive the gateway;
  // `service` must be durable (it records through a DecisionLog on `store`). `to_client` gets
  // each message for the client, one at a time; `log` each log line (never an argument value).
  Gateway(const GatewaySettings& settings, const DecisionService& service, Store& store,
          std::mutex& store_lock, Send to_client, Log log);
  ~Gateway();  // stops the upstreams
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Called with (upstream, tool, status) of each call decided or refused (the call_counts()
  // labels); set before start(). For /metrics.
  using CallObserver = std::function<void(const std::string& upstream, const std::string& tool,
                                          const std::string& status)>;
  void set_call_observer(CallObserver observer);

  // For a client that cannot be sent requests (HTTP without a server-sent stream): an upstream's
  // request to the client (roots, sampling, elicitation) is answered at once with an error, so
  // that the upstream does not wait. Call before start().
  void refuse_client_requests();

  // Holds the calls decided PAUSE or ESCALATE until an approval bound to exactly that call
  // releases them (docs/gateway.md#held-calls); without it they are answered "requires
  // approval" at once. Borrowed; call before start().
  void set_approvals(Approvals* approvals);

  // Starts every upstream: "gateway.upstream" naming the first that cannot be started.
  std::optional<Error> start();
  // Handles one message from the client (a request, a notification or a response to a request
  // the gateway passed on). Answers come through `to_client`, possibly from another thread.
  // Malformed input gets a JSON-RPC error; never throws.
  void from_client(std::string_view message);

  // The calls so far, by upstream, tool and status.
  std::vector<GatewayCallCount> call_counts() const;

  // The versions a client may negotiate.
  static const std::vector<std::string>& supported_protocol_versions();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis
