// The decision log: group commit across writers, every writer called back once when durable,
// failures reported to every writer of the group, groups linked ahead of their commit linked
// again when the chain moved under them, and nothing queued lost at shutdown.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "aegis/store/decision_log.h"
#include "aegis/store/errors.h"

namespace aegis {
namespace {

std::vector<NewEntry> entries(int writer, int n) {
  std::vector<NewEntry> out;
  for (int i = 0; i < n; ++i)
    out.push_back({"note", std::to_string(writer) + "-" + std::to_string(i), R"({"x":1})"});
  return out;
}

TEST(DecisionLog, GroupsConcurrentWritersAndCallsEachBackOnce) {
  auto store = Store::open("sqlite::memory:");
  std::mutex lock;
  std::atomic<int> called{0}, durable{0};
  {
    DecisionLog log(*store, lock);
    std::vector<std::thread> writers;
    for (int w = 0; w < 8; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 50; ++i)
          log.append(entries(w * 100 + i, 3), [&](bool ok) {
            ++called;
            durable += ok;
          });
      });
    }
    for (auto& t : writers) t.join();
    EXPECT_TRUE(log.append_and_wait(entries(9999, 1)));
    const auto stats = log.stats();
    EXPECT_EQ(stats.entries, 8u * 50 * 3 + 1);
    EXPECT_LT(stats.groups, 8u * 50 + 1);  // writers shared transactions
    EXPECT_EQ(stats.failed, 0u);
  }  // the destructor commits what is still queued
  EXPECT_EQ(called.load(), 400);
  EXPECT_EQ(durable.load(), 400);
  const ChainVerification v = store->verify_chain();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 8 * 50 * 3 + 1);
}

// A store that forwards to a real one, except that the appends named in `fail_at` (counted
// from 1) fail; with no real store, every append fails.
class FlakyStore : public Store {
 public:
  FlakyStore(Store* real, std::set<int> fail_at) : real_(real), fail_at_(std::move(fail_at)) {}
  void append_linked(LinkedGroup& group) override {
    // As slow as a disk: the next group is linked meanwhile (a failing commit is slower still,
    // so that the writers certainly queue the next group behind it).
    const bool fails = !real_ || fail_at_.count(++calls_);
    std::this_thread::sleep_for(std::chrono::milliseconds(fails && real_ ? 50 : 1));
    if (fails) throw_error(Error(errors::kStoreSqlite, "", "disk full"));
    real_->append_linked(group);
  }
  ChainHead head() override { return real_ ? real_->head() : ChainHead{}; }
  std::optional<AuditEntry> decision_entry(std::string_view) override { return std::nullopt; }
  std::optional<AuditEntry> entry_at(int64_t) override { return std::nullopt; }
  std::vector<AuditEntry> find_decisions(const DecisionQuery&) override { return {}; }
  std::vector<ListedObject> list_objects(std::string_view, size_t, int64_t) override { return {}; }
  int64_t save_object(std::string_view, std::string_view, const std::string&, int64_t) override {
    return 0;
  }
  std::optional<StoredObject> load_object(std::string_view, std::string_view) override {
    return std::nullopt;
  }
  void for_each_entry(const std::function<bool(const AuditEntry&)>&) override {}

 protected:
  std::optional<std::string> index_problem() override { return std::nullopt; }

 private:
  Store* real_;
  std::set<int> fail_at_;
  int calls_ = 0;
};

TEST(DecisionLog, AFailedCommitIsReportedNeverTakenForDurable) {
  FlakyStore store(nullptr, {});
  std::mutex lock;
  DecisionLog log(store, lock);
  EXPECT_FALSE(log.append_and_wait(entries(1, 2)));
  std::atomic<int> ok{0}, failed{0};
  for (int i = 0; i < 10; ++i) log.append(entries(i, 1), [&](bool d) { (d ? ok : failed)++; });
  EXPECT_FALSE(log.append_and_wait(entries(2, 1)));
  EXPECT_EQ(ok.load(), 0);
  EXPECT_EQ(failed.load(), 10);
  EXPECT_EQ(log.stats().failed, 13u);
  EXPECT_TRUE(log.append_and_wait({}));  // nothing to write is trivially durable
}

// Groups are linked while the previous one commits; when that commit fails, the group linked
// after it is linked again to the real head, so the chain stays whole.
TEST(DecisionLog, AGroupLinkedAfterAFailedOneIsLinkedAgain) {
  auto real = Store::open("sqlite::memory:");
  FlakyStore store(real.get(), {2, 5});
  std::mutex lock;
  std::atomic<int> ok{0}, failed{0};
  {
    DecisionLog log(store, lock);
    for (int i = 0; i < 200; ++i) {
      log.append(entries(i, 2), [&](bool d) { (d ? ok : failed)++; });
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    for (int i = 0; i < 1000 && ok.load() + failed.load() < 200; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // every writer called back
    EXPECT_GT(log.stats().relinked, 0u);
  }
  EXPECT_GT(failed.load(), 0);
  EXPECT_EQ(ok.load() + failed.load(), 200);
  const ChainVerification v = real->verify_chain();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 2 * ok.load());
}

// Another writer appends to the same database between the log's groups: each group linked to
// a head that moved is linked again at its commit. The other writer (a second connection to the
// file) writes just before every third commit, so the interleaving does not depend on timing.
class IntrudedStore : public FlakyStore {
 public:
  IntrudedStore(Store* mine, Store* other) : FlakyStore(mine, {}), other_(other) {}
  void append_linked(LinkedGroup& group) override {
    if (++calls_ % 3 == 0) {
      other_->append(std::vector<NewEntry>{{"note", "other", "{}"}});
      ++others;
    }
    FlakyStore::append_linked(group);
  }
  int others = 0;

 private:
  Store* other_;
  int calls_ = 0;
};

TEST(DecisionLog, AnotherWriterBetweenGroupsIsLinkedAround) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("aegis_dlog_" + std::to_string(getpid()) + ".db"))
          .string();
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
  auto mine = Store::open("sqlite:" + path);
  auto other = Store::open("sqlite:" + path);
  IntrudedStore store(mine.get(), other.get());
  std::mutex lock;
  DecisionLog::Stats stats;
  {
    DecisionLog log(store, lock);
    for (int i = 0; i < 60; ++i) EXPECT_TRUE(log.append_and_wait(entries(i, 1)));
    stats = log.stats();
  }
  EXPECT_EQ(stats.relinked, 20u);
  const ChainVerification v = mine->verify_chain();
  EXPECT_TRUE(v.intact) << v.problem;
  EXPECT_EQ(v.entries, 60 + store.others);
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(path + ext);
}

}  // namespace
}  // namespace aegis
