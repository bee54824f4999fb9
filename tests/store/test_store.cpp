// The SQLite store: durable appends, the audit chain and its tamper detection, versioned
// objects, schema versioning, and two processes writing one database.
// GCC 12 reports a false -Wrestrict on std::string concatenation at -O3 (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "aegis/core/digest.h"
#include "aegis/core/json.h"
#include "aegis/store/attestation.h"
#include "aegis/store/audit_checkpoint.h"
#include "aegis/store/store.h"

namespace aegis {
namespace {

// The engine under test: every test runs against SQLite and against a real PostgreSQL server
// (a throwaway cluster ctest starts; its URL is in AEGIS_PG_URL_FILE).
std::string g_engine = "sqlite";

std::string pg_base_url() {
  const char* file = std::getenv("AEGIS_PG_URL_FILE");
  if (!file) return "";
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  return url;
}

std::string temp_db(const std::string& name);

// Waits for every forked child and expects each to have exited with status 0.
void expect_clean_exits(const std::vector<pid_t>& children) {
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
}

// A fresh database for `name`, as a store URL of the current engine.
std::string fresh_url(const std::string& name) {
  if (g_engine == "sqlite") return "sqlite:" + temp_db(name + ".db");
  std::string db = "t_" + name + "_" + std::to_string(getpid());
  for (char& c : db)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  pqxx::connection admin(pg_base_url() + "/postgres");
  pqxx::nontransaction n(admin);
  n.exec("DROP DATABASE IF EXISTS " + db);
  n.exec("CREATE DATABASE " + db);
  return pg_base_url() + "/" + db;
}

// Runs SQL directly on the database behind `url` (to tamper with it).
void raw(const std::string& url, const std::string& sql) {
  if (url.rfind("sqlite:", 0) == 0) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(url.substr(7).c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
    return;
  }
  pqxx::connection c(url);
  pqxx::nontransaction n(c);
  n.exec(sql);
}

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    g_engine = GetParam();
    if (g_engine == "postgresql" && pg_base_url().empty())
      GTEST_FAIL() << "AEGIS_PG_URL_FILE is not set: ctest starts the PostgreSQL cluster";
  }
};

std::string temp_db(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("aegis_store_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + ext);
  return path.string();
}

PCWDecision decision() {
  return pcw_decide({.agent_id = "a",
                     .session_id = "s",
                     .proposal_summary = "p",
                     .estimated_impact = "low",
                     .risk_proposed = 0.3});
}

TEST_P(StoreTest, AppendVerifyAndReopen) {
  const std::string url = fresh_url("chain");
  std::vector<PCWDecision> ds = {decision(), decision(), decision()};
  {
    auto s = Store::open(url);
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
  auto s = Store::open(url);  // reopened: the chain continues
  s->append(std::vector<NewEntry>{{"note", "n1", R"({"x":1})"}});
  const ChainVerification v = s->verify_chain();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 4);
  EXPECT_EQ(*s->get_decision(ds[1].decision_id), decision_to_json(ds[1]));
  EXPECT_FALSE(s->get_decision("nope").has_value());
  const auto listed = s->list_decisions(10, 1);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, ds[1].decision_id);
  const auto recent = s->recent_decisions(2);  // newest first, decisions only
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].id, ds[2].decision_id);
  EXPECT_EQ(recent[1].id, ds[1].decision_id);
}

