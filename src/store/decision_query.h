// Internal: the one query both store engines run for Store::find_decisions, and the form in
// which the decision_keys table keeps failing gates (",risk,novelty,": one LIKE finds a gate).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aegis/store/store.h"

namespace aegis::store_detail {

inline std::string join_gates(const std::vector<std::string>& gates) {
  std::string s = ",";
  for (const auto& g : gates) s += g + ",";
  return s;
}

inline std::vector<std::string> split_gates(const std::string& joined) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < joined.size()) {
    const size_t comma = joined.find(',', start);
    const size_t end = comma == std::string::npos ? joined.size() : comma;
    if (end > start) out.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The gate names of a failing_gates column. A column not in join_gates's form reads as one name
// no gate has, so that it never equals a decision body's gates (and audit verify names it).
inline std::vector<std::string> gates_column(const std::string& joined) {
  std::vector<std::string> out = split_gates(joined);
  if (join_gates(out) != joined) return {"<malformed " + joined + ">"};
  return out;
}

// An audit entry with its decision keys: columns 0-6 the entry, 7-10 agent_id, session_id,
// status and failing_gates ('' when the entry has none). Used with "FROM audit a" and
// "decision_keys k".
inline constexpr const char* kEntryColumns =
    "a.seq, a.kind, a.id, a.time, a.body, a.prev_hash, a.entry_hash, "
    "coalesce(k.agent_id, ''), coalesce(k.session_id, ''), coalesce(k.status, ''), "
    "coalesce(k.failing_gates, '')";

// The SQL of a query and its parameters: every text first, then every integer, in the order
// the placeholders appear ("?" for SQLite, "$1"... for PostgreSQL).
struct DecisionSql {
  std::string text;
  std::vector<std::string> texts;
  std::vector<int64_t> integers;
};

// Columns: seq, kind, id, time, body, prev_hash, entry_hash, agent_id, session_id, status,
// failing_gates. `numbered`: PostgreSQL's $N placeholders.
inline DecisionSql decision_query_sql(const Store::DecisionQuery& q, bool numbered) {
  DecisionSql sql;
  int n = 0;
  const auto param = [&]() {
    std::string p = numbered ? "$" : "?";
    if (numbered) p += std::to_string(++n);
    return p;
  };
  sql.text = std::string("SELECT ") + kEntryColumns +
             " FROM audit a JOIN decision_keys k ON k.seq = a.seq WHERE a.kind = 'decision'";
  // The chain's order: walked on the audit table's key, or on the agent index when one agent is
  // asked for (the only index beside the decision id's: each index costs every append).
  const std::string seq = q.agent_id ? "k.seq" : "a.seq";
  const auto text = [&](const char* condition, const std::string& value) {
    sql.text += condition + param();
    sql.texts.push_back(value);
  };
  if (q.decision_id) {  // found by the decisions table's key, then checked against the entry
    text(" AND a.seq IN (SELECT seq FROM decisions WHERE decision_id = ", *q.decision_id);
    text(") AND a.id = ", *q.decision_id);
  }
  if (q.status) text(" AND k.status = ", *q.status);
  if (q.agent_id) text(" AND k.agent_id = ", *q.agent_id);
  if (q.failing_gate) text(" AND k.failing_gates LIKE ", "%," + *q.failing_gate + ",%");
  if (q.upstream || q.tool) {
    // The gateway.call entry of the same id names them, at the top level of its JSON body.
    const auto field = [numbered](const char* key) {
      return numbered ? std::string(" AND (g.body::jsonb ->> '") + key + "') = "
                      : std::string(" AND json_extract(g.body, '$.") + key + "') = ";
    };
    sql.text += " AND a.id IN (SELECT g.id FROM audit g WHERE g.kind = 'gateway.call'";
    if (q.upstream) text(field("upstream").c_str(), *q.upstream);
    if (q.tool) text(field("tool").c_str(), *q.tool);
    sql.text += ")";
  }
  if (q.since) text(" AND a.time >= ", *q.since);
  if (q.until) text(" AND a.time < ", *q.until);
  if (q.cursor > 0) {
    sql.text += " AND " + seq + (q.newest_first ? " < " : " > ") + param();
    sql.integers.push_back(q.cursor);
  }
  sql.text += " ORDER BY " + seq + (q.newest_first ? " DESC LIMIT " : " LIMIT ");
  sql.text += param();
  sql.integers.push_back(static_cast<int64_t>(q.limit));
  return sql;
}

}  // namespace aegis::store_detail
