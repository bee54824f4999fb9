// Durable state behind one interface (docs/audit.md#the-chain): a tamper-evident audit chain of
// decisions, workflow transitions and override events, and versioned workflow objects with
// optimistic concurrency. Engines: SQLite ("sqlite:PATH", WAL, one file) and PostgreSQL
// ("postgresql://user@host:port/db", shared by several processes and machines). A Store is used by
// one thread at a time; processes share a database through its own locking.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "aegis/core/decide.h"
#include "aegis/core/error.h"

namespace aegis {

// What the decision_keys table keeps beside a decision so that it can be found (by agent,
// session, status, failing gate). agent_id and session_id come from the context, not the
// decision body: entry_hash covers them (docs/audit.md). status and failing_gates are the body's
// own, and every read and audit verify compares them with it. Empty strings are unknown.
struct DecisionKeys {
  std::string agent_id;
  std::string session_id;
  std::string status;                      // "proceed", "pause", "halt", "escalate"
  std::vector<std::string> failing_gates;  // gate names
};

// What to append: `body` is canonical JSON text (decisions are written canonical).
struct NewEntry {
  std::string kind;  // "decision", "object.proposal", "override", ...
  std::string id;
  std::string body;
  DecisionKeys keys;  // for a decision: what its index row keeps beside it
};

// One link of the chain. entry_hash = SHA-256(prev_hash ‖ canonical JSON of
// {"body", "id", "kind", "seq", "time"}), hex; prev_hash of seq 1 is 64 zeros.
//
// A decision whose keys name an agent or a session hashes them too: the canonical JSON then also
// holds "agent_id" and "session_id". Entries written by earlier versions of AEGIS did not (a
// "legacy" hash); a chain may hold them only before its first entry hashed with its keys.
struct AuditEntry {
  int64_t seq = 0;
  std::string kind;
  std::string id;
  std::string time;  // RFC 3339 UTC, milliseconds
  std::string body;
  std::string prev_hash;
  std::string entry_hash;
  DecisionKeys keys;  // a decision's index row; empty for other entries
};

// A store URL fit to print: the password of user:password@ is masked.
std::string redacted_url(const std::string& url);

// The canonical JSON an entry's hash covers, and the hash itself.
std::string audit_entry_canonical(const AuditEntry& e);
std::string audit_entry_hash(const AuditEntry& e);
// Whether a decision entry's hash covers its agent and session (they are not both empty).
bool audit_entry_hashes_keys(const AuditEntry& e);
// How entry_hash matches: computed with the keys (or there are none), only without them (an
// entry written before the keys were hashed), or not at all.
enum class EntryHashMatch { kMatches, kLegacy, kBroken };
EntryHashMatch match_entry_hash(const AuditEntry& e);
// The problem of a decision entry whose keys disagree with its body (status, failing gates), or
// an empty string.
std::string decision_keys_problem(const AuditEntry& e);
// The whole entry, hashes included, as canonical JSON (what `aegis audit export` prints).
std::string audit_entry_to_json(const AuditEntry& e);
inline const std::string kGenesisHash(64, '0');

// What verify_chain found. A hash chain cannot see its own tail cut off: compare `entries` and
// `head_hash` with a copy kept elsewhere (or a signed checkpoint) to catch that.
struct ChainVerification {
  bool intact = true;
  int64_t entries = 0;
  std::string head_hash = kGenesisHash;  // entry_hash of the last entry walked
  int64_t first_broken_seq = 0;          // 0 when intact (or when an index is broken)
  std::string problem;
};

// The chain's last link: seq 0 and the genesis hash while it is empty.
struct ChainHead {
  int64_t seq = 0;
  std::string hash = kGenesisHash;
  bool operator==(const ChainHead&) const = default;
};

// Entries linked after `after` (seq, time, prev_hash and entry_hash set), ready to append.
struct LinkedGroup {
  ChainHead after;
  std::vector<AuditEntry> entries;  // a decision's keys inside it
  ChainHead tail() const;           // the chain's head once they are appended
};
// Links `entries` after `head`, stamped with the time now. Pure: it touches no store, so a
// writer can link the next group while the current one commits.
LinkedGroup link_entries(std::vector<NewEntry> entries, const ChainHead& head);
// Links `group` again after `head`, keeping its time (another writer came between).
void relink(LinkedGroup& group, const ChainHead& head);

// The audit-entry body of version `version` of a workflow object whose canonical JSON state is
// `canonical_state`: {"state":…,"version":N}, itself canonical.
std::string object_entry_body(std::string_view canonical_state, int64_t version);

// Throws InternalError "store.integrity" unless `e` is a self-consistent entry of `kind` for
// `id`: what every read path checks before it returns what an index pointed it at.
void check_entry_is(const AuditEntry& e, std::string_view kind, std::string_view id);

struct StoredObject {
  std::string state;  // JSON text
  int64_t version = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // What open does with a store that is not there.
  enum class OpenMode {
    kCreate,    // create the SQLite file and the AEGIS tables when missing (the writers)
    kExisting,  // read-only use: a SQLite file or PostgreSQL database that does not exist, or
                // exists without the AEGIS schema, is NotFoundError "store.not_found" naming the
                // URL, and nothing is created — no file, no table
  };
  // Opens "sqlite:PATH" or "postgresql://..." (migrating an older AEGIS schema). InvalidInputError
  // for an unknown URL; InternalError when the database cannot be opened or is from a newer aegis.
  static std::unique_ptr<Store> open(const std::string& url, OpenMode mode = OpenMode::kCreate);

