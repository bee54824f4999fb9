// `aegis gate`: a required CI check that fails closed. One context is decided — here, or by a
// remote `aegis serve` (POST /v1/evaluate) with bounded retries — and every way that can end is
// classified, each with an exit code of its own. Only a proceed passes.
//
// Thread safety: the functions are reentrant; gate_remote blocks its caller for at most
// `GateRemote::timeout` (waits between attempts included).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "aegis/core/names.h"
#include "aegis/service/decision_service.h"

namespace aegis {

// The classes of outcome; the value is the process exit code.
enum class GateOutcome : int {
  kProceed = 0,      // the decision is PROCEED
  kHalt = 1,         // HALT
  kReview = 2,       // PAUSE or ESCALATE: a person has to look
  kInvalid = 3,      // the context or the command line is wrong (nothing was sent)
  kInternal = 4,     // this process failed
  kRejected = 5,     // the service refused: any 4xx but 429, 500, 501, a redirect, TLS failure
  kUnavailable = 6,  // no answer after the retries (connection errors, timeouts, 429, 502-504)
  kMalformed = 7,    // a 2xx that is not a decision (no JSON object, no or an unknown status)
};

// The wire names of GateOutcome, one per class.
inline constexpr EnumName<GateOutcome> kGateOutcomeNames[] = {
    {GateOutcome::kProceed, "proceed"},         {GateOutcome::kHalt, "halt"},
    {GateOutcome::kReview, "review"},           {GateOutcome::kInvalid, "invalid"},
    {GateOutcome::kInternal, "internal"},       {GateOutcome::kRejected, "rejected"},
    {GateOutcome::kUnavailable, "unavailable"}, {GateOutcome::kMalformed, "malformed"},
};
std::string_view to_string(GateOutcome outcome);

struct GateVerdict {
  GateOutcome outcome = GateOutcome::kInternal;
  std::string status;       // the decision's status in lower case; "" without a decision
  std::string decision_id;  // "" without one
  std::string detail;       // what happened, for people; never holds the API key
  long http_status = 0;     // of the last answer; 0 when there was none (or decided here)
  int attempts = 0;         // requests sent; 0 when decided here
  std::string decision;     // the decision's JSON as answered; "" without one
  // When an approval bound to this very context let a decision other than PROCEED pass
  // (outcome kProceed, exit 0): "approved" (an approved proposal) or "overridden" (an approved
  // two-key override of a HALT); "" otherwise.
  std::string passed_by;
  nlohmann::json approval;  // the answer's "gate" object when passed_by is set: ids, who, expiry
};

// Classifies one HTTP answer (pure). A 2xx must be served as application/json and be one JSON
// object read strictly (read_json: no duplicate key, byte order mark or trailing bytes), whose
// `status` is a string naming a status in any case ("HALT" is a halt) and whose `decision_id`
// is an id: 1 to 256 letters, digits and "-_.:" (it is written into CI files); anything else is
// kMalformed. A decision other than PROCEED whose answer carries "gate": {"outcome": "approved" or
// "overridden", "proposal_id", "expires_at", ...} passes (kProceed, with passed_by set), unless the
// decision failed the complexity gate, which nothing overrides. 429, 502, 503 and 504 are
// kUnavailable (worth retrying); every other status is kRejected, with the service's error message
// in `detail` when it sent one.
GateVerdict classify_answer(long http_status, std::string_view content_type, std::string_view body);

struct GateRemote {
  std::string url;      // the service's base URL: http (loopback only) or https
  std::string api_key;  // sent as "Authorization: Bearer"; may be empty
  int retries = 3;      // attempts after the first, for the retryable outcomes
  std::chrono::milliseconds timeout{30000};  // the whole run: attempts and waits
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{8000};  // waits double from first_backoff up to this
  // Told before each wait for a retry: the attempt that failed, why, and the wait. May be empty.
  std::function<void(int attempt, const std::string& why, std::chrono::milliseconds wait)> on_retry;
};

// Sends `context_json` to `remote`'s POST /v1/gate (which looks for an approval bound to it),
// retrying kUnavailable answers, connection failures and attempts that time out (each attempt may
// take an equal share of the time left, at least 1 s) with capped exponential backoff; a 429's
// Retry-After (seconds or an HTTP date) is waited instead when it is longer. Gives up as
// kUnavailable when the retries are spent or the next wait would pass the timeout. A TLS failure is
// kRejected; a transfer failure that is not the network's is kInternal. Never throws for what the
// network or the service does; throws InvalidInputError, before anything is sent, for a context
// that is not a JSON object (the strict reading's errors) and for a remote it refuses (naming
// `url`, `retries` or `timeout`): plain http is refused for any host but 127.0.0.1, ::1 and
// localhost, since the API key would cross the network in clear, and never goes through a proxy.
GateVerdict gate_remote(std::string_view context_json, const GateRemote& remote);

// Decides `context_json` here, through the one decision pipeline. Invalid input is kInvalid
// (the error's JSON in `detail`).
GateVerdict gate_local(const DecisionService& service, std::string_view context_json);

}  // namespace aegis
