// Held calls (docs/gateway.md#held-calls): a call decided PAUSE or ESCALATE waits for an approval
// bound to exactly it — the same upstream, tool, arguments, principal and config — and goes
// upstream once when one is granted; denied, expired or still waiting after hold_timeout, it is
// answered with an error result and never forwarded.
#include <algorithm>
#include <map>

#include "aegis/server/errors.h"
#include "gateway_internal.h"

namespace aegis {
namespace {

constexpr auto kCheckEvery = std::chrono::milliseconds(200);
constexpr auto kProgressEvery = std::chrono::seconds(1);

json approval_details(const Approval& a) {
  return {{"approval_id", a.id},
          {"state", to_string(a.state)},
          {"status", a.status},
          {"still_needed", a.still_needed()},
          {"expires_at", a.to_json()["expires_at"]},
          {"digest", a.digest},
          {"decision_id", a.decision_id}};
}

}  // namespace

void Gateway::Impl::hold_or_release(const std::shared_ptr<const GatewayToolCall>& call,
                                    const Evaluation& ev) {
  const GatewayToolCall& c = *call;
  auto fail = [&](const std::string& why, std::string_view detail) {
    count(c.upstream_name, c.tool, "refused");
    log("call " + c.offered + " refused: " + why);
    reply_refusal(c, "AEGIS: " + c.offered + " was not called: " + why, {{"refused", detail}});
  };
  // The decided call, as approval_step reads it (its entries are already in the chain).
  const DecidedToolCall decided{ev, c.digest, c.shown, {}, c.exact};
  auto step = approval_step(*approvals, decided, settings.principal);
  // The call leaves those being decided as it is held, under one lock: a cancellation before
  // that is seen here, one after it finds the hold.
  bool gave_up, ask = false;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> l(mu);
    deciding.erase(c.id.dump());
    gave_up = cancelled.erase(c.id.dump()) > 0;
    if (step && !step.value().released && !gave_up) {
      holds.push_back({call, step.value().approval.id, now + approvals->policy().hold_timeout,
                       now + kProgressEvery});
      ask = approvals->policy().elicitation && ev.decision.status == PCWStatus::PAUSE &&
            client_asked && client_init &&
            client_init->value("capabilities", json::object()).contains("elicitation");
    }
  }
  if (!step)
    return fail("it could not be held for approval: " + step.error().message, step.error().detail);
  const Approval& a = step.value().approval;
  if (step.value().released) {
    if (gave_up) return log("call " + c.offered + " cancelled; approval " + a.id + " was used");
    log("call " + c.offered + " released by approval " + a.id);
    return forward_call(c);
  }
  if (gave_up) return;
  log("call " + c.offered + " held for approval " + a.id);
  if (ask) ask_client(call, a);
}

bool Gateway::Impl::drop_hold(const std::string& client_id) {
  std::lock_guard<std::mutex> l(mu);
  return std::erase_if(holds, [&](const Held& h) { return h.call->id.dump() == client_id; }) > 0;
}

