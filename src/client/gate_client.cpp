#include "aegis/client/gate_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <thread>

#include "aegis/client/errors.h"
#include "aegis/client/service_call.h"
#include "aegis/core/decide.h"
#include "aegis/core/errors.h"
#include "aegis/core/json.h"

namespace aegis {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

GateVerdict verdict(GateOutcome outcome, std::string detail, long http_status = 0) {
  GateVerdict v;
  v.outcome = outcome;
  v.detail = std::move(detail);
  v.http_status = http_status;
  return v;
}

// The service's own message from an {"error": {...}} answer, when it sent one.
std::string service_message(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) return "";
  const auto& e = j["error"];
  std::string out;
  if (e.contains("code") && e["code"].is_string()) out = e["code"].get<std::string>();
  if (e.contains("field") && e["field"].is_string())
    out += " (" + e["field"].get<std::string>() + ")";
  if (e.contains("message") && e["message"].is_string())
    out += (out.empty() ? "" : ": ") + e["message"].get<std::string>();
  return out;
}

// What a failed transfer means. Only the network's own failures are worth retrying (and can be
// passed with --on-unavailable pass); every TLS failure is a refusal (a misconfiguration or an
// attack); anything else is this program's fault. Unknown codes are never "unavailable".
GateVerdict transport_failure(const ServiceAnswer& a) {
  switch (static_cast<CURLcode>(a.curl_code)) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return verdict(GateOutcome::kUnavailable, a.error);
    case CURLE_WRITE_ERROR:  // the write callback refused the body
      return verdict(GateOutcome::kMalformed,
                     "the answer is over " + std::to_string(kMaxServiceAnswerBytes >> 20) + " MiB");
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return verdict(GateOutcome::kRejected, "TLS: " + a.error);
    default:
      return verdict(GateOutcome::kInternal, a.error);
  }
}

// A decision id as the service makes them (UUIDs) and as CI files can carry: it goes into
// $GITHUB_OUTPUT and the job summary, where a newline or a backtick would let the service
// write other outputs or markup.
bool plain_id(std::string_view id) {
  return !id.empty() && id.size() <= 256 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

std::string seconds(milliseconds ms) {
  return std::to_string(ms.count() / 1000) + "." + std::to_string(ms.count() % 1000 / 100) + " s";
}

}  // namespace

std::string_view to_string(GateOutcome outcome) {
  return name_in(kGateOutcomeNames, outcome, "internal");
}

GateVerdict classify_answer(long http_status, std::string_view content_type,
                            std::string_view body) {
  if (http_status == 429 || http_status == 502 || http_status == 503 || http_status == 504)
    return verdict(GateOutcome::kUnavailable, "HTTP " + std::to_string(http_status), http_status);
  if (http_status < 200 || http_status > 299) {
    const std::string said = service_message(body);
    return verdict(GateOutcome::kRejected,
                   "HTTP " + std::to_string(http_status) + (said.empty() ? "" : ": " + said),
                   http_status);
  }
  const auto malformed = [http_status](const std::string& why) {
    return verdict(GateOutcome::kMalformed,
                   "HTTP " + std::to_string(http_status) + " but not a decision: " + why,
                   http_status);
  };
  // The media type without its parameters ("application/json; charset=utf-8" is JSON).
  std::string media = lower(content_type.substr(0, content_type.find(';')));
  media.erase(media.find_last_not_of(" \t") + 1);
  if (media != "application/json")
    return malformed("it is served as \"" + std::string(content_type) + "\", not application/json");
  // The project's strict reading: a duplicate key (which a proxy may read first and this gate
  // last), a byte order mark or bytes after the object never pass.
  auto read = read_json(body);
  if (!read) return malformed("the body is not strict JSON: " + read.error().message);
  const nlohmann::json& j = read.value();
  if (!j.is_object()) return malformed("the body is not a JSON object");
  if (!j.contains("status")) return malformed("it has no status");
  if (!j["status"].is_string()) return malformed("its status is not a string");
  const std::string status = lower(j["status"].get<std::string>());
  const std::optional<PCWStatus> known = parse_status(status);
  if (!known) return malformed("unknown status \"" + j["status"].get<std::string>() + "\"");
  if (!j.contains("decision_id")) return malformed("it has no decision_id");
  if (!j["decision_id"].is_string() || !plain_id(j["decision_id"].get<std::string>()))
    return malformed("its decision_id is not an id (1 to 256 letters, digits, - _ . :)");
  GateVerdict v;
  v.http_status = http_status;
  v.status = status;
  v.decision_id = j["decision_id"].get<std::string>();
  v.outcome = *known == PCWStatus::PROCEED ? GateOutcome::kProceed
              : *known == PCWStatus::HALT  ? GateOutcome::kHalt
                                           : GateOutcome::kReview;
  v.detail = "the decision is " + status;
  v.decision = std::string(body);
  const nlohmann::json gate = j.value("gate", nlohmann::json());
  const nlohmann::json how =
      gate.is_object() ? gate.value("outcome", nlohmann::json()) : nlohmann::json();
  if (*known != PCWStatus::PROCEED && (how == "approved" || how == "overridden")) {
    const auto& failing = j.value("failing_gates", nlohmann::json::array());
    if (failing.is_array() &&
        std::find(failing.begin(), failing.end(), "complexity") != failing.end())
      return malformed("it claims an override of a complexity failure, which nothing overrides");
    if (!gate.contains("proposal_id") || !gate["proposal_id"].is_string() ||
        !plain_id(gate["proposal_id"].get<std::string>()))
      return malformed("its gate names no proposal");
    v.passed_by = how.get<std::string>();
    v.approval = gate;
    v.outcome = GateOutcome::kProceed;
    v.detail = "the decision is " + status + ", " + v.passed_by + " (proposal " +
               gate["proposal_id"].get<std::string>() + ")";
  }
  return v;
}