  // Appends `entries` to the chain in one transaction (group commit). When it returns they are
  // durable; InternalError otherwise, and none of them was appended.
  std::vector<AuditEntry> append(std::span<const NewEntry> entries);
  // The same for a group linked ahead of its transaction: if the chain's head is no longer
  // `group.after` (another writer, or a failed transaction, came between), the group is linked
  // again to the actual head first, so that `group` always holds what was appended.
  virtual void append_linked(LinkedGroup& group) = 0;
  // The chain's head now.
  virtual ChainHead head() = 0;

  // Appends one "decision" entry per decision (keyed by decision_id), durably.
  std::vector<AuditEntry> record_decisions(std::span<const PCWDecision> decisions);

  // A decision's audit entry by id (through the decisions index; InternalError
  // "store.integrity" when the index points at another entry), its JSON (the entry's body), and
  // decisions in chain order after `after_seq`.
  virtual std::optional<AuditEntry> decision_entry(std::string_view decision_id) = 0;
  std::optional<std::string> get_decision(std::string_view decision_id);
  std::vector<AuditEntry> list_decisions(size_t limit, int64_t after_seq);
  // The newest `limit` decisions, newest first.
  std::vector<AuditEntry> recent_decisions(size_t limit);

  // Decisions matching every filter given, in chain order (or newest first), `limit` at most,
  // each with what its index row keeps (checked against the entry: InternalError
  // "store.integrity" when they disagree). Decisions stored before the keys were kept (schema 3)
  // have no agent or session and match no agent filter.
  struct DecisionQuery {
    std::optional<std::string> decision_id;  // the one decision with this id
    std::optional<std::string> status;       // a status name
    std::optional<std::string> agent_id;
    std::optional<std::string> failing_gate;  // a gate name among the failing ones
    // Decisions of the MCP gateway on this upstream and/or tool (its "gateway.call" entry of the
    // same id says so); decisions of other surfaces match neither.
    std::optional<std::string> upstream, tool;
    std::optional<std::string> since, until;  // RFC 3339 UTC times: since <= time < until
    int64_t cursor = 0;  // after this seq (chain order) or before it (newest first); 0: none
    bool newest_first = false;
    size_t limit = 50;
    // A `since`/`until` bound from an RFC 3339 UTC time, or its date, minute or second
    // ("2026-12-02T21:08:01.123Z", "2026-12-02"): the form entry times compare with, or nullopt.
    static std::optional<std::string> time_bound(std::string_view text);
    // Whether `e` passes every filter and the cursor: what find_decisions selects, for decisions
    // kept in memory (aegis mcp without a store). A test holds the two equal.
    bool matches(const AuditEntry& e) const;
  };
  virtual std::vector<AuditEntry> find_decisions(const DecisionQuery& query) = 0;

  // Saves a versioned object: `expected_version` 0 creates it, otherwise it must equal the
  // stored version (else ConflictError: a stale write never overwrites). Appends an
  // "object.<type>" audit entry in the same transaction. Returns the new version. The state is
  // kept as canonical JSON (InvalidInputError when `state` is not JSON).
  virtual int64_t save_object(std::string_view type, std::string_view id, const std::string& state,
                              int64_t expected_version) = 0;
  // The current version of an object, read from its latest audit entry and checked against the
  // objects table (InternalError "store.integrity" when they disagree).
  virtual std::optional<StoredObject> load_object(std::string_view type, std::string_view id) = 0;
  // Objects of `type`, the most recently changed first, `limit` at most, changed before entry
  // `before_seq` (0: from the newest); each row is checked against its entry as load_object does.
  struct ListedObject {
    std::string id;
    StoredObject object;
    int64_t seq = 0;  // the entry of its current version
  };
  virtual std::vector<ListedObject> list_objects(std::string_view type, size_t limit,
                                                 int64_t before_seq) = 0;

  // The entry at `seq`, or nullopt when the chain is shorter.
  virtual std::optional<AuditEntry> entry_at(int64_t seq) = 0;
  // Every entry in seq order; stop early by returning false.
  virtual void for_each_entry(const std::function<bool(const AuditEntry&)>& visit) = 0;

  // Re-walks the chain and names the first broken link; then checks the decisions index and the
  // objects table against it (each row points at the entry it names, every decision and the
  // latest version of every object has its row, object versions count up by one). Every column
  // of a decision's keys is checked: agent and session by the entry's hash, status and failing
  // gates against the body.
  ChainVerification verify_chain();

 protected:
  // The first disagreement between the index and lookup tables and the chain, or nullopt.
  virtual std::optional<std::string> index_problem() = 0;
};

}  // namespace aegis
