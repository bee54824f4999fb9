#include "sqlite_store.h"

#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "aegis/core/json.h"
#include "aegis/store/errors.h"
#include "consistency.h"
#include "decision_query.h"

namespace aegis {
namespace {

// 1: audit, decisions, objects. 2: objects.seq names the entry of the current version, and
// objects.state is canonical JSON (the bytes that entry holds). 3: decision_keys keeps the
// agent_id, session_id, status and failing_gates (",risk,novelty,") of each decision by seq,
// with an index by agent.
constexpr int kSchemaVersion = 3;

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw_error(
      Error{errors::kStoreSqlite, "", what + ": " + (db ? sqlite3_errmsg(db) : "cannot allocate")});
}

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) fail(db, "prepare");
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // The text must stay alive until the statement is stepped (no copy).
  Stmt& bind_static(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  // NULL for an empty text (a key that is not known).
  Stmt& bind_or_null(int i, std::string_view v) {
    if (v.empty()) {
      sqlite3_bind_null(s_, i);
      return *this;
    }
    return bind_static(i, v);
  }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // True when a row is available.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
  }
  void run() {
    step();
    reset();
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(s_, col)))
             : std::string();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    throw_error(Error{errors::kStoreSqlite, "", std::string(sql) + ": " + msg});
  }
}

// WAL sizes, in frames of one page. From kCheckpointFrames on, the checkpointer copies the WAL
// back into the database while the writer goes on; once all but kFinishFrames are copied, it
// holds the writers back for the last few and the sync, so that the next transaction restarts
// the WAL. At kWalHardFrames (the checkpointer cannot keep up) the writer copies it itself.
constexpr int kCheckpointFrames = 4096;
constexpr int kFinishFrames = 1024;
constexpr int kWalHardFrames = 65536;

