// Approvals bound to the exact action: one store object per action digest, one version per step.
#include "aegis/workflow/approvals.h"

#include <algorithm>

#include "aegis/core/config.h"
#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/workflow/errors.h"

namespace aegis {

using nlohmann::json;

namespace {

constexpr const char* kType = "approval";
constexpr int kRetries = 8;  // lost races retried before giving up

[[noreturn]] void fail(const ErrorCode& code, const std::string& field, const std::string& text) {
  throw_error(Error(code, field, text));
}

json vote_json(const ApprovalVote& v) {
  return {
      {"actor", v.actor}, {"roles", v.roles}, {"via", v.via}, {"reason", v.reason}, {"at", v.at}};
}

ApprovalVote vote_from(const json& j) {
  return {j.at("actor").get<std::string>(), j.at("roles").get<std::vector<std::string>>(),
          j.at("via").get<std::string>(), j.at("reason").get<std::string>(),
          j.at("at").get<std::string>()};
}

std::string time_text(int64_t ms) {
  return format_timestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

// The object id and round of an approval id ("apr-<32 hex>.<round>").
std::pair<std::string, int64_t> split_id(std::string_view id) {
  const size_t dot = id.rfind('.');
  int64_t round = 0;
  bool ok = id.substr(0, 4) == "apr-" && dot == 36;
  if (ok) {
    const std::string_view digits = id.substr(dot + 1);
    ok = !digits.empty() && digits.size() <= 12 &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
    for (char c : digits) round = round * 10 + (c - '0');
  }
  if (!ok || round < 1)
    fail(errors::kApprovalNotFound, "id",
         "'" + std::string(id.substr(0, 64)) + "' is not an approval id (apr-<32 hex>.<round>)");
  return {std::string(id.substr(0, dot)), round};
}

}  // namespace

std::string action_digest(const json& action) { return sha256_hex(jcs_canonical(action)); }

std::string_view to_string(ApprovalState s) noexcept { return name_in(kApprovalStateNames, s); }
std::optional<ApprovalState> parse_approval_state(std::string_view s) noexcept {
  return value_in<kApprovalStateNames>(s);
}

std::string Approval::still_needed() const {
  if (state != ApprovalState::PENDING) return "";
  const int more = required.approvers - static_cast<int>(approvals.size());
  std::string out = std::to_string(more) + " more approver" + (more == 1 ? "" : "s");
  if (!required.sufficient_roles.empty())
    out += ", or one with role " + aegis::joined(required.sufficient_roles);
  return out;
}

json Approval::to_json() const {
  json votes = json::array();
  for (const auto& v : approvals) votes.push_back(vote_json(v));
  return {{"id", id},
          {"kind", kind},
          {"digest", digest},
          {"round", round},
          {"state", to_string(state)},
          {"status", status},
          {"decision_id", decision_id},
          {"requested_by", requested_by},
          {"agent", agent.empty() ? json() : json(agent)},
          {"requested_at", requested_at},
          {"expires_at", time_text(expires_at_ms)},
          {"expires_at_ms", expires_at_ms},
          {"required", {{"approvers", required.approvers}, {"roles", required.sufficient_roles}}},
          {"approvals", votes},
          {"denial", denial ? vote_json(*denial) : json()},
          {"consumed_at", consumed_at.empty() ? json() : json(consumed_at)},
          {"joined", joined},
          {"still_needed", still_needed()},
          {"action", action}};
}

Approval Approval::from_json(const json& j) {
  Approval a;
  a.id = j.at("id");
  a.kind = j.at("kind");
  a.digest = j.at("digest");
  a.round = j.at("round");
  const auto state = parse_approval_state(j.at("state").get<std::string>());
  if (!state) fail(errors::kApprovalStore, "state", "a stored approval has an unknown state");
  a.state = *state;
  a.status = j.at("status");
  a.decision_id = j.at("decision_id");
  a.requested_by = j.at("requested_by");
  if (j.contains("agent") && j["agent"].is_string()) a.agent = j["agent"];
  a.requested_at = j.at("requested_at");
  a.expires_at_ms = j.at("expires_at_ms");
  a.required.approvers = j.at("required").at("approvers");
  a.required.sufficient_roles = j.at("required").at("roles").get<std::vector<std::string>>();
  for (const auto& v : j.at("approvals")) a.approvals.push_back(vote_from(v));
  if (!j.at("denial").is_null()) a.denial = vote_from(j.at("denial"));
  if (j.at("consumed_at").is_string()) a.consumed_at = j.at("consumed_at");
  a.joined = j.at("joined");
  a.action = j.at("action");
  return a;
}

Approvals::Approvals(Store& store, std::mutex& store_lock, const RBACEnforcer& rbac,
                     ApprovalPolicy policy, Clock clock)
    : store_(store),
      store_lock_(store_lock),
      rbac_(rbac),
      policy_(std::move(policy)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

std::string Approvals::object_id(std::string_view digest) {
  return "apr-" + std::string(digest.substr(0, 32));
}

int64_t Approvals::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_().time_since_epoch()).count();
}

void Approvals::expire(Approval& a) const {
  if ((a.state == ApprovalState::PENDING || a.state == ApprovalState::APPROVED) &&
      now_ms() >= a.expires_at_ms)
    a.state = ApprovalState::EXPIRED;
}

std::optional<Approval> Approvals::load_locked(std::string_view object) {
  const auto stored = store_.load_object(kType, object);
  if (!stored) return std::nullopt;
  Approval a = Approval::from_json(json::parse(stored->state));
  a.version = stored->version;
  return a;
}

// Loads the object, lets `step` look at it (nullopt: none yet) and change it, and saves what it
// says to: kKeep answers it as it is, kSave saves it and answers it, kSaveThenAgain saves it and
// runs the step again on what was saved (an expiry recorded before a new round). A lost race
// loads it again and repeats the step. Errors: the step's own, or approval.store.
template <typename Step>
Result<std::optional<Approval>> Approvals::update(std::string_view object, Step step) {
  try {
    for (int attempt = 0; attempt < kRetries; ++attempt) {
      std::lock_guard<std::mutex> l(store_lock_);
      std::optional<Approval> a = load_locked(object);
      try {
        for (;;) {
          const int64_t version = a ? a->version : 0;
          const Write w = step(a);
          if (w == Write::kKeep) return a;
          a->version = store_.save_object(kType, object, a->to_json().dump(), version);
          if (w == Write::kSave) return a;
        }
      } catch (const ConflictError& e) {
        if (e.detail().substr(0, 9) == "approval.") throw;  // the step's refusal, not a race
      }
    }
    return Error(errors::kApprovalStore, "", "the approval kept changing under this write");
  } catch (const AegisError& e) {
    if (e.kind() == ErrorKind::kInternal)
      return Error(errors::kApprovalStore, "", "the approval could not be recorded");
    return e.error();
  } catch (const std::exception&) {
    return Error(errors::kApprovalStore, "", "the approval could not be read or recorded");
  }
}

Result<Approval> Approvals::request(const ApprovalRequest& r) {
  if (r.status != PCWStatus::PAUSE && r.status != PCWStatus::ESCALATE)
    return Error(errors::kApprovalInvalid, "status", "only a PAUSE or an ESCALATE is held");
  if (r.digest.size() != 64 || r.principal.empty())
    return Error(errors::kApprovalInvalid, r.principal.empty() ? "principal" : "digest",
                 "an approval request needs the action's digest and who asks");
  auto out = update(object_id(r.digest), [&](std::optional<Approval>& a) {
    if (a && a->digest != r.digest)
      fail(errors::kApprovalStore, "digest", "two actions share an approval id");
    if (a) {
      const ApprovalState before = a->state;
      expire(*a);
      const bool open = a->state == ApprovalState::APPROVED || a->state == ApprovalState::PENDING;
      if (open && r.status == PCWStatus::ESCALATE && a->status == "pause") {
        // The same action now decided ESCALATE (its tool's annotations changed, say): the round
        // needs what an ESCALATE needs; the approvals so far count toward it.
        a->status = "escalate";
        a->required = policy_.escalate;
        if (a->state == ApprovalState::PENDING) ++a->joined;
        if (!met(*a)) {
          a->state = ApprovalState::PENDING;
          a->expires_at_ms =
              now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(policy_.ttl).count();
        }
        return Write::kSave;
      }
      if (a->state == ApprovalState::APPROVED) return Write::kKeep;  // waits to be consumed
      if (a->state == ApprovalState::PENDING) {
        ++a->joined;
        return Write::kSave;
      }
      if (a->state != before) return Write::kSaveThenAgain;  // the expiry first, in the chain
    }
    Approval next;
    next.kind = r.kind;
    next.digest = r.digest;
    next.round = a ? a->round + 1 : 1;
    next.id = object_id(r.digest) + "." + std::to_string(next.round);
    next.status = std::string(to_string(r.status));
    next.decision_id = r.decision_id;
    next.requested_by = r.principal;
    next.agent = r.agent;
    const int64_t now = now_ms();
    next.requested_at = time_text(now);
    next.expires_at_ms =
        now + std::chrono::duration_cast<std::chrono::milliseconds>(policy_.ttl).count();
    next.required = r.status == PCWStatus::ESCALATE ? policy_.escalate : policy_.pause;
    next.action = r.action;
    next.version = a ? a->version : 0;
    a = std::move(next);
    return Write::kSave;
  });
  if (!out) return out.error();
  return std::move(*std::move(out).value());
}

Result<std::optional<Approval>> Approvals::consume(std::string_view digest, PCWStatus status) {
  bool released = false;
  auto r = update(object_id(digest), [&](std::optional<Approval>& a) {
    released = false;  // a lost race runs the step again on what the winner saved
    if (!a || a->digest != digest) return Write::kKeep;
    const ApprovalState before = a->state;
    expire(*a);
    if (a->state != ApprovalState::APPROVED)  // an expiry is recorded; nothing is released
      return a->state != before ? Write::kSave : Write::kKeep;
    if (status == PCWStatus::ESCALATE && a->status == "pause")
      return Write::kKeep;  // approved as a PAUSE: not enough for an ESCALATE
    a->state = ApprovalState::CONSUMED;
    a->consumed_at = time_text(now_ms());
    released = true;
    return Write::kSave;
  });
  if (!r) return r.error();
  if (!released) return std::optional<Approval>();
  return r;
}

// Answers round `id` (approve or deny): found, current and still pending — an expiry found on the
// way is recorded and refused — then `step` changes it, throwing to refuse.
template <typename Step>
Result<Approval> Approvals::answer(std::string_view id, std::string_view reason, Step step) {
  if (reason.size() > kMaxReason || !is_valid_utf8(reason))
    return Error(errors::kApprovalInvalid, "reason",
                 "the reason must be UTF-8 text of at most 4096 bytes");
  std::pair<std::string, int64_t> parsed;
  try {
    parsed = split_id(id);
  } catch (const AegisError& e) {
    return e.error();
  }
  bool answered = false;
  auto out = update(parsed.first, [&](std::optional<Approval>& a) {
    answered = false;  // a lost race runs the step again on what the winner saved
    if (!a) fail(errors::kApprovalNotFound, "id", "no approval request " + std::string(id));
    if (a->round != parsed.second)
      fail(errors::kApprovalStale, "id",
           std::string(id) + " is an earlier round; the current one is " + a->id);
    const ApprovalState before = a->state;
    expire(*a);
    if (a->state != ApprovalState::PENDING) {
      if (a->state != before) return Write::kSave;  // the expiry, recorded; refused below
      fail(errors::kApprovalNotPending, "id",
           a->id + " is " + std::string(to_string(a->state)) + ", not pending");
    }
    step(*a);
    answered = true;
    return Write::kSave;
  });
  if (!out) return out.error();
  Approval a = std::move(*std::move(out).value());
  if (!answered)
    return Error(errors::kApprovalNotPending, "id", a.id + " expired before it was answered");
  return a;
}

// Whether the approvals so far meet the round's requirement: enough distinct approvers, or one
// holding a role the requirement names as enough on its own.
bool Approvals::met(const Approval& a) {
  if (static_cast<int>(a.approvals.size()) >= a.required.approvers) return true;
  for (const auto& v : a.approvals)
    for (const auto& role : v.roles)
      for (const auto& s : a.required.sufficient_roles)
        if (role == s) return true;
  return false;
}

// The vote of `actor` now, with its roles; `sufficient` tells whether one of them meets the
// requirement alone.
ApprovalVote Approvals::vote(std::string_view actor, std::string_view reason, std::string_view via,
                             const ApprovalRequirement& required, bool& sufficient) const {
  ApprovalVote v{
      std::string(actor), {}, std::string(via), std::string(reason), time_text(now_ms())};
  sufficient = false;
  for (ActorRole role : rbac_.roles_of(actor)) {
    v.roles.emplace_back(to_string(role));
    for (const auto& s : required.sufficient_roles) sufficient = sufficient || s == v.roles.back();
  }
  return v;
}

Result<Approval> Approvals::approve(std::string_view actor, std::string_view id,
                                    std::string_view reason, std::string_view via) {
  const bool elicited = via == "elicitation";
  return answer(id, reason, [&](Approval& a) {
    if (elicited) {
      if (!policy_.elicitation || a.status != "pause")
        fail(errors::kApprovalElicitation, "via",
             "only a PAUSE may be approved at the client, and only when approvals.elicitation "
             "is on");
    } else if (actor == a.requested_by || (!a.agent.empty() && actor == a.agent)) {
      fail(errors::kApprovalSelfApproval, "actor",
           std::string(actor) + " asked for this approval and cannot grant it");
    }
    for (const auto& v : a.approvals)
      if (v.actor == actor)
        fail(errors::kApprovalDuplicateApprover, "actor",
             std::string(actor) + " has already approved " + a.id);
    bool sufficient = false;
    ApprovalVote v = vote(actor, reason, via, a.required, sufficient);
    // The approve permission, or a role the requirement names as enough on its own.
    if (!elicited && !sufficient)
      if (auto e = rbac_.check(actor, "approve")) throw_error(*e);
    a.approvals.push_back(std::move(v));
    if (met(a)) {
      a.state = ApprovalState::APPROVED;
      // The approval lapses a ttl after it was granted, not after it was asked for.
      a.expires_at_ms =
          now_ms() + std::chrono::duration_cast<std::chrono::milliseconds>(policy_.ttl).count();
    }
  });
}

Result<Approval> Approvals::deny(std::string_view actor, std::string_view id,
                                 std::string_view reason, std::string_view via) {
  return answer(id, reason, [&](Approval& a) {
    bool sufficient = false;
    ApprovalVote v = vote(actor, reason, via, a.required, sufficient);
    if (via != "elicitation" && !sufficient)
      if (auto e = rbac_.check(actor, "approve")) throw_error(*e);
    a.denial = std::move(v);
    a.state = ApprovalState::DENIED;
  });
}

Result<Approval> Approvals::get(std::string_view id) {
  try {
    const auto [object, round] = split_id(id);
    std::lock_guard<std::mutex> l(store_lock_);
    auto a = load_locked(object);
    if (!a) return Error(errors::kApprovalNotFound, "id", "no approval request " + std::string(id));
    if (a->round != round)
      return Error(errors::kApprovalStale, "id",
                   std::string(id) + " is an earlier round; the current one is " + a->id);
    expire(*a);
    return *a;
  } catch (const AegisError& e) {
    return e.error();
  } catch (const std::exception&) {
    return Error(errors::kApprovalStore, "", "the approval could not be read");
  }
}

Result<std::optional<Approval>> Approvals::find(std::string_view digest) {
  try {
    std::lock_guard<std::mutex> l(store_lock_);
    auto a = load_locked(object_id(digest));
    if (!a || a->digest != digest) return std::optional<Approval>();
    expire(*a);
    return a;
  } catch (const std::exception&) {
    return Error(errors::kApprovalStore, "", "the approval could not be read");
  }
}

Result<std::vector<Approval>> Approvals::list(std::optional<ApprovalState> state, size_t limit) {
  try {
    std::vector<Approval> out;
    int64_t before = 0;
    std::lock_guard<std::mutex> l(store_lock_);
    while (out.size() < limit) {
      const auto page = store_.list_objects(kType, 200, before);
      for (const auto& o : page) {
        Approval a = Approval::from_json(json::parse(o.object.state));
        a.version = o.object.version;
        expire(a);
        if ((!state || a.state == *state) && out.size() < limit) out.push_back(std::move(a));
        before = o.seq;
      }
      if (page.size() < 200) break;
    }
    return out;
  } catch (const std::exception&) {
    return Error(errors::kApprovalStore, "", "the approvals could not be read");
  }
}

Result<ApprovalStep> Approvals::hold(const ApprovalRequest& request) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto released = consume(request.digest, request.status);
    if (!released) return released.error();
    if (released.value()) return ApprovalStep{true, *released.value()};
    auto requested = this->request(request);
    if (!requested) return requested.error();
    if (requested.value().state != ApprovalState::APPROVED)
      return ApprovalStep{false, std::move(requested).value()};
  }
  return Error(errors::kApprovalStore, "",
               "its approval was granted and taken by an identical request meanwhile; ask again");
}

nlohmann::json decision_details(const PCWDecision& decision, bool gates) {
  static const DecisionFields kShown =
      DecisionFields::parse("decision_id,status,failing_gates,rationale,counterfactuals,next_steps",
                            "")
          .value();
  static const DecisionFields kWithGates =
      DecisionFields::parse(
          "decision_id,status,failing_gates,gate_evaluation,rationale,counterfactuals,next_steps",
          "")
          .value();
  std::string out;
  append_decision_json(out, decision, gates ? kWithGates : kShown);
  return json::parse(out);
}

}  // namespace aegis
