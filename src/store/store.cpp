#include "aegis/store/store.h"

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/store/errors.h"
#include "pg_store.h"
#include "sqlite_store.h"

namespace aegis {

namespace {

// The canonical entry in pieces: everything but the body, which is hashed in place. With
// `keys`, a decision's agent and session too.
struct CanonicalParts {
  std::string head = "{";
  std::string tail;
  CanonicalParts(const AuditEntry& e, bool keys) {
    if (keys) {
      head += "\"agent_id\":";
      append_string(head, e.keys.agent_id);
      head += ',';
    }
    head += "\"body\":";
    tail = ",\"id\":";
    append_string(tail, e.id);
    tail += ",\"kind\":";
    append_string(tail, e.kind);
    tail += ",\"seq\":" + std::to_string(e.seq);
    if (keys) {
      tail += ",\"session_id\":";
      append_string(tail, e.keys.session_id);
    }
    tail += ",\"time\":";
    append_string(tail, e.time);
    tail += '}';
  }
};

std::string hash_of(const AuditEntry& e, bool keys) {
  // The same bytes as prev_hash + audit_entry_canonical(e), without copying the body.
  const CanonicalParts p(e, keys);
  Sha256 h;
  h.update(e.prev_hash).update(p.head).update(e.body).update(p.tail);
  return h.hex_final();
}

}  // namespace

bool audit_entry_hashes_keys(const AuditEntry& e) {
  return e.kind == "decision" && !(e.keys.agent_id.empty() && e.keys.session_id.empty());
}

std::string audit_entry_canonical(const AuditEntry& e) {
  const CanonicalParts p(e, audit_entry_hashes_keys(e));
  return p.head + e.body + p.tail;
}

EntryHashMatch match_entry_hash(const AuditEntry& e) {
  const bool keys = audit_entry_hashes_keys(e);
  if (hash_of(e, keys) == e.entry_hash) return EntryHashMatch::kMatches;
  return keys && hash_of(e, false) == e.entry_hash ? EntryHashMatch::kLegacy
                                                   : EntryHashMatch::kBroken;
}

std::string decision_keys_problem(const AuditEntry& e) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element body;
  std::string_view status;
  simdjson::dom::array gates;
  if (parser.parse(e.body).get(body) || body["status"].get(status) ||
      body["failing_gates"].get(gates))
    return "decision " + e.id + " (seq " + std::to_string(e.seq) +
           ") is not a decision record with a status and failing gates";
  bool same = status == e.keys.status && gates.size() == e.keys.failing_gates.size();
  size_t i = 0;
  for (const auto g : gates) {
    std::string_view name;
    if (!same || g.get(name) || name != e.keys.failing_gates[i++]) {
      same = false;
      break;
    }
  }
  if (same) return {};
  return "the decision keys of seq " + std::to_string(e.seq) +
         " (status, failing gates) differ from its decision's body";
}

std::string audit_entry_to_json(const AuditEntry& e) {
  // The canonical form's fields (a decision's agent and session too, when its hash covers
  // them) plus the two hashes, in canonical order.
  const bool keys = audit_entry_hashes_keys(e);
  std::string s = "{";
  if (keys) {
    s += "\"agent_id\":";
    append_string(s, e.keys.agent_id);
    s += ',';
  }
  s += "\"body\":";
  s += e.body;
  for (const auto& [key, value] :
       {std::pair<const char*, const std::string*>{"entry_hash", &e.entry_hash},
        {"id", &e.id},
        {"kind", &e.kind},
        {"prev_hash", &e.prev_hash}}) {
    s += ",\"";
    s += key;
    s += "\":";
    append_string(s, *value);
  }
  s += ",\"seq\":" + std::to_string(e.seq);
  if (keys) {
    s += ",\"session_id\":";
    append_string(s, e.keys.session_id);
  }
  s += ",\"time\":";
  append_string(s, e.time);
  s += '}';
  return s;
}