TEST_P(StoreTest, CheckpointsAndAttestationsReadTheStoredChain) {
  const std::string url = fresh_url("checkpoint");
  auto s = Store::open(url);
  std::vector<PCWDecision> ds = {decision(), decision(), decision()};
  const auto entries = s->record_decisions(ds);
  EXPECT_EQ(s->entry_at(2)->entry_hash, entries[1].entry_hash);
  EXPECT_FALSE(s->entry_at(4).has_value());
  const auto entry = s->decision_entry(ds[1].decision_id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->seq, 2);

  const crypto::Ed25519Key key = crypto::Ed25519Key::generate();
  const AttestationCheck att = verify_attestation(attest_decision(*entry, key), key.public_key());
  ASSERT_TRUE(att.valid) << att.problem;
  EXPECT_EQ(att.statement["predicate"]["audit"]["entry_hash"], entries[1].entry_hash);
  EXPECT_EQ(att.statement["subject"][0]["digest"]["sha256"], sha256_hex(entry->body));

  const AuditCheckpoint cp = sign_checkpoint(s->head(), key);
  EXPECT_EQ(cp.entries, 3);
  EXPECT_TRUE(verify_checkpoint(*s, cp, key.public_key()).holds);
  s->record_decisions(std::vector<PCWDecision>{decision()});  // grown: still holds
  EXPECT_TRUE(verify_checkpoint(*s, cp, std::nullopt).holds);
  // Signed claims the chain contradicts: another head at 3, a longer chain than there is.
  const AuditCheckpoint other = sign_checkpoint({3, entries[0].entry_hash}, key);
  EXPECT_NE(verify_checkpoint(*s, other, std::nullopt).problem.find("rewritten"),
            std::string::npos);
  const AuditCheckpoint longer = sign_checkpoint({9, entries[0].entry_hash}, key);
  EXPECT_NE(verify_checkpoint(*s, longer, std::nullopt).problem.find("cut"), std::string::npos);
  EXPECT_FALSE(verify_checkpoint(*s, cp, crypto::Ed25519Key::generate().public_key()).holds);
  // The wire form round-trips and the signature covers it.
  auto back = checkpoint_from_json(checkpoint_to_json(cp));
  ASSERT_TRUE(back);
  EXPECT_TRUE(checkpoint_signature_valid(back.value()));
  back.value().time = "2030-01-01T00:00:00.000Z";
  EXPECT_FALSE(checkpoint_signature_valid(back.value()));
  // A tail cut after the checkpoint of 4 entries: self-consistent, but the checkpoint fails.
  const AuditCheckpoint four = sign_checkpoint(s->head(), key);
  raw(url,
      "DELETE FROM decision_keys WHERE seq = 4; DELETE FROM decisions WHERE seq = 4; "
      "DELETE FROM audit WHERE seq = 4");
  if (GetParam() == "postgresql")  // as a thorough attacker would: the head row follows
    raw(url, "UPDATE chain_head SET seq = 3, hash = (SELECT entry_hash FROM audit WHERE seq = 3)");
  EXPECT_TRUE(s->verify_chain().intact);
  const CheckpointVerification cut = verify_checkpoint(*s, four, key.public_key());
  EXPECT_FALSE(cut.holds);
  EXPECT_NE(cut.problem.find("cut"), std::string::npos) << cut.problem;
}

TEST_P(StoreTest, TamperingWithOneByteIsDetected) {
  const std::string path = fresh_url("tamper");
  {
    auto s = Store::open(path);
    std::vector<PCWDecision> ds(5, decision());
    for (auto& d : ds) d = decision();
    s->record_decisions(ds);
    ASSERT_TRUE(s->verify_chain().intact);
  }
  // Change one byte of entry 3's body: "halt" → "hal" + "T".
  raw(path,
      "UPDATE audit SET body = replace(body, '\"status\":\"halt\"', '\"status\":\"halT\"') "
      "WHERE seq = 3");
  auto s = Store::open(path);
  ChainVerification v = s->verify_chain();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_broken_seq, 3);
  EXPECT_EQ(v.entries, 2);
  EXPECT_NE(v.problem.find("entry_hash"), std::string::npos);
  // A deleted entry is a missing link too.
  const std::string path2 = fresh_url("delete");
  {
    auto s2 = Store::open(path2);
    for (int i = 0; i < 4; ++i)
      s2->append(std::vector<NewEntry>{{"note", std::to_string(i), "{}"}});
  }
  raw(path2, "DELETE FROM audit WHERE seq = 2");
  v = Store::open(path2)->verify_chain();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_broken_seq, 3);
  // Re-hashing a forged entry does not help: the next link no longer matches.
  const std::string path3 = fresh_url("forge");
  {
    auto s3 = Store::open(path3);
    for (int i = 0; i < 3; ++i)
      s3->append(std::vector<NewEntry>{{"note", std::to_string(i), "{}"}});
  }
  AuditEntry forged;
  Store::open(path3)->for_each_entry([&](const AuditEntry& e) {
    if (e.seq == 2) forged = e;
    return true;
  });
  forged.body = R"({"forged":true})";
  forged.entry_hash = audit_entry_hash(forged);
  raw(path3, "UPDATE audit SET body = '" + forged.body + "', entry_hash = '" + forged.entry_hash +
                 "' WHERE seq = 2");
  v = Store::open(path3)->verify_chain();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_broken_seq, 3);
}

