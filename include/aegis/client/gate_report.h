// What `aegis gate` shows of a verdict (include/aegis/client/gate_client.h), where CI looks:
// plain text or JSON on stdout, and on GitHub Actions a Markdown job summary, step outputs and
// an annotation. Text from the service is made inert in each: one line, no workflow command, no
// markup. Pure functions: thread-safe.
#pragma once

#include <string>

#include "aegis/client/gate_client.h"

namespace aegis {

// "HALT", or "HALT, OVERRIDDEN" when an approval released it; the class without a decision.
std::string gate_headline(const GateVerdict& v);
// The outcome's name: the approval that passed it ("approved", "overridden"), or the class.
std::string gate_outcome_name(const GateVerdict& v);
// `code` is the exit code; `passed_unavailable`: an unavailable service passed by
// --on-unavailable pass (said loudly in each report).
std::string gate_text_report(const GateVerdict& v, int code, bool passed_unavailable);
std::string gate_json_report(const GateVerdict& v, int code, bool passed_unavailable);
// The job summary; `where` says what decided ("https://aegis.example (1 attempt)").
std::string gate_summary_markdown(const GateVerdict& v, int code, bool passed_unavailable,
                                  const std::string& where);
// The ::warning (review, passed while unavailable) or ::error line; "" for a proceed.
std::string gate_annotation(const GateVerdict& v, bool passed_unavailable);
// The lines for $GITHUB_OUTPUT: status, decision_id, outcome, exit_code.
std::string gate_outputs(const GateVerdict& v, int code);

}  // namespace aegis
