// libFuzzer target for the context JSON parser and everything a parsed context reaches:
// decide, serialise, and re-parse. Any crash, sanitizer report or abort() is a finding.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aegis/core/json.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aegis;
  static ContextParser strict;
  static ContextParser cli(AegisConfig(),
                           {.cli_aliases = true, .cli_defaults = true, .request_fields = true});
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (ContextParser* parser : {&strict, &cli}) {
    auto r = parser->parse(in);
    if (!r) {
      // Bad input: a clear error, never a decision.
      check(!r.error().message.empty() && !r.error().detail.empty());
      continue;
    }
    const PCWContext& ctx = r.value().context;
    check(!validate_context(ctx).has_value());
    const PCWDecision d = pcw_decide(ctx);
    const std::string out = decision_to_json(d);
    const auto j = nlohmann::json::parse(out);  // throws (and so crashes) on invalid JSON
    check(j["status"] == to_string(d.status));
    check(canonical_json(j) == out);  // decisions are written canonical
    // A failing gate never yields PROCEED.
    check(d.gates_failed == 0 || d.status != PCWStatus::PROCEED);
    // The context survives a round trip through its JSON form.
    auto again = strict.parse(context_to_json(ctx).dump());
    check(again.ok());
    check(context_to_json(again.value().context) == context_to_json(ctx));
  }
  return 0;
}