TEST_P(StoreTest, OptimisticConcurrency) {
  auto s = Store::open(fresh_url("objects"));
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

// Bytes that COPY's text format escapes (backslash, tab, newline, carriage return) and
// non-ASCII text come back exactly: the entry hashes still verify.
TEST_P(StoreTest, EscapedAndNonAsciiBytesRoundTrip) {
  auto s = Store::open(fresh_url("escapes"));
  const std::string id = "p\\1\t\u00e9\u6f22";  // a backslash, a tab, é and 漢 in the id itself
  const std::string state = R"({"s":"tab\tnl\nret\rback\\slash \"q\" \u00e9\u6f22"})";
  ASSERT_EQ(s->save_object("proposal", id, state, 0), 1);
  const std::vector<AuditEntry> appended = s->append(
      std::vector<NewEntry>{{"decision",
                             "d\\\t2",
                             R"({"failing_gates":["risk"],"status":"halt","x":"a\\b\tc"})",
                             {"a\\\tgent", "s\u00e9", "halt", {"risk"}}}});
  const auto o = s->load_object("proposal", id);
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->state, canonical_json(nlohmann::json::parse(state)));
  const auto e = s->decision_entry("d\\\t2");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->body, appended[0].body);
  EXPECT_EQ(e->entry_hash, appended[0].entry_hash);
  EXPECT_EQ(e->keys.agent_id, "a\\\tgent");  // hashed with the entry, escapes and all
  EXPECT_EQ(match_entry_hash(*e), EntryHashMatch::kMatches);
  EXPECT_TRUE(s->verify_chain().intact);
}

// The decisions index and the objects table are checked against the chain: by verify_chain,
// and by every read that goes through them (an integrity error, never another record).
TEST_P(StoreTest, IndexAndLookupTablesAreCheckedAgainstTheChain) {
  const std::string url = fresh_url("index");
  std::vector<PCWDecision> ds = {decision(), decision(), decision()};
  {
    auto s = Store::open(url);
    s->record_decisions(ds);
    s->save_object("proposal", "p-1", R"({"b":1,"a":[2]})", 0);
    s->save_object("proposal", "p-2", R"({"state":"draft"})", 0);
    s->save_object("proposal", "p-1", R"({"b":2})", 1);
    const ChainVerification v = s->verify_chain();
    ASSERT_TRUE(v.intact) << v.problem;
    EXPECT_EQ(v.entries, 6);
    EXPECT_EQ(s->load_object("proposal", "p-1")->state, R"({"b":2})");  // canonical
  }
  // Two index rows swapped: each decision id now points at the other's entry.
  raw(url, "UPDATE decisions SET seq = 3 - seq WHERE seq IN (1, 2)");
  {
    auto s = Store::open(url);
    const ChainVerification v = s->verify_chain();
    EXPECT_FALSE(v.intact);
    EXPECT_NE(v.problem.find("decisions index"), std::string::npos) << v.problem;
    try {
      s->get_decision(ds[0].decision_id);
      ADD_FAILURE() << "a swapped index row returned a decision";
    } catch (const InternalError& e) {
      EXPECT_EQ(e.detail(), "store.integrity");
      EXPECT_EQ(std::string(e.what()).find(ds[1].decision_id), std::string::npos);
    }
    EXPECT_EQ(*s->get_decision(ds[2].decision_id), decision_to_json(ds[2]));
  }
  raw(url, "UPDATE decisions SET seq = 3 - seq WHERE seq IN (1, 2)");
  EXPECT_TRUE(Store::open(url)->verify_chain().intact);
  // A decision missing from the index.
  raw(url, "DELETE FROM decisions WHERE seq = 3");
  EXPECT_FALSE(Store::open(url)->verify_chain().intact);
  raw(url, "INSERT INTO decisions(decision_id, seq) VALUES ('" + ds[2].decision_id + "', 3)");
  EXPECT_TRUE(Store::open(url)->verify_chain().intact);
  // A decision without its keys, and keys of no decision.
  raw(url, "DELETE FROM decision_keys WHERE seq = 3");
  EXPECT_NE(Store::open(url)->verify_chain().problem.find("decision keys of seq 3"),
            std::string::npos);
  std::string gates = ",";
  for (const auto& g : ds[2].failing_gates) gates += g + ",";
  raw(url, "INSERT INTO decision_keys(seq, status, failing_gates) VALUES (3, '" +
               std::string(to_string(ds[2].status)) + "', '" + gates + "')");
  EXPECT_TRUE(Store::open(url)->verify_chain().intact);
  // An object row holding another state, another version, another object's entry, an older
  // (self-consistent) version, or no row at all. Reads catch a row that disagrees with the entry
  // it names; that a consistent row is not the latest version only verify_chain can tell.
  for (const auto& [tamper, reads_catch_it] : std::vector<std::pair<std::string, bool>>{
           {"UPDATE objects SET state = '{\"b\":3}' WHERE id = 'p-1'", true},
           {"UPDATE objects SET version = 1 WHERE id = 'p-1'", true},
           {"UPDATE objects SET seq = 5 WHERE id = 'p-1'", true},
           {"UPDATE objects SET seq = 4, version = 1, state = '{\"a\":[2],\"b\":1}' "
            "WHERE id = 'p-1'",
            false},
           {"DELETE FROM objects WHERE id = 'p-2'", false}}) {
    const std::string copy = fresh_url("index_obj");
    {
      auto s = Store::open(copy);
      s->save_object("proposal", "p-0", R"({"x":0})", 0);
      s->record_decisions(std::vector<PCWDecision>{decision(), decision()});
      s->save_object("proposal", "p-1", R"({"b":1,"a":[2]})", 0);    // seq 4
      s->save_object("proposal", "p-2", R"({"state":"draft"})", 0);  // seq 5
      s->save_object("proposal", "p-1", R"({"b":2})", 1);            // seq 6
    }
    raw(copy, tamper);
    auto s = Store::open(copy);
    const ChainVerification v = s->verify_chain();
    EXPECT_FALSE(v.intact) << tamper;
    EXPECT_NE(v.problem.find("objects table"), std::string::npos) << tamper << ": " << v.problem;
    if (reads_catch_it) {
      EXPECT_THROW(s->load_object("proposal", "p-1"), InternalError) << tamper;
    }
  }
}