std::string audit_entry_hash(const AuditEntry& e) { return hash_of(e, audit_entry_hashes_keys(e)); }

ChainHead LinkedGroup::tail() const {
  return entries.empty() ? after : ChainHead{entries.back().seq, entries.back().entry_hash};
}

void relink(LinkedGroup& group, const ChainHead& head) {
  group.after = head;
  int64_t seq = head.seq;
  const std::string* prev = &head.hash;
  for (AuditEntry& e : group.entries) {
    e.seq = ++seq;
    e.prev_hash = *prev;
    e.entry_hash = audit_entry_hash(e);
    prev = &e.entry_hash;
  }
}

LinkedGroup link_entries(std::vector<NewEntry> entries, const ChainHead& head) {
  LinkedGroup group;
  const std::string now = format_timestamp(std::chrono::system_clock::now());
  group.entries.reserve(entries.size());
  for (NewEntry& n : entries)
    group.entries.push_back(
        {0, std::move(n.kind), std::move(n.id), now, std::move(n.body), "", "", std::move(n.keys)});
  relink(group, head);
  return group;
}

std::optional<std::string> Store::DecisionQuery::time_bound(std::string_view text) {
  std::string t(text);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  constexpr std::string_view kForm = "dddd-dd-ddTdd:dd:dd.ddd";
  bool ok = t.size() == 10 || t.size() == 16 || t.size() == 19 || t.size() == 23;
  for (size_t i = 0; ok && i < t.size(); ++i)
    ok = kForm[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == kForm[i];
  if (!ok) return std::nullopt;
  return t;
}

bool Store::DecisionQuery::matches(const AuditEntry& e) const {
  const auto& gates = e.keys.failing_gates;
  // Kept in memory there are no gateway calls: an upstream or tool filter matches nothing.
  return e.kind == "decision" && !upstream && !tool && (!decision_id || e.id == *decision_id) &&
         (!status || e.keys.status == *status) && (!agent_id || e.keys.agent_id == *agent_id) &&
         (!failing_gate || std::find(gates.begin(), gates.end(), *failing_gate) != gates.end()) &&
         (!since || e.time >= *since) && (!until || e.time < *until) &&
         (cursor <= 0 || (newest_first ? e.seq < cursor : e.seq > cursor));
}

std::vector<AuditEntry> Store::list_decisions(size_t limit, int64_t after_seq) {
  std::vector<AuditEntry> out;
  return find_decisions({.cursor = after_seq, .limit = limit});
}

std::vector<AuditEntry> Store::recent_decisions(size_t limit) {
  return find_decisions({.newest_first = true, .limit = limit});
}

std::vector<AuditEntry> Store::append(std::span<const NewEntry> entries) {
  // Linked inside the transaction: an `after` no chain has.
  LinkedGroup group{ChainHead{-1, ""}, {}};
  const std::string now = format_timestamp(std::chrono::system_clock::now());
  group.entries.reserve(entries.size());
  for (const NewEntry& n : entries)
    group.entries.push_back({0, n.kind, n.id, now, n.body, "", "", n.keys});
  append_linked(group);
  return std::move(group.entries);
}

std::unique_ptr<Store> Store::open(const std::string& url, OpenMode mode) {
  const bool create = mode == OpenMode::kCreate;
  if (url.rfind("sqlite:", 0) == 0 && url.size() > 7)
    return open_sqlite_store(url.substr(7), create);
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return open_pg_store(url, create);
  throw_error(Error(errors::kStoreUrl, "db",
                    "unsupported database URL \"" + url +
                        "\" (expected sqlite:PATH or postgresql://user@host:port/db)"));
}

std::string redacted_url(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::optional<std::string> Store::get_decision(std::string_view decision_id) {
  auto e = decision_entry(decision_id);
  if (!e) return std::nullopt;
  return std::move(e->body);
}

std::vector<AuditEntry> Store::record_decisions(std::span<const PCWDecision> decisions) {
  std::vector<NewEntry> entries;
  entries.reserve(decisions.size());
  for (const auto& d : decisions)
    entries.push_back({"decision",
                       d.decision_id,
                       decision_to_json(d),
                       {"", "", std::string(to_string(d.status)), d.failing_gates}});
  return append(entries);
}

std::string object_entry_body(std::string_view canonical_state, int64_t version) {
  std::string body = "{\"state\":";
  body += canonical_state;
  body += ",\"version\":" + std::to_string(version) + "}";
  return body;
}

void check_entry_is(const AuditEntry& e, std::string_view kind, std::string_view id) {
  std::string why;
  if (e.kind != kind || e.id != id)
    why = "the index points " + std::string(kind) + " " + std::string(id) + " at audit entry " +
          std::to_string(e.seq) + ", which holds something else";
  else if (match_entry_hash(e) == EntryHashMatch::kBroken)
    why = "audit entry " + std::to_string(e.seq) + " does not match its entry_hash";
  else if (kind == "decision")
    why = decision_keys_problem(e);
  if (!why.empty())
    throw_error(Error{errors::kStoreIntegrity, "",
                      "the store is inconsistent: " + why + " (run aegis audit verify)"});
}

namespace {

// The version an object entry's body records ({"state":…,"version":N}), or -1.
int64_t body_version(const std::string& body) {
  static constexpr std::string_view kKey = ",\"version\":";
  const size_t at = body.rfind(kKey);
  if (at == std::string::npos || body.empty() || body.back() != '}') return -1;
  int64_t v = 0;
  for (size_t i = at + kKey.size(); i + 1 < body.size(); ++i) {
    if (body[i] < '0' || body[i] > '9' || v > (int64_t{1} << 58)) return -1;
    v = v * 10 + (body[i] - '0');
  }
  return v;
}

}  // namespace

ChainVerification Store::verify_chain() {
  ChainVerification v;
  std::string prev = kGenesisHash;
  int64_t expected_seq = 1;
  std::map<std::pair<std::string, std::string>, int64_t> object_versions;
  int64_t first_keyed = 0;  // the first decision hashed with its keys
  for_each_entry([&](const AuditEntry& e) {
    auto broken = [&](std::string why) {
      v.intact = false;
      v.first_broken_seq = e.seq;
      v.problem = std::move(why);
      return false;
    };
    if (e.seq != expected_seq)
      return broken("entry " + std::to_string(expected_seq) + " is missing (found " +
                    std::to_string(e.seq) + ")");
    if (e.prev_hash != prev) return broken("prev_hash does not match the previous entry's hash");
    switch (match_entry_hash(e)) {
      case EntryHashMatch::kBroken:
        return broken(
            "entry_hash does not match the entry's content (or its decision keys: "
            "agent_id, session_id)");
      case EntryHashMatch::kLegacy:
        // Only entries written before the keys were hashed may leave them out.
        if (first_keyed)
          return broken(
              "entry_hash leaves out the decision keys (agent_id, session_id), "
              "although entry " +
              std::to_string(first_keyed) + " before it covers them");
        break;
      case EntryHashMatch::kMatches:
        if (!first_keyed && audit_entry_hashes_keys(e)) first_keyed = e.seq;
        break;
    }
    if (e.kind == "decision")
      if (std::string problem = decision_keys_problem(e); !problem.empty())
        return broken(std::move(problem));
    if (e.kind.rfind("object.", 0) == 0) {
      int64_t& last = object_versions[{e.kind, e.id}];
      if (body_version(e.body) != last + 1)
        return broken(e.kind + " " + e.id + " does not follow version " + std::to_string(last));
      ++last;
    }
    prev = e.entry_hash;
    ++expected_seq;
    ++v.entries;
    v.head_hash = e.entry_hash;
    return true;
  });
  if (v.intact) {
    if (auto problem = index_problem()) {
      v.intact = false;
      v.problem = std::move(*problem);
    }
  }
  return v;
}

}  // namespace aegis
