// Internal: what the WorkflowApi files (workflow_api*.cpp) share: reading a body's fields, the
// errors every route answers, the guard that turns throws into results, and the list walk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aegis/core/error.h"
#include "aegis/core/strict_object.h"
#include "aegis/store/store.h"
#include "aegis/workflow/errors.h"
#include "aegis/workflow/override.h"
#include "aegis/workflow/workflow.h"
#include "aegis/workflow/workflow_api.h"

namespace aegis::workflow_detail {

using nlohmann::json;

// Throws api.invalid naming `field`.
[[noreturn]] void bad(const std::string& field, const std::string& message);
// Throws api.not_found, "no such `what`", naming `field`.
[[noreturn]] void not_found(const std::string& what, const std::string& field);
// A request body as JSON ({} for an empty body); StrictObject then reads its fields.
json json_body(std::string_view body);
// A body's fields: only the listed ones; null reads as absent.
StrictObject fields(const json& j, std::initializer_list<std::string_view> allowed);
// An optional text field (at most 4096 bytes).
std::optional<std::string> opt_string(const StrictObject& in, const char* field);
// A required, non-empty text field.
std::string req_string(const StrictObject& in, const char* field);
// Client-chosen ids: 1–128 characters of [A-Za-z0-9._:-], so they are safe in paths and logs.
std::string checked_id(const std::string& id, const char* field);
// A JSON array of non-empty strings; `field` names it (and its bad element) in errors.
std::vector<std::string> string_list(const json& v, const char* field);
// A step's answer with the object's JSON: done (200).
WorkflowOutcome done(json body);
// A step's answer with the object's JSON: created (201).
WorkflowOutcome created(json body);
// SHA-256 of the canonical JSON of a proposal's context: what a stored override commits to.
std::string proposal_context_hash(const ProposalWorkflow& p);
// Throws override.unbound unless the stored override's signed message names this very row.
void require_bound(const OverrideWorkflow& w, std::string_view id);

// Runs `fn`, turning everything it throws into the result's Error; nothing escapes, and no
// library's text reaches an answer.
template <typename Fn>
WorkflowResult guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const AegisError& e) {
    return e.error();
  } catch (const json::exception&) {  // a value of an unexpected JSON type
    return Error(errors::kApiInvalid, "",
                 "the body does not have the shape the route documents (see "
                 "/openapi.json)");
  } catch (const std::exception&) {
    return Error{errors::kApiInternal, "", "internal error"};
  }
}

}  // namespace aegis::workflow_detail

namespace aegis {

// Walks the objects of `type` newest change first, a store page at a time, until `limit` of them
// were kept by `visit(id, state, version)` (a JSON object, or null to skip it).
template <typename Visit>
WorkflowResult WorkflowApi::list_objects(const char* type, const char* key, size_t limit,
                                         int64_t cursor, Visit visit) {
  using workflow_detail::json;
  return workflow_detail::guarded([&] {
    constexpr size_t kPage = 200;
    json items = json::array();
    int64_t before = cursor, last_kept = 0;
    bool more = true;
    while (items.size() < limit && more) {
      std::vector<Store::ListedObject> page;
      {
        std::lock_guard<std::mutex> g(store_lock_);
        page = store_.list_objects(type, kPage, before);
      }
      more = page.size() == kPage;
      for (const auto& o : page) {
        before = o.seq;
        json item = visit(o.id, json::parse(o.object.state), o.object.version);
        if (item.is_null()) continue;
        items.push_back(std::move(item));
        last_kept = o.seq;
        if (items.size() == limit) {
          more = more || &o != &page.back();
          break;
        }
      }
    }
    json out = {{key, std::move(items)}};
    out["next_cursor"] =
        more && out[key].size() == limit ? json(std::to_string(last_kept)) : json();
    return workflow_detail::done(std::move(out));
  });
}

}  // namespace aegis
