// Internal: the one query both store engines run for Store::find_decisions, and the form in
// which the decisions table keeps failing gates (",risk,novelty,": one LIKE finds a gate).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "aegis/store.h"

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
  const auto param = [&]() { return numbered ? "$" + std::to_string(++n) : std::string("?"); };
  sql.text =
      "SELECT a.seq, a.kind, a.id, a.time, a.body, a.prev_hash, a.entry_hash, "
      "coalesce(d.agent_id, ''), coalesce(d.session_id, ''), coalesce(d.status, ''), "
      "d.failing_gates FROM decisions d JOIN audit a ON a.seq = d.seq WHERE a.kind = 'decision'";
  const auto text = [&](const char* condition, const std::string& value) {
    sql.text += condition + param();
    sql.texts.push_back(value);
  };
  if (q.status) text(" AND d.status = ", *q.status);
  if (q.agent_id) text(" AND d.agent_id = ", *q.agent_id);
  if (q.failing_gate) text(" AND d.failing_gates LIKE ", "%," + *q.failing_gate + ",%");
  if (q.since) text(" AND a.time >= ", *q.since);
  if (q.until) text(" AND a.time < ", *q.until);
  if (q.cursor > 0) {
    sql.text += (q.newest_first ? " AND d.seq < " : " AND d.seq > ") + param();
    sql.integers.push_back(q.cursor);
  }
  sql.text += q.newest_first ? " ORDER BY d.seq DESC LIMIT " : " ORDER BY d.seq LIMIT ";
  sql.text += param();
  sql.integers.push_back(static_cast<int64_t>(q.limit));
  return sql;
}

}  // namespace aegis::store_detail
