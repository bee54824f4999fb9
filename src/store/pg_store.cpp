#include "pg_store.h"

// GCC 12 reports a false -Wrestrict on std::string appends at -O3 (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
// pqxx::tablewriter, the one pqxx 6.4 type that takes a COPY line as written, is marked
// deprecated in favour of stream_to, whose per-character escaping took 11% of a durable batch's
// CPU (docs/DECISIONS.md, store).
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include <algorithm>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include "aegis/core/json.h"
#include "aegis/store/errors.h"
#include "consistency.h"
#include "decision_query.h"

namespace aegis {
namespace {

// 1: audit, decisions, objects, chain_head. 2: objects.seq names the entry of the current version,
// and objects.state is canonical JSON (the bytes that entry holds).
// 3: audit.body is compressed with lz4 where the server has it (cheaper than pglz, about the
// same size; rows written before keep pglz, and both read alike).
// 4: decision_keys keeps the agent_id, session_id, status and failing_gates (",risk,novelty,")
// of each decision by seq, with an index by agent.
constexpr int kSchemaVersion = 4;
constexpr int64_t kMigrationLock = 0x4145474953;  // "AEGIS"

[[noreturn]] void internal(const std::string& what) {
  throw_error(Error{errors::kStorePostgresql, "", what});
}

[[noreturn]] void not_found(const std::string& url, const std::string& why) {
  throw_error(Error{errors::kStoreNotFound, "db",
                    redacted_url(url) + ": " + why +
                        "; a command that only reads never creates a store: check the URL"});
}

// A connection to `url`. A database that does not exist is "store.not_found", for readers and
// writers alike (nothing here creates databases).
pqxx::connection connect(const std::string& url) {
  try {
    return pqxx::connection(url);
  } catch (const pqxx::broken_connection& e) {
    const std::string what = e.what();
    if (what.find("does not exist") != std::string::npos) not_found(url, "no such database");
    throw;
  }
}

const std::vector<std::string> kAuditColumns = {"seq",  "kind",      "id",        "time",
                                                "body", "prev_hash", "entry_hash"};
const std::vector<std::string> kIndexColumns = {"decision_id", "seq"};
const std::vector<std::string> kKeyColumns = {"seq", "agent_id", "session_id", "status",
                                              "failing_gates"};

// A field of COPY's text format: backslash, tab, newline and carriage return escaped. Safe with
// UTF-8 (the client encoding set at connect): no byte of a multibyte sequence is below 0x80.
void append_copy_text(std::string& out, const std::string& v) {
  size_t run = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
    out.append(v, run, i - run);
    out += '\\';
    out += c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
    run = i + 1;
  }
  out.append(v, run, std::string::npos);
}

class PgStore : public Store {
 public:
  PgStore(const std::string& url, bool create) try : conn_(connect(url)) {
    conn_.set_client_encoding("UTF8");
    if (!create) {  // before anything is written: a database without the AEGIS schema stays
      pqxx::read_transaction r(conn_);
      if (r.exec("SELECT to_regclass('schema_version')")[0][0].is_null())
        not_found(url, "the database holds no AEGIS store");
    }
    migrate(create);
    conn_.prepare("head", "SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE");
    conn_.prepare("set_head", "UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1");
  } catch (const pqxx::failure& e) {
    internal(std::string("cannot open the database: ") + e.what());
  }

  void append_linked(LinkedGroup& group) override {
    try {
      pqxx::work w(conn_);
      insert_linked(w, group);
      w.commit();
    } catch (const pqxx::failure& e) {
      internal(std::string("append failed (nothing was appended): ") + e.what());
    }
  }