// A version-1 database (objects without seq, states as written) is migrated in place.
TEST_P(StoreTest, SchemaOneIsMigrated) {
  const std::string url = fresh_url("migrate");
  const std::string state = R"({"b":1, "a":2})";
  const PCWDecision halted = decision();
  {
    auto s = Store::open(url);
    s->save_object("proposal", "p", state, 0);
    s->save_object("proposal", "p", R"({"z":true, "y":null})", 1);
    s->record_decisions(std::vector<PCWDecision>{halted});
  }
  // Turn it back into what version 1 wrote.
  raw(url, "DROP TABLE decision_keys");
  raw(url, "ALTER TABLE objects DROP COLUMN seq");
  raw(url, "UPDATE objects SET state = '{\"z\":true, \"y\":null}'");
  raw(url, "DELETE FROM schema_version");
  raw(url, "INSERT INTO schema_version(version) VALUES (1)");
  auto s = Store::open(url);
  const auto o = s->load_object("proposal", "p");
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(o->version, 2);
  EXPECT_EQ(o->state, R"({"y":null,"z":true})");
  EXPECT_TRUE(s->verify_chain().intact);
  EXPECT_EQ(s->save_object("proposal", "p", "{}", 2), 3);
  EXPECT_TRUE(s->verify_chain().intact);
  // The decision's status and failing gates were filled in from its body; its agent is unknown.
  const auto found = s->find_decisions({.status = "halt", .failing_gate = "risk"});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, halted.decision_id);
  EXPECT_EQ(found[0].keys.failing_gates, halted.failing_gates);
  EXPECT_EQ(found[0].keys.agent_id, "");
  EXPECT_TRUE(s->find_decisions({.agent_id = "a"}).empty());
}

// The MCP gateway's filters: decisions whose "gateway.call" entry names the upstream and tool at
// its top level, matched exactly (case and all), in both engines.
TEST_P(StoreTest, GatewayCallsSelectTheirDecisions) {
  auto s = Store::open(fresh_url("gateway"));
  std::vector<NewEntry> entries;
  const auto call = [&](const std::string& upstream, const std::string& tool) {
    const PCWDecision d = pcw_decide({.agent_id = "a",
                                      .session_id = "s",
                                      .proposal_summary = "p",
                                      .estimated_impact = "low",
                                      .risk_proposed = 0.9});
    entries.push_back({"decision",
                       d.decision_id,
                       decision_to_json(d),
                       {"a", "s", std::string(to_string(d.status)), d.failing_gates}});
    if (!upstream.empty())
      entries.push_back({"gateway.call",
                         d.decision_id,
                         canonical_json({{"upstream", upstream},
                                         {"tool", tool},
                                         {"arguments", {{"note", "\"tool\":\"rm\""}}}}),
                         {}});
    return d.decision_id;
  };
  const std::string write = call("fs", "write_file");
  const std::string other = call("fs", "writeXfile");
  const std::string remote = call("f%s", "rm");
  call("", "");  // a decision of another surface
  s->append(entries);
  const auto ids = [&](Store::DecisionQuery q) {
    q.newest_first = false;
    std::vector<std::string> out;
    for (const auto& e : s->find_decisions(q)) out.push_back(e.id);
    return out;
  };
  EXPECT_EQ(ids({.upstream = "fs"}), (std::vector<std::string>{write, other}));
  EXPECT_EQ(ids({.tool = "write_file"}), (std::vector<std::string>{write}));
  EXPECT_EQ(ids({.upstream = "fs", .tool = "writeXfile"}), (std::vector<std::string>{other}));
  EXPECT_EQ(ids({.upstream = "f%s"}), (std::vector<std::string>{remote}));
  EXPECT_TRUE(ids({.upstream = "f"}).empty());
  EXPECT_TRUE(ids({.upstream = "FS"}).empty());
  EXPECT_EQ(ids({.tool = "rm"}), (std::vector<std::string>{remote}));  // not the argument's text
  EXPECT_EQ(ids({}).size(), 4u);
  EXPECT_TRUE(s->verify_chain().intact);
}