void Gateway::Impl::check_holds() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<Held> snapshot;
  {
    std::lock_guard<std::mutex> l(mu);
    if (holds.empty() || now < next_hold_check) return;
    next_hold_check = now + kCheckEvery;
    snapshot = holds;
  }
  std::map<std::string, std::optional<Approval>> current;  // by digest; nullopt: unreadable
  for (const Held& h : snapshot)
    if (!current.count(h.call->digest)) {
      auto found = approvals->find(h.call->digest);
      current[h.call->digest] =
          found && found.value() ? std::optional(*found.value()) : std::nullopt;
    }
  for (const Held& h : snapshot) {
    const GatewayToolCall& c = *h.call;
    const auto& a = current[c.digest];
    const bool mine = a && a->id == h.approval_id;
    if (mine && a->state == ApprovalState::PENDING) {
      if (now < h.until) {
        if (c.meta.is_object() && c.meta.contains("progressToken") && now >= h.next_progress) {
          int64_t n = 0;
          {
            std::lock_guard<std::mutex> l(mu);
            for (Held& live : holds)
              if (live.call == h.call) {
                n = ++live.progress;
                live.next_progress = now + kProgressEvery;
              }
          }
          if (n > 0)
            to_client({{"jsonrpc", "2.0"},
                       {"method", "notifications/progress"},
                       {"params",
                        {{"progressToken", c.meta["progressToken"]},
                         {"progress", n},
                         {"message", "held for approval " + a->id + ": " + a->still_needed()}}}});
        }
        continue;
      }
    } else if (!a) {
      if (now < h.until) continue;  // unreadable for now: held until its time is up
    }
    if (!drop_hold(c.id.dump())) continue;  // cancelled meanwhile
    if (mine && a->state == ApprovalState::APPROVED) {
      auto released = approvals->consume(c.digest, c.status);
      if (released && released.value()) {
        log("call " + c.offered + " released by approval " + a->id);
        forward_call(c);
        continue;
      }
    }
    std::string text;
    json details = a ? approval_details(*a) : json{{"approval_id", h.approval_id}};
    if (mine && a->state == ApprovalState::PENDING)
      text = "AEGIS: " + c.offered + " is held for approval " + a->id +
             "; it was not called. Waiting for " + a->still_needed() +
             ". Once it is approved (aegis approvals approve " + a->id +
             "), call it again with exactly the same arguments; it will then run once.";
    else if (mine && a->state == ApprovalState::DENIED)
      text = "AEGIS: " + c.offered + " was denied by " + a->denial->actor +
             (a->denial->reason.empty() ? "" : " (" + a->denial->reason + ")") +
             "; it was not called.";
    else if (mine && a->state == ApprovalState::EXPIRED)
      text = "AEGIS: approval " + a->id + " expired; " + c.offered + " was not called.";
    else
      text = "AEGIS: approval " + h.approval_id +
             " was used by an identical call or is no "
             "longer current; " +
             c.offered + " was not called. Call it again to ask anew.";
    log("call " + c.offered + " not released: approval " + h.approval_id + " " +
        (a ? std::string(to_string(a->state)) : std::string("unreadable")));
    reply_refusal(c, text, std::move(details));
  }
}

void Gateway::Impl::ask_client(const std::shared_ptr<const GatewayToolCall>& call,
                               const Approval& a) {
  std::string gid;
  {
    std::lock_guard<std::mutex> l(mu);
    gid = "aegis-e" + std::to_string(next_id++);
    own_requests[gid] = [this, call, id = a.id](const json& response) {
      const json r = response.value("result", json());
      if (!r.is_object()) return;  // an error: the call stays held for the approvers
      const json action = r.value("action", json());
      const json content = r.value("content", json());
      const bool yes =
          action == "accept" && content.is_object() && content.value("approve", json()) == true;
      if (action != "accept" && action != "decline") return;  // cancelled: still held
      post([this, id, yes] {
        const std::string who = "client:" + settings.principal;
        auto done = yes ? approvals->approve(who, id, "approved at the client", "elicitation")
                        : approvals->deny(who, id, "declined at the client", "elicitation");
        if (!done) log("approval " + id + " at the client: " + done.error().message);
        std::lock_guard<std::mutex> lk(mu);
        next_hold_check = {};
      });
    };
  }
  const GatewayToolCall& c = *call;
  std::string shown;
  for (const auto& [k, v] : c.shown["arguments"].items()) shown += "\n  " + k + ": " + v.dump();
  to_client({{"jsonrpc", "2.0"},
             {"id", gid},
             {"method", "elicitation/create"},
             {"params",
              {{"message", "AEGIS holds " + c.offered + " for approval (" + a.id + ")." +
                               (shown.empty() ? "" : "\nArguments shown by the policy:" + shown) +
                               "\nApprove this exact call?"},
               {"requestedSchema",
                {{"type", "object"},
                 {"properties",
                  {{"approve",
                    {{"type", "boolean"},
                     {"title", "Approve"},
                     {"description", "Let this exact call run once"}}}}},
                 {"required", {"approve"}}}}}}});
}

}  // namespace aegis