  ChainHead head() override {
    try {
      pqxx::read_transaction r(conn_);
      const pqxx::result h = r.exec("SELECT seq, hash FROM chain_head WHERE id = 1");
      return ChainHead{h[0][0].as<int64_t>(), h[0][1].as<std::string>()};
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

  std::optional<AuditEntry> decision_entry(std::string_view decision_id) override {
    try {
      pqxx::read_transaction r(conn_);
      const pqxx::result res =
          r.exec_params(std::string("SELECT ") + store_detail::kEntryColumns +
                            ", d.seq FROM decisions d LEFT JOIN audit a ON a.seq = d.seq "
                            "LEFT JOIN decision_keys k ON k.seq = d.seq WHERE d.decision_id = $1",
                        std::string(decision_id));
      if (res.empty()) return std::nullopt;
      AuditEntry e = keyed_entry(res[0]);
      e.seq = res[0][11].as<int64_t>();
      check_entry_is(e, "decision", decision_id);
      return e;
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

  std::optional<AuditEntry> entry_at(int64_t seq) override {
    try {
      pqxx::read_transaction r(conn_);
      const pqxx::result res = r.exec_params(
          std::string("SELECT ") + store_detail::kEntryColumns +
              " FROM audit a LEFT JOIN decision_keys k ON k.seq = a.seq WHERE a.seq = $1",
          seq);
      if (res.empty()) return std::nullopt;
      return keyed_entry(res[0]);
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

  std::vector<AuditEntry> find_decisions(const DecisionQuery& q) override {
    const store_detail::DecisionSql sql = store_detail::decision_query_sql(q, true);
    std::vector<std::string> params = sql.texts;
    for (const int64_t v : sql.integers) params.push_back(std::to_string(v));
    try {
      pqxx::read_transaction r(conn_);
      const pqxx::result res = r.exec_params(sql.text, pqxx::prepare::make_dynamic_params(params));
      std::vector<AuditEntry> out;
      for (const auto& row : res) {
        out.push_back(keyed_entry(row));
        check_entry_is(out.back(), "decision", out.back().id);  // the filters saw what it holds
      }
      return out;
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

  int64_t save_object(std::string_view type, std::string_view id, const std::string& state,
                      int64_t expected_version) override {
    const std::string canonical =
        canonical_json(parse_json_strict(state, store_detail::kStateLimits));
    try {
      pqxx::work w(conn_);
      int64_t version;
      if (expected_version == 0) {
        const auto res = w.exec_params(
            "INSERT INTO objects(type, id, version, state, seq) VALUES ($1, $2, 1, $3, 0) "
            "ON CONFLICT (type, id) DO NOTHING",
            std::string(type), std::string(id), canonical);
        if (res.affected_rows() == 0) conflict(type, id, "it already exists");
        version = 1;
      } else {
        const auto res = w.exec_params(
            "UPDATE objects SET version = version + 1, state = $1 "
            "WHERE type = $2 AND id = $3 AND version = $4",
            canonical, std::string(type), std::string(id), expected_version);
        if (res.affected_rows() == 0)
          conflict(type, id, "it changed since version " + std::to_string(expected_version));
        version = expected_version + 1;
      }
      LinkedGroup entry = link_entries(
          {{"object." + std::string(type), std::string(id), object_entry_body(canonical, version)}},
          ChainHead{-1, ""});
      insert_linked(w, entry);
      const int64_t seq = entry.tail().seq;
      w.exec_params("UPDATE objects SET seq = $1 WHERE type = $2 AND id = $3", seq,
                    std::string(type), std::string(id));
      w.commit();
      return version;
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

  std::optional<StoredObject> load_object(std::string_view type, std::string_view id) override {
    try {
      pqxx::read_transaction r(conn_);
      const auto res = r.exec_params(
          "SELECT o.seq, a.kind, a.id, a.time, a.body, a.prev_hash, a.entry_hash, o.state, "
          "o.version FROM objects o LEFT JOIN audit a ON a.seq = o.seq "
          "WHERE o.type = $1 AND o.id = $2",
          std::string(type), std::string(id));
      if (res.empty()) return std::nullopt;
      const AuditEntry e = entry(res[0]);
      StoredObject o{res[0][7].as<std::string>(), res[0][8].as<int64_t>()};
      store_detail::check_object_row(e, type, id, o);
      return o;
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

  std::vector<ListedObject> list_objects(std::string_view type, size_t limit,
                                         int64_t before_seq) override {
    try {
      pqxx::read_transaction r(conn_);
      const auto res = r.exec_params(
          "SELECT o.seq, a.kind, a.id, a.time, a.body, a.prev_hash, a.entry_hash, o.state, "
          "o.version, o.id FROM objects o LEFT JOIN audit a ON a.seq = o.seq "
          "WHERE o.type = $1 AND ($2 = 0 OR o.seq < $2) ORDER BY o.seq DESC LIMIT $3",
          std::string(type), before_seq, static_cast<int64_t>(limit));
      std::vector<ListedObject> out;
      for (const auto& row : res) {
        const AuditEntry e = entry(row);
        ListedObject o{
            row[9].as<std::string>(), {row[7].as<std::string>(), row[8].as<int64_t>()}, e.seq};
        store_detail::check_object_row(e, type, o.id, o.object);
        out.push_back(std::move(o));
      }
      return out;
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

  std::optional<std::string> index_problem() override {
    try {
      pqxx::read_transaction r(conn_);
      for (const auto& [sql, what] : store_detail::kIndexChecks) {
        const auto res = r.exec(sql);
        if (!res.empty()) return what + res[0][0].as<std::string>();
      }
      // The head row the appenders link to is the chain's last entry (SQLite reads the head
      // from the chain itself and keeps no such row).
      const auto head = r.exec(
          "SELECT h.seq FROM chain_head h WHERE h.id = 1 AND (h.seq <> coalesce((SELECT "
          "max(seq) FROM audit), 0) OR h.hash <> coalesce((SELECT entry_hash FROM audit ORDER BY "
          "seq DESC LIMIT 1), '" +
          kGenesisHash + "'))");
      if (!head.empty())
        return "the chain_head row is not the chain's last entry (its seq " +
               head[0][0].as<std::string>() + ")";
      return std::nullopt;
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

  void for_each_entry(const std::function<bool(const AuditEntry&)>& visit) override {
    try {
      int64_t after = 0;
      while (true) {
        pqxx::read_transaction r(conn_);
        const auto res =
            r.exec_params(std::string("SELECT ") + store_detail::kEntryColumns +
                              " FROM audit a LEFT JOIN decision_keys k ON k.seq = a.seq "
                              "WHERE a.seq > $1 ORDER BY a.seq LIMIT 10000",
                          after);
        if (res.empty()) return;
        for (const auto& row : res) {
          const AuditEntry e = keyed_entry(row);
          after = e.seq;
          if (!visit(e)) return;
        }
      }
    } catch (const pqxx::failure& e) {
      internal(e.what());
    }
  }

 private:
  [[noreturn]] static void conflict(std::string_view type, std::string_view id,
                                    const std::string& why) {
    throw_error(Error{errors::kStoreVersionConflict, "version",
                      std::string(type) + " " + std::string(id) + ": " + why});
  }

  // Columns seq, kind, id, time, body, prev_hash, entry_hash; NULLs (a LEFT JOIN that found
  // nothing) read as empty.
  static AuditEntry entry(const pqxx::row& r) {
    auto text = [&r](int i) { return r[i].is_null() ? std::string() : r[i].as<std::string>(); };
    return {r[0].is_null() ? 0 : r[0].as<int64_t>(),
            text(1),
            text(2),
            text(3),
            text(4),
            text(5),
            text(6),
            {}};
  }
  // A row of store_detail::kEntryColumns.
  static AuditEntry keyed_entry(const pqxx::row& r) {
    AuditEntry e = entry(r);
    e.keys = {r[7].as<std::string>(), r[8].as<std::string>(), r[9].as<std::string>(),
              store_detail::gates_column(r[10].as<std::string>())};
    return e;
  }

  // The head row is locked FOR UPDATE: appenders in every process queue behind each other, so
  // each entry links to the true previous one.
  // Inside a transaction: locks the head, links `group` again unless it follows it, inserts.
  void insert_linked(pqxx::work& w, LinkedGroup& group) {
    const pqxx::result head = w.exec_prepared("head");
    const ChainHead now{head[0][0].as<int64_t>(), head[0][1].as<std::string>()};
    if (!(now == group.after)) relink(group, now);
    // COPY, not INSERT: the server reads the rows without parsing SQL (lexing a 3 KB literal
    // was a tenth of its time), and the client streams them while the server inserts.
    std::string line;
    {
      pqxx::tablewriter audit(w, "audit", kAuditColumns.begin(), kAuditColumns.end());
      for (const AuditEntry& e : group.entries) {
        line.clear();
        line += std::to_string(e.seq);
        for (const std::string* v :
             {&e.kind, &e.id, &e.time, &e.body, &e.prev_hash, &e.entry_hash}) {
          line += '\t';
          append_copy_text(line, *v);
        }
        audit.write_raw_line(line);
      }
      audit.complete();
    }
    const bool any_decision = std::any_of(group.entries.begin(), group.entries.end(),
                                          [](const AuditEntry& e) { return e.kind == "decision"; });
    if (any_decision) {
      pqxx::tablewriter index(w, "decisions", kIndexColumns.begin(), kIndexColumns.end());
      for (const AuditEntry& e : group.entries) {
        if (e.kind != "decision") continue;
        line.clear();
        append_copy_text(line, e.id);
        line += '\t';
        line += std::to_string(e.seq);
        index.write_raw_line(line);
      }
      index.complete();
    }
    if (any_decision) {
      pqxx::tablewriter keys(w, "decision_keys", kKeyColumns.begin(), kKeyColumns.end());
      for (const AuditEntry& e : group.entries) {
        if (e.kind != "decision") continue;
        const DecisionKeys& k = e.keys;
        line = std::to_string(e.seq);
        for (const std::string* v : {&k.agent_id, &k.session_id, &k.status}) {
          line += '\t';
          if (v->empty())
            line += "\\N";  // not known
          else
            append_copy_text(line, *v);
        }
        line += '\t';
        append_copy_text(line, store_detail::join_gates(k.failing_gates));
        keys.write_raw_line(line);
      }
      keys.complete();
    }
    const ChainHead tail = group.tail();
    w.exec_prepared("set_head", tail.seq, tail.hash);
  }

  // `upgrade`: a writer brings an older schema up to date; a reader (a command that only reads)
  // refuses it instead, so that reading never changes the store.
  void migrate(bool upgrade) {
    pqxx::work w(conn_);
    w.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    w.exec("CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    const auto v = w.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    const int version = v[0][0].as<int>();
    if (version > kSchemaVersion)
      throw_error(Error{errors::kStoreSchema, "db",
                        "the database schema (version " + std::to_string(version) +
                            ") is newer than this aegis understands (" +
                            std::to_string(kSchemaVersion) + ")"});
    if (!upgrade && version < kSchemaVersion) store_detail::schema_too_old(version, kSchemaVersion);
    if (version < 1) {
      w.exec(
          "CREATE TABLE audit(seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, "
          "time TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL, "
          "entry_hash TEXT NOT NULL);"
          "CREATE TABLE decisions(decision_id TEXT PRIMARY KEY, seq BIGINT NOT NULL "
          "REFERENCES audit(seq));"
          "CREATE TABLE objects(type TEXT NOT NULL, id TEXT NOT NULL, version BIGINT NOT NULL, "
          "state TEXT NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY(type, id));"
          "CREATE TABLE chain_head(id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, "
          "hash TEXT NOT NULL);"
          "INSERT INTO chain_head VALUES (1, 0, '" +
          kGenesisHash +
          "');"
          "INSERT INTO schema_version(version) VALUES (2);");
    } else if (version < 2) {
      // Link every object to the entry of its current version, whose state becomes the row's.
      w.exec("ALTER TABLE objects ADD COLUMN seq BIGINT NOT NULL DEFAULT 0");
      const auto rows = w.exec(
          "SELECT o.type, o.id, a.seq, a.body FROM objects o JOIN audit a ON a.seq = "
          "(SELECT MAX(seq) FROM audit WHERE kind = 'object.' || o.type AND id = o.id)");
      for (const auto& row : rows) {
        const auto parsed = parse_json_strict(row[3].as<std::string>(), store_detail::kStateLimits);
        w.exec_params("UPDATE objects SET seq = $1, state = $2 WHERE type = $3 AND id = $4",
                      row[2].as<int64_t>(), canonical_json(parsed.at("state")),
                      row[0].as<std::string>(), row[1].as<std::string>());
      }
      w.exec("INSERT INTO schema_version(version) VALUES (2)");
    }
    if (version < 3) {
      const auto lz4 = w.exec(
          "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
          "AND 'lz4' = ANY(enumvals)");
      if (!lz4.empty()) w.exec("ALTER TABLE audit ALTER COLUMN body SET COMPRESSION lz4");
      w.exec("INSERT INTO schema_version(version) VALUES (3)");
    }
    if (version < 4) {
      // The keys of the decisions stored so far: status and failing gates from their bodies;
      // their agent and session were never kept.
      w.exec(
          "CREATE TABLE decision_keys(seq BIGINT PRIMARY KEY REFERENCES audit(seq), "
          "agent_id TEXT, session_id TEXT, status TEXT, failing_gates TEXT NOT NULL);"
          "INSERT INTO decision_keys SELECT a.seq, NULL, NULL, a.body::jsonb->>'status', "
          "',' || coalesce((SELECT string_agg(g, ',') FROM jsonb_array_elements_text("
          "a.body::jsonb->'failing_gates') g) || ',', '') FROM audit a WHERE a.kind = 'decision';"
          "CREATE INDEX decision_keys_by_agent ON decision_keys(agent_id, seq);"
          "INSERT INTO schema_version(version) VALUES (4);");
    }
    w.commit();
  }

  pqxx::connection conn_;
};

}  // namespace

std::unique_ptr<Store> open_pg_store(const std::string& url, bool create) {
  return std::make_unique<PgStore>(url, create);
}

}  // namespace aegis