// list_objects: newest change first, a page at a time, one type, each row checked.
TEST_P(StoreTest, ObjectsAreListedNewestChangeFirst) {
  const std::string url = fresh_url("list");
  auto s = Store::open(url);
  for (const char* id : {"a", "b", "c"}) s->save_object("proposal", id, "{}", 0);
  s->save_object("override", "o", "{}", 0);
  s->save_object("proposal", "a", R"({"v":2})", 1);  // a changed last
  const auto ids = [](const std::vector<Store::ListedObject>& objects) {
    std::vector<std::string> out;
    for (const auto& o : objects) out.push_back(o.id);
    return out;
  };
  const auto first = s->list_objects("proposal", 2, 0);
  EXPECT_EQ(ids(first), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(first[0].object.version, 2);
  EXPECT_EQ(first[0].object.state, R"({"v":2})");
  EXPECT_EQ(ids(s->list_objects("proposal", 2, first.back().seq)), (std::vector<std::string>{"b"}));
  EXPECT_EQ(ids(s->list_objects("override", 10, 0)), (std::vector<std::string>{"o"}));
  // A row that does not hold what its entry holds is an integrity error, never another state.
  raw(url, "UPDATE objects SET state = '{\"v\":3}' WHERE id = 'a'");
  EXPECT_THROW(Store::open(url)->list_objects("proposal", 10, 0), InternalError);
}

// find_decisions: each filter narrows, pages follow the cursor both ways, and the keys stored
// beside a decision come back with it.
// Every column of a decision's keys, edited, is caught by audit verify and by the reads that
// filter on it: agent and session by the entry's hash, status and gates against the body.
TEST_P(StoreTest, EveryDecisionKeyColumnIsVerified) {
  const PCWDecision proceed = pcw_decide({.agent_id = "a",
                                          .session_id = "s",
                                          .proposal_summary = "p",
                                          .estimated_impact = "low",
                                          .risk_proposed = 0.01,
                                          .novelty_score = 0.9,
                                          .complexity_score = 0.9,
                                          .quality_score = 0.9,
                                          .quality_subscores = {0.9, 0.9, 0.9}});
  ASSERT_EQ(proceed.status, PCWStatus::PROCEED);
  PCWDecision halted = pcw_decide({.agent_id = "a",
                                   .session_id = "s",
                                   .proposal_summary = "p",
                                   .estimated_impact = "low",
                                   .risk_proposed = 0.9});
  ASSERT_EQ(halted.status, PCWStatus::HALT);
  const auto entry = [](const PCWDecision& d) {
    return NewEntry{"decision",
                    d.decision_id,
                    decision_to_json(d),
                    {"agent-1", "session-1", std::string(to_string(d.status)), d.failing_gates}};
  };
  for (const std::string& tamper : std::vector<std::string>{
           "UPDATE decision_keys SET status = 'halt' WHERE seq = 1",
           "UPDATE decision_keys SET status = NULL WHERE seq = 1",
           "UPDATE decision_keys SET failing_gates = ',risk,' WHERE seq = 1",
           "UPDATE decision_keys SET failing_gates = ',' WHERE seq = 2",
           "UPDATE decision_keys SET failing_gates = 'risk,novelty' WHERE seq = 2",
           "UPDATE decision_keys SET agent_id = 'agent-2' WHERE seq = 1",
           "UPDATE decision_keys SET agent_id = NULL WHERE seq = 1",
           "UPDATE decision_keys SET session_id = 'session-2' WHERE seq = 2",
           "UPDATE decision_keys SET agent_id = NULL, session_id = NULL WHERE seq = 2"}) {
    const std::string url = fresh_url("keys");
    {
      auto s = Store::open(url);
      const NewEntry both[] = {entry(proceed), entry(halted)};
      s->append(both);
      ASSERT_TRUE(s->verify_chain().intact) << s->verify_chain().problem;
    }
    raw(url, tamper);
    auto s = Store::open(url);
    const ChainVerification v = s->verify_chain();
    EXPECT_FALSE(v.intact) << tamper;
    EXPECT_GT(v.first_broken_seq, 0) << tamper;
    // The filters never list what the bodies contradict: the reads refuse the row.
    for (const Store::DecisionQuery& q :
         {Store::DecisionQuery{}, Store::DecisionQuery{.status = "halt"},
          Store::DecisionQuery{.agent_id = "agent-1"}}) {
      try {
        for (const AuditEntry& e : s->find_decisions(q)) {
          const std::string problem = decision_keys_problem(e);
          EXPECT_TRUE(problem.empty() && match_entry_hash(e) == EntryHashMatch::kMatches)
              << tamper << ": listed seq " << e.seq;
        }
      } catch (const InternalError& e) {
        EXPECT_EQ(e.detail(), "store.integrity") << tamper;
      }
    }
  }
}

// PostgreSQL's head row, which appenders link to, is checked against the chain's last entry.
TEST_P(StoreTest, TheHeadRowIsVerified) {
  const std::string url = fresh_url("head");
  {
    auto s = Store::open(url);
    const auto d = decision();
    const auto appended = s->record_decisions(std::span(&d, 1));
    ASSERT_TRUE(s->verify_chain().intact);
    EXPECT_EQ(s->head(), (ChainHead{appended[0].seq, appended[0].entry_hash}));
  }
  if (GetParam() != "postgresql") return;  // SQLite reads the head from the chain: no row
  raw(url, "UPDATE chain_head SET hash = '" + std::string(64, 'f') + "' WHERE id = 1");
  const ChainVerification v = Store::open(url)->verify_chain();
  EXPECT_FALSE(v.intact);
  EXPECT_NE(v.problem.find("chain_head"), std::string::npos) << v.problem;
  raw(url, "UPDATE chain_head SET seq = 0, hash = '" + kGenesisHash + "' WHERE id = 1");
  EXPECT_FALSE(Store::open(url)->verify_chain().intact);
}

// An entry written before the keys were hashed keeps verifying, but only before the chain's
// first entry that hashes them.
TEST_P(StoreTest, LegacyHashesOnlyBeforeTheFirstKeyedEntry) {
  AuditEntry e{1,
               "decision",
               "d",
               "t",
               R"({"failing_gates":[],"status":"proceed"})",
               kGenesisHash,
               "",
               {"a", "s", "proceed", {}}};
  AuditEntry unkeyed = e;
  unkeyed.keys = {};
  e.entry_hash = audit_entry_hash(unkeyed);
  EXPECT_EQ(match_entry_hash(e), EntryHashMatch::kLegacy);
  e.entry_hash = audit_entry_hash(e);
  EXPECT_EQ(match_entry_hash(e), EntryHashMatch::kMatches);
  EXPECT_NE(audit_entry_hash(e), audit_entry_hash(unkeyed));
  e.keys.agent_id = "b";
  EXPECT_EQ(match_entry_hash(e), EntryHashMatch::kBroken);
  // {"agent_id","body","id","kind","seq","session_id","time"}: canonical key order.
  e.keys.agent_id = "a";
  EXPECT_EQ(audit_entry_canonical(e),
            R"({"agent_id":"a","body":{"failing_gates":[],"status":"proceed"},"id":"d",)"
            R"("kind":"decision","seq":1,"session_id":"s","time":"t"})");
  // A chain: a legacy entry, then a keyed one, then a legacy one (refused).
  const std::string url = fresh_url("legacy");
  {
    auto s = Store::open(url);
    const NewEntry three[] = {{"decision", "d1", e.body, {"a", "s", "proceed", {}}},
                              {"decision", "d2", e.body, {"a", "s", "proceed", {}}},
                              {"decision", "d3", e.body, {"a", "s", "proceed", {}}}};
    s->append(three);
  }
  // Rewrites entry `seq` (and relinks the rest) as the given form would have hashed it.
  const auto rehash = [&](const std::vector<bool>& keyed) {
    std::string prev = kGenesisHash;
    auto s = Store::open(url);
    for (int64_t seq = 1; seq <= 3; ++seq) {
      AuditEntry x = *s->entry_at(seq);
      x.prev_hash = prev;
      AuditEntry h = x;
      if (!keyed[static_cast<size_t>(seq - 1)]) h.keys = {};
      x.entry_hash = audit_entry_hash(h);
      raw(url, "UPDATE audit SET prev_hash = '" + x.prev_hash + "', entry_hash = '" + x.entry_hash +
                   "' WHERE seq = " + std::to_string(seq));
      prev = x.entry_hash;
    }
    if (GetParam() == "postgresql")  // the head row follows the rewritten chain
      raw(url, "UPDATE chain_head SET seq = 3, hash = '" + prev + "'");
  };
  rehash({false, true, true});
  EXPECT_TRUE(Store::open(url)->verify_chain().intact) << Store::open(url)->verify_chain().problem;
  rehash({false, true, false});
  const ChainVerification v = Store::open(url)->verify_chain();
  EXPECT_FALSE(v.intact);
  EXPECT_EQ(v.first_broken_seq, 3);
}

TEST_P(StoreTest, DecisionsAreFoundByTheirKeys) {
  auto s = Store::open(fresh_url("find"));
  std::vector<NewEntry> entries;
  const std::vector<std::string> statuses = {"proceed", "halt", "pause", "escalate"};
  for (int i = 0; i < 40; ++i) {
    const std::string status = statuses[static_cast<size_t>(i % 4)];
    std::vector<std::string> failing;
    if (status != "proceed" && status != "pause") failing = {"risk"};
    if (i % 5 == 0 && !failing.empty()) failing.push_back("novelty");
    // A body with what the keys repeat: find_decisions checks the keys against it.
    const std::string body =
        canonical_json({{"n", i}, {"status", status}, {"failing_gates", failing}});
    entries.push_back(
        {"decision",
         "d" + std::to_string(i),
         body,
         {"agent-" + std::to_string(i % 3), "s\t" + std::to_string(i % 2), status, failing}});
  }
  s->append(entries);
  s->save_object("proposal", "p", "{}", 0);  // not a decision: never found
  const auto ids = [](const std::vector<AuditEntry>& found) {
    std::vector<std::string> out;
    for (const auto& f : found) out.push_back(f.id);
    return out;
  };
  auto all = s->find_decisions({.limit = 100});
  ASSERT_EQ(all.size(), 40u);
  EXPECT_EQ(all[7].keys.agent_id, "agent-1");
  EXPECT_EQ(all[7].keys.session_id, "s\t1");
  EXPECT_EQ(all[7].keys.status, "escalate");
  EXPECT_EQ(all[5].keys.failing_gates, (std::vector<std::string>{"risk", "novelty"}));
  EXPECT_EQ(s->find_decisions({.status = "halt", .limit = 100}).size(), 10u);
  for (const auto& f : s->find_decisions({.agent_id = "agent-2", .limit = 100}))
    EXPECT_EQ(f.keys.agent_id, "agent-2");
  EXPECT_EQ(s->find_decisions({.agent_id = "agent-2", .limit = 100}).size(), 13u);
  EXPECT_EQ(ids(s->find_decisions({.failing_gate = "novelty", .limit = 100})),
            (std::vector<std::string>{"d5", "d15", "d25", "d35"}));
  EXPECT_TRUE(s->find_decisions({.failing_gate = "nov"}).empty());  // whole names only
  const auto d7 = s->find_decisions({.decision_id = "d7"});
  ASSERT_EQ(ids(d7), (std::vector<std::string>{"d7"}));
  EXPECT_EQ(d7[0].seq, all[7].seq);
  EXPECT_EQ(d7[0].entry_hash, all[7].entry_hash);
  EXPECT_TRUE(s->find_decisions({.decision_id = "d7", .status = "halt"}).empty());  // escalate
  EXPECT_TRUE(s->find_decisions({.decision_id = "p"}).empty());  // an object, not a decision
  EXPECT_TRUE(s->find_decisions({.decision_id = "d"}).empty());  // whole ids only
  EXPECT_EQ(ids(s->find_decisions({.status = "halt", .failing_gate = "novelty", .limit = 100})),
            (std::vector<std::string>{"d5", "d25"}));
  // Newest first, a page at a time.
  auto page1 = s->find_decisions({.newest_first = true, .limit = 3});
  EXPECT_EQ(ids(page1), (std::vector<std::string>{"d39", "d38", "d37"}));
  auto page2 = s->find_decisions({.cursor = page1.back().seq, .newest_first = true, .limit = 3});
  EXPECT_EQ(ids(page2), (std::vector<std::string>{"d36", "d35", "d34"}));
  auto forward = s->find_decisions({.cursor = all[37].seq, .limit = 10});
  EXPECT_EQ(ids(forward), (std::vector<std::string>{"d38", "d39"}));
  // Time bounds are on the entry's time: all of them were linked at one instant.
  const std::string t = all[0].time;
  EXPECT_EQ(s->find_decisions({.since = t, .limit = 100}).size(), 40u);
  EXPECT_TRUE(s->find_decisions({.until = t}).empty());
  EXPECT_TRUE(s->find_decisions({.since = "9999-01-01T00:00:00.000Z"}).empty());
  EXPECT_TRUE(s->verify_chain().intact);
  // The in-memory filter selects what the query does.
  for (const Store::DecisionQuery& q : std::vector<Store::DecisionQuery>{
           {.limit = 100},
           {.decision_id = "d7", .limit = 100},
           {.decision_id = "d7", .status = "halt", .limit = 100},
           {.status = "halt", .limit = 100},
           {.agent_id = "agent-2", .limit = 100},
           {.failing_gate = "novelty", .limit = 100},
           {.failing_gate = "nov", .limit = 100},
           {.status = "halt", .failing_gate = "novelty", .limit = 100},
           {.since = t, .limit = 100},
           {.until = t, .limit = 100},
           {.cursor = all[37].seq, .limit = 100},
           {.cursor = all[5].seq, .newest_first = true, .limit = 100}}) {
    std::vector<std::string> kept;
    for (const auto& e : all)
      if (q.matches(e)) kept.push_back(e.id);
    if (q.newest_first) std::reverse(kept.begin(), kept.end());
    EXPECT_EQ(kept, ids(s->find_decisions(q)));
  }
}

TEST_P(StoreTest, SchemaVersionAndUrls) {
  const std::string path = fresh_url("schema");
  Store::open(path);
  raw(path, "INSERT INTO schema_version(version) VALUES (99)");
  EXPECT_THROW(Store::open(path), InternalError);
  EXPECT_THROW(Store::open("mysql://x"), InvalidInputError);
  EXPECT_THROW(Store::open("sqlite:/nonexistent-dir/x/y.db"), InternalError);
}

TEST_P(StoreTest, TwoProcessesShareOneChain) {
  const std::string path = fresh_url("shared");
  Store::open(path);
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = Store::open(path);
      for (int i = 0; i < 50; ++i)
        s->append(std::vector<NewEntry>{{"note", std::to_string(p) + "-" + std::to_string(i), "{}"},
                                        {"note", "x", "{}"}});
      _exit(0);
    }
    children.push_back(pid);
  }
  expect_clean_exits(children);
  const ChainVerification v = Store::open(path)->verify_chain();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 200);
}

