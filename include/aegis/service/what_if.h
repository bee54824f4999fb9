// What-if: the decision a context would get with some of its fields changed, and how it differs
// from the decision as it stands. Changes are a JSON merge patch of the context (RFC 7386): a
// nested `utility` object is merged field by field, a list is replaced whole, null deletes a
// field. Both decisions are hypothetical (DecisionService::probe): no drift monitor, metrics or
// telemetry sees them, and nothing is recorded unless the caller records `changed`. Thread-safe
// with one ContextParser per thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "aegis/service/decision_service.h"

namespace aegis {

struct WhatIf {
  nlohmann::json changes;
  Evaluation original;  // the context as given
  Evaluation changed;   // the context with the changes merged in

  // {"changes", "decision" (the changed decision), "diff": {"status": {"from", "to"},
  //  "gates": {name: {"passed": {"from", "to"}, "value": {"from", "to"}}}} (every gate either
  //  decision evaluated; null where one did not), "original": {"decision_id", "status",
  //  "failing_gates"}, "recorded"}.
  std::string to_json(bool recorded) const;
};

// A what-if request body: {"context": {...}, "changes": {...}, "record": false}.
struct WhatIfRequest {
  nlohmann::json context;
  nlohmann::json changes;
  bool record = false;
};
// Reads a request body already parsed as JSON. Errors name the field ("context", "changes",
// "record", or the unknown key).
Result<WhatIfRequest> what_if_request(const nlohmann::json& body);

// Turns the CLI's "K=V,K=V" form into a merge patch: a dotted K sets a nested field
// ("utility.expected_benefit=900"), V is JSON (a number, true, "text", [..]) or else a string.
// A text that starts with '{' is read as the patch itself.
Result<nlohmann::json> parse_changes(std::string_view text);

// Decides `context` as given and with `changes` merged. `changes` must be an object. Errors in
// the context name its field prefixed "context." ; those the changes cause, "changes.".
Result<WhatIf> what_if(const DecisionService& service, const nlohmann::json& context,
                       const nlohmann::json& changes, ContextParser& parser);

}  // namespace aegis
