#include "aegis/store.h"

#include <chrono>

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

std::unique_ptr<Store> Store::open(const std::string& url) {
  if (url.rfind("sqlite:", 0) == 0 && url.size() > 7) return open_sqlite_store(url.substr(7));
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return open_pg_store(url);
  throw_error(invalid_input("store.url", "db",
                            "unsupported database URL \"" + url +
                                "\" (expected sqlite:PATH or postgresql://user@host:port/db)"));
}

std::vector<AuditEntry> Store::record_decisions(std::span<const PCWDecision> decisions) {
  std::vector<NewEntry> entries;
  entries.reserve(decisions.size());
  for (const auto& d : decisions)
    entries.push_back({"decision", d.decision_id, decision_to_json(d)});
  return append(entries);
}

ChainVerification Store::verify_chain() {
  ChainVerification v;
  std::string prev = kGenesisHash;
  int64_t expected_seq = 1;
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
    prev = e.entry_hash;
    ++expected_seq;
    ++v.entries;
    return true;
  });
  return v;
}

}  // namespace aegis