// Two processes update the same object concurrently: every update lands exactly once (retry
// on conflict), none is lost.
TEST_P(StoreTest, NoLostUpdateUnderConcurrency) {
  const std::string path = fresh_url("counter");
  Store::open(path)->save_object("counter", "c", R"({"n":0})", 0);
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto s = Store::open(path);
      for (int i = 0; i < 40; ++i) {
        while (true) {
          const auto o = s->load_object("counter", "c");
          const int n = nlohmann::json::parse(o->state)["n"].get<int>();
          try {
            s->save_object("counter", "c", "{\"n\":" + std::to_string(n + 1) + "}", o->version);
            break;
          } catch (const ConflictError&) {
          }
        }
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  expect_clean_exits(children);
  auto s = Store::open(path);
  EXPECT_EQ(nlohmann::json::parse(s->load_object("counter", "c")->state)["n"], 80);
  EXPECT_EQ(s->load_object("counter", "c")->version, 81);
  EXPECT_TRUE(s->verify_chain().intact);
}

// Checkpoints run beside the writer, so its WAL is copied back and restarted rather than
// growing with every commit (the writer's own autocheckpoint is off); a new database has 4 KiB
// pages (what a decision costs the disk, see docs/DECISIONS.md).
TEST(SqliteStore, WalIsCheckpointedBesideTheWriter) {
  const std::string path = temp_db("wal.db");
  auto s = Store::open("sqlite:" + path);
  const std::string body =
      "{\"failing_gates\":[],\"pad\":\"" + std::string(2000, 'x') + "\",\"status\":\"proceed\"}";
  for (int g = 0; g < 1500; ++g) {
    std::vector<NewEntry> group;
    for (int i = 0; i < 8; ++i)
      group.push_back(
          {"decision", std::to_string(g) + "-" + std::to_string(i), body, {"", "", "proceed", {}}});
    s->append(group);
  }
  // 12,000 entries of 2 KB are more than 24,000 WAL frames of 4 KiB without a checkpoint.
  EXPECT_LT(std::filesystem::file_size(path + "-wal"), 48u << 20);
  const ChainVerification v = s->verify_chain();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 12000);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 4096);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

}  // namespace
}  // namespace aegis
