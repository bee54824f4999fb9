#include "aegis/store.h"

#include <chrono>
#include <map>

#include "aegis/digest.h"
#include "aegis/json.h"
#include "pg_store.h"
#include "sqlite_store.h"

namespace aegis {

namespace {

// The canonical entry in pieces: everything but the body, which is hashed in place.
struct CanonicalParts {
  std::string head = "{\"body\":";
  std::string tail;
  explicit CanonicalParts(const AuditEntry& e) {
    tail = ",\"id\":";
    append_string(tail, e.id);
    tail += ",\"kind\":";
    append_string(tail, e.kind);
    tail += ",\"seq\":" + std::to_string(e.seq) + ",\"time\":";
    append_string(tail, e.time);
    tail += '}';
  }
};

}  // namespace

std::string audit_entry_canonical(const AuditEntry& e) {
  const CanonicalParts p(e);
  return p.head + e.body + p.tail;
}

std::string audit_entry_to_json(const AuditEntry& e) {
  std::string s = "{\"body\":";
  s += e.body;
  for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"entry_hash", &e.entry_hash},
                                   {"id", &e.id},
                                   {"kind", &e.kind},
                                   {"prev_hash", &e.prev_hash}}) {
    s += ",\"";
    s += key;
    s += "\":";
    append_string(s, *value);
  }
  s += ",\"seq\":" + std::to_string(e.seq) + ",\"time\":";
  append_string(s, e.time);
  s += '}';
  return s;
}

std::string audit_entry_hash(const AuditEntry& e) {
  // The same bytes as prev_hash + audit_entry_canonical(e), without copying the body.
  const CanonicalParts p(e);
  Sha256 h;
  h.update(e.prev_hash).update(p.head).update(e.body).update(p.tail);
  return h.hex_final();
}

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
  group.keys.reserve(entries.size());
  for (NewEntry& n : entries) {
    group.entries.push_back({0, std::move(n.kind), std::move(n.id), now, std::move(n.body), "", ""});
    group.keys.push_back(std::move(n.keys));
  }
  relink(group, head);
  return group;
}

std::vector<AuditEntry> Store::list_decisions(size_t limit, int64_t after_seq) {
  std::vector<AuditEntry> out;
  for (auto& f : find_decisions({.cursor = after_seq, .limit = limit}))
    out.push_back(std::move(f.entry));
  return out;
}

std::vector<AuditEntry> Store::recent_decisions(size_t limit) {
  std::vector<AuditEntry> out;
  for (auto& f : find_decisions({.newest_first = true, .limit = limit}))
    out.push_back(std::move(f.entry));
  return out;
}

std::vector<AuditEntry> Store::append(std::span<const NewEntry> entries) {
  // Linked inside the transaction: an `after` no chain has.
  LinkedGroup group{ChainHead{-1, ""}, {}};
  const std::string now = format_timestamp(std::chrono::system_clock::now());
  group.entries.reserve(entries.size());
  for (const NewEntry& n : entries) {
    group.entries.push_back({0, n.kind, n.id, now, n.body, "", ""});
    group.keys.push_back(n.keys);
  }
  append_linked(group);
  return std::move(group.entries);
}

std::unique_ptr<Store> Store::open(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0 && url.size() > 7) return open_sqlite_store(url.substr(7));
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return open_pg_store(url);
  throw_error(invalid_input("store.url", "db",
                            "unsupported database URL \"" + url +
                                "\" (expected sqlite:PATH or postgresql://user@host:port/db)"));
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
    entries.push_back({"decision", d.decision_id, decision_to_json(d),
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
  else if (audit_entry_hash(e) != e.entry_hash)
    why = "audit entry " + std::to_string(e.seq) + " does not match its entry_hash";
  if (!why.empty())
    throw_error(Error{ErrorKind::kInternal, "store.integrity", "",
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
    if (audit_entry_hash(e) != e.entry_hash)
      return broken("entry_hash does not match the entry's content");
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
