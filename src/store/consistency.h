// Internal: what both store engines share to keep the index and lookup tables consistent with
// the audit chain, and to refuse what a reader must not change.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "aegis/core/error.h"
#include "aegis/core/json.h"
#include "aegis/store/errors.h"
#include "aegis/store/store.h"

namespace aegis::store_detail {

// A command that only reads met a store an older aegis wrote: upgrading it would be a write.
[[noreturn]] inline void schema_too_old(int64_t version, int current) {
  throw_error(Error{errors::kStoreSchemaOld, "db",
                    "the store's schema (version " + std::to_string(version) +
                        ") is older than this aegis's (" + std::to_string(current) +
                        "); a command that only reads never changes a store: open it once with "
                        "one that writes (aegis serve, or aegis evaluate --db) to upgrade it"});
}

// Saved states are our own JSON: bounded by the store, not by a request's limits.
inline constexpr JsonLimits kStateLimits{.max_bytes = size_t{1} << 30, .max_depth = 256};

// The index checks of verify_chain, as (query for the first offender, what it means).
inline const std::pair<const char*, std::string> kIndexChecks[] = {
    {"SELECT d.decision_id FROM decisions d LEFT JOIN audit a ON a.seq = d.seq "
     "WHERE a.seq IS NULL OR a.kind <> 'decision' OR a.id <> d.decision_id LIMIT 1",
     "the decisions index points at an entry that is not that decision: "},
    {"SELECT a.id FROM audit a WHERE a.kind = 'decision' AND NOT EXISTS "
     "(SELECT 1 FROM decisions d WHERE d.decision_id = a.id AND d.seq = a.seq) LIMIT 1",
     "a decision of the chain is missing from the decisions index: "},
    {"SELECT k.seq FROM decision_keys k LEFT JOIN audit a ON a.seq = k.seq "
     "WHERE a.seq IS NULL OR a.kind <> 'decision' LIMIT 1",
     "the decision keys name an entry that is not a decision, at seq "},
    {"SELECT a.id FROM audit a WHERE a.kind = 'decision' AND NOT EXISTS "
     "(SELECT 1 FROM decision_keys k WHERE k.seq = a.seq) LIMIT 1",
     "a decision of the chain has no row of keys: "},
    {"SELECT o.type || ' ' || o.id FROM objects o LEFT JOIN audit a ON a.seq = o.seq "
     "WHERE a.seq IS NULL OR a.kind <> 'object.' || o.type OR a.id <> o.id "
     "OR a.body <> '{\"state\":' || o.state || ',\"version\":' || o.version || '}' LIMIT 1",
     "the objects table does not hold what the chain's entry of it holds: "},
    {"SELECT a.kind || ' ' || a.id FROM audit a WHERE a.kind LIKE 'object.%' AND NOT EXISTS "
     "(SELECT 1 FROM objects o WHERE o.type = substr(a.kind, 8) AND o.id = a.id "
     "AND o.seq >= a.seq) LIMIT 1",
     "the objects table lacks an object or its latest version: "},
};

// What load_object checks before it returns a row of the objects table: `e` (the entry the row
// names) is that object's and holds exactly the row's version and state. InternalError
// "store.integrity" otherwise.
inline void check_object_row(const AuditEntry& e, std::string_view type, std::string_view id,
                             const StoredObject& row) {
  check_entry_is(e, "object." + std::string(type), id);
  if (e.body != object_entry_body(row.state, row.version))
    throw_error(Error{errors::kStoreIntegrity, "",
                      "the store is inconsistent: the objects table holds another version of " +
                          std::string(type) + " " + std::string(id) + " than audit entry " +
                          std::to_string(e.seq) + " (run aegis audit verify)"});
}

}  // namespace aegis::store_detail