namespace {

void validate_remote(const GateRemote& remote) {
  if (remote.retries < 0 || remote.retries > 100)
    throw_error(Error(errors::kGateRetries, "retries", "must be between 0 and 100"));
  if (remote.timeout.count() < 1 || remote.timeout.count() > 3'600'000)
    throw_error(Error(errors::kGateTimeout, "timeout", "must be between 1 ms and 1 hour"));
  check_service_url(remote.url);
}

}  // namespace

GateVerdict gate_remote(std::string_view context_json, const GateRemote& remote) {
  validate_remote(remote);
  // The service validates the context with its own configuration; what is not a JSON object at
  // all is refused here, before anything is sent.
  auto read = read_json(context_json);
  if (!read) throw_error(read.error());
  if (!read.value().is_object())
    throw_error(Error(errors::kJsonNotObject, "", "the context must be a JSON object"));
  std::string url = remote.url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/v1/gate";
  const auto start = Clock::now();
  const auto deadline = start + remote.timeout;
  milliseconds backoff = remote.first_backoff;
  GateVerdict last;
  for (int attempt = 1;; ++attempt) {
    // Each attempt gets an equal share of what is left, so that a service that hangs once is
    // still retried within the timeout.
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    const int attempts_left = remote.retries - attempt + 2;
    const ServiceAnswer a =
        call_service("POST", url, context_json, remote.api_key,
                     std::min(left, std::max(left / attempts_left, milliseconds(1000))));
    last = a.curl_code == CURLE_OK ? classify_answer(a.status, a.content_type, a.body)
                                   : transport_failure(a);
    last.attempts = attempt;
    if (last.outcome != GateOutcome::kUnavailable) return last;

    const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    auto wait = backoff;
    if (a.retry_after && *a.retry_after > wait) wait = *a.retry_after;
    const std::string so_far = " (" + std::to_string(attempt) + " attempt" +
                               (attempt == 1 ? "" : "s") + " in " + seconds(elapsed) + ")";
    if (attempt > remote.retries) {
      last.detail = "no decision: " + last.detail + so_far;
      return last;
    }
    if (Clock::now() + wait >= deadline) {
      last.detail = "no decision within the timeout of " + seconds(remote.timeout) + ": " +
                    last.detail + so_far +
                    (a.retry_after ? "; the service asked to retry after " + seconds(*a.retry_after)
                                   : std::string());
      return last;
    }
    if (remote.on_retry) remote.on_retry(attempt, last.detail, wait);
    std::this_thread::sleep_for(wait);
    backoff = std::min(remote.max_backoff, backoff * 2);
  }
}

GateVerdict gate_local(const DecisionService& service, std::string_view context_json) {
  ContextParser parser = service.parser({.cli_aliases = true, .cli_defaults = true});
  auto made = service.evaluate(context_json, parser);
  if (!made) {
    const Error& e = made.error();
    return verdict(e.kind == ErrorKind::kInternal ? GateOutcome::kInternal : GateOutcome::kInvalid,
                   error_to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  GateVerdict v = classify_answer(200, "application/json", made.value().json);
  v.http_status = 0;
  return v;
}

}  // namespace aegis
