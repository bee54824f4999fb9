// The SQLite store: durable appends, the audit chain and its tamper detection, versioned
// objects, schema versioning, and two processes writing one database.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "aegis/digest.h"
#include "aegis/json.h"
#include "aegis/store.h"

namespace aegis {
namespace {

std::string temp_db(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("aegis_store_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + ext);
  return path.string();
}

void raw_sql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  EXPECT_EQ(rc, SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
}

PCWDecision decision() {
  return pcw_decide({.agent_id = "a",
                     .session_id = "s",
                     .proposal_summary = "p",
                     .estimated_impact = "low",
                     .risk_proposed = 0.3});
}

TEST(Store, AppendVerifyAndReopen) {
  const std::string path = temp_db("chain.db");
  std::vector<PCWDecision> ds = {decision(), decision(), decision()};
  {
    auto s = Store::open("sqlite:" + path);
    const auto entries = s->record_decisions(ds);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].seq, 1);
    EXPECT_EQ(entries[0].prev_hash, kGenesisHash);
    EXPECT_EQ(entries[1].prev_hash, entries[0].entry_hash);
    EXPECT_EQ(entries[2].entry_hash, audit_entry_hash(entries[2]));
    // The hash covers the canonical entry.
    EXPECT_EQ(entries[0].entry_hash,
              sha256_hex(entries[0].prev_hash + audit_entry_canonical(entries[0])));
  }
  auto s = Store::open("sqlite:" + path);  // reopened: the chain continues
  s->append(std::vector<NewEntry>{{"note", "n1", R"({"x":1})"}});
  const ChainVerification v = s->verify_chain();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 4);
  EXPECT_EQ(*s->get_decision(ds[1].decision_id), decision_to_json(ds[1]));
  EXPECT_FALSE(s->get_decision("nope").has_value());
  const auto listed = s->list_decisions(10, 1);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, ds[1].decision_id);
}

TEST(Store, TamperingWithOneByteIsDetected) {
  const std::string path = temp_db("tamper.db");
  {
    auto s = Store::open("sqlite:" + path);
    std::vector<PCWDecision> ds(5, decision());
    for (auto& d : ds) d = decision();
    s->record_decisions(ds);
    ASSERT_TRUE(s->verify_chain().intact);
  }
  // Change one byte of entry 3's body: "halt" → "hal" + "T".
  raw_sql(path,
          "UPDATE audit SET body = replace(body, '\"status\":\"halt\"', '\"status\":\"halT\"') "
          "WHERE seq = 3");
  auto s = Store::open("sqlite:" + path);
  ChainVerification v = s->verify_chain();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_broken_seq, 3);
  EXPECT_EQ(v.entries, 2);
  EXPECT_NE(v.problem.find("entry_hash"), std::string::npos);
  // A deleted entry is a missing link too.
  const std::string path2 = temp_db("delete.db");
  {
    auto s2 = Store::open("sqlite:" + path2);
    for (int i = 0; i < 4; ++i)
      s2->append(std::vector<NewEntry>{{"note", std::to_string(i), "{}"}});
  }
  raw_sql(path2, "DELETE FROM audit WHERE seq = 2");
  v = Store::open("sqlite:" + path2)->verify_chain();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_broken_seq, 3);
  // Re-hashing a forged entry does not help: the next link no longer matches.
  const std::string path3 = temp_db("forge.db");
  {
    auto s3 = Store::open("sqlite:" + path3);
    for (int i = 0; i < 3; ++i)
      s3->append(std::vector<NewEntry>{{"note", std::to_string(i), "{}"}});
  }
  AuditEntry forged;
  Store::open("sqlite:" + path3)->for_each_entry([&](const AuditEntry& e) {
    if (e.seq == 2) forged = e;
    return true;
  });
  forged.body = R"({"forged":true})";
  forged.entry_hash = audit_entry_hash(forged);
  raw_sql(path3, "UPDATE audit SET body = '" + forged.body + "', entry_hash = '" +
                     forged.entry_hash + "' WHERE seq = 2");
  v = Store::open("sqlite:" + path3)->verify_chain();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_broken_seq, 3);
}

TEST(Store, OptimisticConcurrency) {
  auto s = Store::open("sqlite:" + temp_db("objects.db"));
  EXPECT_EQ(s->save_object("proposal", "p-1", R"({"state":"draft"})", 0), 1);
  EXPECT_THROW(s->save_object("proposal", "p-1", R"({"state":"draft"})", 0), ConflictError);
  EXPECT_EQ(s->save_object("proposal", "p-1", R"({"state":"submitted"})", 1), 2);
  // A writer that read version 1 is now stale: its write must not land.
  EXPECT_THROW(s->save_object("proposal", "p-1", R"({"state":"withdrawn"})", 1), ConflictError);
  const auto o = s->load_object("proposal", "p-1");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->version, 2);
  EXPECT_EQ(o->state, R"({"state":"submitted"})");
  // Every saved version is in the chain.
  int objects = 0;
  s->for_each_entry([&](const AuditEntry& e) {
    objects += e.kind == "object.proposal";
    return true;
  });
  EXPECT_EQ(objects, 2);
  EXPECT_TRUE(s->verify_chain().intact);
}

TEST(Store, SchemaVersionAndUrls) {
  const std::string path = temp_db("schema.db");
  Store::open("sqlite:" + path);
  raw_sql(path, "INSERT INTO schema_version(version) VALUES (99)");
  EXPECT_THROW(Store::open("sqlite:" + path), InternalError);
  EXPECT_THROW(Store::open("mysql://x"), InvalidInputError);
  EXPECT_THROW(Store::open("sqlite:/nonexistent-dir/x/y.db"), InternalError);
}

TEST(Store, TwoProcessesShareOneChain) {
  const std::string path = temp_db("shared.db");
  Store::open("sqlite:" + path);
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = Store::open("sqlite:" + path);
      for (int i = 0; i < 50; ++i)
        s->append(std::vector<NewEntry>{{"note", std::to_string(p) + "-" + std::to_string(i), "{}"},
                                        {"note", "x", "{}"}});
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  const ChainVerification v = Store::open("sqlite:" + path)->verify_chain();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 200);
}

}  // namespace
}  // namespace aegis
