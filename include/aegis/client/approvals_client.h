// The approvers' requests to an `aegis serve` (docs/approvals.md#approvers-surfaces): list, show,
// approve and deny, as the API key's actor. Thread-safe: each call has its own transfer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "aegis/client/service_call.h"

namespace aegis {

struct ApprovalQuery {
  std::string id;                    // show, approve, deny: the approval's id
  std::string reason;                // approve, deny: kept in the chain
  std::optional<std::string> state;  // list: only approvals in this state
  int limit = 50;                    // list: at most this many
};

// `what` is "list", "show", "approve" or "deny": GET /v1/approvals, GET /v1/approvals/{id}, POST
// /v1/approvals/{id}/approve|deny with {reason}. Path and query values are percent-encoded.
// Throws InvalidInputError "gate.url" for a URL check_service_url refuses; never throws for what
// the network or the server does (the answer holds it).
ServiceAnswer call_approvals(const std::string& base_url, const std::string& api_key,
                             std::string_view what, const ApprovalQuery& query);

}  // namespace aegis