// Checkpoints on a connection and thread of its own, so that no commit waits on copying the
// whole WAL (the writer's autocheckpoint is off). Every write transaction of the store holds
// gate() for its duration.
class Checkpointer {
 public:
  explicit Checkpointer(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open";
      sqlite3_close(db_);
      throw_error(Error{errors::kStoreSqlite, "db", path + ": " + msg});
    }
    sqlite3_busy_timeout(db_, 10000);
    // A connection finds the WAL when it first reads: before that, a checkpoint does nothing.
    try {
      exec(db_, "SELECT count(*) FROM sqlite_master");
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
    thread_ = std::thread([this] { run(); });
  }
  ~Checkpointer() {
    {
      std::lock_guard<std::mutex> g(lock_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
    sqlite3_close(db_);
  }
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  std::mutex& gate() { return gate_; }

  // The writer's WAL hook: after each commit (its gate held), with the frames the WAL holds.
  static int wal_hook(void* self, sqlite3* writer, const char*, int frames) {
    auto* c = static_cast<Checkpointer*>(self);
    if (frames >= kWalHardFrames) {
      sqlite3_wal_checkpoint_v2(writer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (frames >= kCheckpointFrames) {
      {
        std::lock_guard<std::mutex> g(c->lock_);
        c->wanted_ = true;
      }
      c->wake_.notify_one();
    }
    return SQLITE_OK;
  }

 private:
  // PASSIVE: never blocks the writer or a reader. False on failure (SQLITE_BUSY under another
  // process's checkpoint): the next commit asks again.
  bool pass(int* left) {
    int log = 0, copied = 0;
    if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) !=
            SQLITE_OK ||
        log < 0)
      return false;
    *left = log - copied;
    return true;
  }

  void run() {
    std::unique_lock<std::mutex> g(lock_);
    while (true) {
      wake_.wait(g, [this] { return stop_ || wanted_; });
      if (stop_) return;
      g.unlock();
      int left = 0;
      bool ok = pass(&left);
      for (int i = 0; ok && i < 3 && left > kFinishFrames; ++i) ok = pass(&left);
      if (ok && left <= kFinishFrames) {
        std::lock_guard<std::mutex> writers(gate_);
        pass(&left);
      }
      g.lock();
      wanted_ = false;  // asked again by a later commit if the WAL is still long
    }
  }

  sqlite3* db_ = nullptr;
  std::mutex gate_;  // held by each write transaction, and by the checkpointer's last pass
  std::mutex lock_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;
};

class SqliteStore : public Store {
 public:
  SqliteStore(const std::string& path, bool create) {
    const auto missing = [&path](const char* why) {
      throw_error(Error{errors::kStoreNotFound, "db",
                        "sqlite:" + path + ": " + why +
                            "; a command that only reads never creates a store: check the path"});
    };
    std::error_code ec;
    if (!create && !std::filesystem::is_regular_file(path, ec)) missing("no such file");
    if (sqlite3_open_v2(
            path.c_str(), &db_,
            SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_FULLMUTEX,
            nullptr) != SQLITE_OK) {
      const std::string msg = db_ ? sqlite3_errmsg(db_) : "cannot open";
      sqlite3_close(db_);
      db_ = nullptr;
      throw_error(Error{errors::kStoreSqlite, "db", path + ": " + msg});
    }
    sqlite3_busy_timeout(db_, 10000);
    try {
      if (!create) {  // before anything is written: a file without the AEGIS schema stays as it is
        Stmt s(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
        if (!s.step()) missing("the file holds no AEGIS store");
      }
      // WAL + synchronous=FULL: a committed transaction survives a process or power failure.
      // 4 KiB pages (set before the first table exists): a commit writes every page it
      // touched, and each decision touches a random leaf of the decision-id index, so the page
      // size is about what a decision costs the disk (16 KiB pages wrote 27 KB a decision under
      // HTTP load, 4 KiB pages 15 KB). A 64 MiB page cache keeps B-tree paths out of pread().
      // Checkpoints run on the checkpointer's connection, never inside a commit.
      exec(db_,
           "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
           "PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0; PRAGMA cache_size=-65536; "
           "PRAGMA journal_size_limit=67108864;");
      migrate(create);
      checkpointer_ = std::make_unique<Checkpointer>(path);
      sqlite3_wal_hook(db_, &Checkpointer::wal_hook, checkpointer_.get());
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }
  ~SqliteStore() override {
    sqlite3_wal_hook(db_, nullptr, nullptr);
    checkpointer_.reset();
    sqlite3_close(db_);
  }

  void append_linked(LinkedGroup& group) override {
    Transaction tx(db_, checkpointer_.get());
    insert_linked(group);
    tx.commit();
  }

  ChainHead head() override {
    Stmt s(db_, "SELECT seq, entry_hash FROM audit ORDER BY seq DESC LIMIT 1");
    return s.step() ? ChainHead{s.integer(0), s.text(1)} : ChainHead{};
  }

  std::optional<AuditEntry> decision_entry(std::string_view decision_id) override {
    Stmt s(db_, (std::string("SELECT ") + store_detail::kEntryColumns +
                 ", d.seq FROM decisions d LEFT JOIN audit a ON a.seq = d.seq "
                 "LEFT JOIN decision_keys k ON k.seq = d.seq WHERE d.decision_id = ?")
                    .c_str());
    s.bind(1, decision_id);
    if (!s.step()) return std::nullopt;
    AuditEntry e = keyed_row(s);
    e.seq = s.integer(11);
    check_entry_is(e, "decision", decision_id);
    return e;
  }

  std::optional<AuditEntry> entry_at(int64_t seq) override {
    Stmt s(db_, (std::string("SELECT ") + store_detail::kEntryColumns +
                 " FROM audit a LEFT JOIN decision_keys k ON k.seq = a.seq WHERE a.seq = ?")
                    .c_str());
    s.bind(1, seq);
    if (!s.step()) return std::nullopt;
    return keyed_row(s);
  }

  std::vector<AuditEntry> find_decisions(const DecisionQuery& q) override {
    const store_detail::DecisionSql sql = store_detail::decision_query_sql(q, false);
    Stmt s(db_, sql.text.c_str());
    int i = 0;
    for (const auto& v : sql.texts) s.bind(++i, v);
    for (const int64_t v : sql.integers) s.bind(++i, v);
    std::vector<AuditEntry> out;
    while (s.step()) {
      out.push_back(keyed_row(s));
      check_entry_is(out.back(), "decision", out.back().id);  // the filters saw what it holds
    }
    return out;
  }

  int64_t save_object(std::string_view type, std::string_view id, const std::string& state,
                      int64_t expected_version) override {
    const std::string canonical =
        canonical_json(parse_json_strict(state, store_detail::kStateLimits));
    Transaction tx(db_, checkpointer_.get());
    int64_t version;
    if (expected_version == 0) {
      Stmt ins(
          db_,
          "INSERT OR IGNORE INTO objects(type, id, version, state, seq) VALUES (?, ?, 1, ?, 0)");
      ins.bind(1, type).bind(2, id).bind(3, canonical);
      ins.run();
      if (sqlite3_changes(db_) == 0) conflict(type, id, "it already exists");
      version = 1;
    } else {
      Stmt up(db_,
              "UPDATE objects SET version = version + 1, state = ? "
              "WHERE type = ? AND id = ? AND version = ?");
      up.bind(1, canonical).bind(2, type).bind(3, id).bind(4, expected_version);
      up.run();
      if (sqlite3_changes(db_) == 0)
        conflict(type, id, "it changed since version " + std::to_string(expected_version));
      version = expected_version + 1;
    }
    LinkedGroup entry = link_entries(
        {{"object." + std::string(type), std::string(id), object_entry_body(canonical, version)}},
        ChainHead{-1, ""});
    insert_linked(entry);
    const int64_t seq = entry.tail().seq;
    Stmt link(db_, "UPDATE objects SET seq = ? WHERE type = ? AND id = ?");
    link.bind(1, seq).bind(2, type).bind(3, id);
    link.run();
    tx.commit();
    return version;
  }

  std::optional<StoredObject> load_object(std::string_view type, std::string_view id) override {
    Stmt s(db_,
           "SELECT a.seq, a.kind, a.id, a.time, a.body, a.prev_hash, a.entry_hash, o.seq, "
           "o.state, o.version FROM objects o LEFT JOIN audit a ON a.seq = o.seq "
           "WHERE o.type = ? AND o.id = ?");
    s.bind(1, type).bind(2, id);
    if (!s.step()) return std::nullopt;
    AuditEntry e = row(s);
    e.seq = s.integer(7);
    StoredObject o{s.text(8), s.integer(9)};
    store_detail::check_object_row(e, type, id, o);
    return o;
  }

  std::vector<ListedObject> list_objects(std::string_view type, size_t limit,
                                         int64_t before_seq) override {
    Stmt s(db_,
           "SELECT a.seq, a.kind, a.id, a.time, a.body, a.prev_hash, a.entry_hash, o.seq, "
           "o.state, o.version, o.id FROM objects o LEFT JOIN audit a ON a.seq = o.seq "
           "WHERE o.type = ? AND (? = 0 OR o.seq < ?) ORDER BY o.seq DESC LIMIT ?");
    s.bind(1, type).bind(2, before_seq).bind(3, before_seq).bind(4, static_cast<int64_t>(limit));
    std::vector<ListedObject> out;
    while (s.step()) {
      AuditEntry e = row(s);
      e.seq = s.integer(7);
      ListedObject o{s.text(10), {s.text(8), s.integer(9)}, s.integer(7)};
      store_detail::check_object_row(e, type, o.id, o.object);
      out.push_back(std::move(o));
    }
    return out;
  }

  void for_each_entry(const std::function<bool(const AuditEntry&)>& visit) override {
    Stmt s(db_, (std::string("SELECT ") + store_detail::kEntryColumns +
                 " FROM audit a LEFT JOIN decision_keys k ON k.seq = a.seq ORDER BY a.seq")
                    .c_str());
    while (s.step())
      if (!visit(keyed_row(s))) break;
  }

 protected:
  std::optional<std::string> index_problem() override {
    for (const auto& [sql, what] : store_detail::kIndexChecks) {
      Stmt s(db_, sql);
      if (s.step()) return what + s.text(0);
    }
    return std::nullopt;
  }

 private:
  // BEGIN IMMEDIATE takes the write lock up front, so the chain head read inside is the head
  // the entries attach to, whichever process writes.
  class Transaction {
   public:
    Transaction(sqlite3* db, Checkpointer* checkpointer) : db_(db) {
      if (checkpointer) gate_ = std::unique_lock<std::mutex>(checkpointer->gate());
      exec(db_, "BEGIN IMMEDIATE");
    }
    ~Transaction() {
      if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    void commit() {
      exec(db_, "COMMIT");
      done_ = true;
    }

   private:
    std::unique_lock<std::mutex> gate_;
    sqlite3* db_;
    bool done_ = false;
  };

  [[noreturn]] static void conflict(std::string_view type, std::string_view id,
                                    const std::string& why) {
    throw_error(Error{errors::kStoreVersionConflict, "version",
                      std::string(type) + " " + std::string(id) + ": " + why});
  }

  static AuditEntry row(const Stmt& s) {
    return {s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), {}};
  }
  // A row of store_detail::kEntryColumns.
  static AuditEntry keyed_row(const Stmt& s) {
    AuditEntry e = row(s);
    e.keys = {s.text(7), s.text(8), s.text(9), store_detail::gates_column(s.text(10))};
    return e;
  }

  // Inside a write transaction: links `group` again unless it follows the head, then inserts.
  void insert_linked(LinkedGroup& group) {
    if (const ChainHead now = head(); !(now == group.after)) relink(group, now);
    Stmt ins(db_,
             "INSERT INTO audit(seq, kind, id, time, body, prev_hash, entry_hash) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)");
    Stmt idx(db_, "INSERT INTO decisions(decision_id, seq) VALUES (?, ?)");
    Stmt keys(db_,
              "INSERT INTO decision_keys(seq, agent_id, session_id, status, failing_gates) "
              "VALUES (?, ?, ?, ?, ?)");
    std::string gates;
    for (size_t i = 0; i < group.entries.size(); ++i) {
      const AuditEntry& e = group.entries[i];
      ins.bind(1, e.seq).bind_static(2, e.kind).bind_static(3, e.id).bind_static(4, e.time);
      ins.bind_static(5, e.body).bind_static(6, e.prev_hash).bind_static(7, e.entry_hash);
      ins.run();
      if (e.kind == "decision") {
        idx.bind_static(1, e.id).bind(2, e.seq);
        idx.run();
        const DecisionKeys& k = e.keys;
        gates = store_detail::join_gates(k.failing_gates);
        keys.bind(1, e.seq).bind_or_null(2, k.agent_id).bind_or_null(3, k.session_id);
        keys.bind_or_null(4, k.status).bind_static(5, gates);
        keys.run();
      }
    }
  }

  // `upgrade`: a writer brings an older schema up to date; a reader (a command that only reads)
  // refuses it instead, so that reading never changes the store.
  void migrate(bool upgrade) {
    Transaction tx(db_, checkpointer_.get());
    exec(db_, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)");
    int64_t version = 0;
    {
      Stmt v(db_, "SELECT MAX(version) FROM schema_version");
      if (v.step()) version = v.integer(0);
    }
    if (version > kSchemaVersion) {
      throw_error(Error{errors::kStoreSchema, "db",
                        "the database schema (version " + std::to_string(version) +
                            ") is newer than this aegis understands (" +
                            std::to_string(kSchemaVersion) + ")"});
    }
    if (!upgrade && version < kSchemaVersion) store_detail::schema_too_old(version, kSchemaVersion);
    if (version < 1) {
      exec(db_,
           "CREATE TABLE audit(seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, "
           "time TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL, "
           "entry_hash TEXT NOT NULL);"
           "CREATE TABLE decisions(decision_id TEXT PRIMARY KEY, seq INTEGER NOT NULL "
           "REFERENCES audit(seq)) WITHOUT ROWID;"
           "CREATE TABLE objects(type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, "
           "state TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(type, id));"
           "INSERT INTO schema_version(version) VALUES (2);");
      version = 2;
    } else if (version < 2) {
      // Link every object to the entry of its current version, whose state becomes the row's.
      exec(db_, "ALTER TABLE objects ADD COLUMN seq INTEGER NOT NULL DEFAULT 0");
      Stmt rows(db_,
                "SELECT o.type, o.id, a.seq, a.body FROM objects o JOIN audit a ON a.seq = "
                "(SELECT MAX(seq) FROM audit WHERE kind = 'object.' || o.type AND id = o.id)");
      Stmt link(db_, "UPDATE objects SET seq = ?, state = ? WHERE type = ? AND id = ?");
      while (rows.step()) {
        const std::string body = rows.text(3);
        const auto parsed = parse_json_strict(body, store_detail::kStateLimits);
        link.bind(1, rows.integer(2)).bind(2, canonical_json(parsed.at("state")));
        link.bind(3, rows.text(0)).bind(4, rows.text(1));
        link.run();
      }
      exec(db_, "INSERT INTO schema_version(version) VALUES (2)");
    }
    if (version < 3) {
      // The keys of the decisions stored so far: status and failing gates from their bodies;
      // their agent and session were never kept.
      // Keyed by seq, apart from the decisions table: appends land at the end of both of its
      // trees, where the decision-id index takes a random leaf per decision already.
      exec(db_,
           "CREATE TABLE decision_keys(seq INTEGER PRIMARY KEY REFERENCES audit(seq), "
           "agent_id TEXT, session_id TEXT, status TEXT, failing_gates TEXT NOT NULL);"
           "INSERT INTO decision_keys SELECT a.seq, NULL, NULL, json_extract(a.body, '$.status'), "
           "coalesce(',' || (SELECT group_concat(g.value, ',') FROM "
           "json_each(a.body, '$.failing_gates') g) || ',', ',') "
           "FROM audit a WHERE a.kind = 'decision';"
           "CREATE INDEX decision_keys_by_agent ON decision_keys(agent_id, seq);"
           "INSERT INTO schema_version(version) VALUES (3);");
    }
    tx.commit();
  }

  sqlite3* db_ = nullptr;
  std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, bool create) {
  return std::make_unique<SqliteStore>(path, create);
}

}  // namespace aegis
