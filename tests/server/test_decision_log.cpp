// The decision log: group commit across writers, every writer called back once when durable,
// failures reported to every writer of the group, and nothing queued lost at shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "aegis/decision_log.h"

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

// A store whose appends fail: every writer of the failed group hears it.
class FailingStore : public Store {
 public:
  std::vector<AuditEntry> append(std::span<const NewEntry>) override {
    throw_error(Error{ErrorKind::kInternal, "store.test", "", "disk full"});
  }
  std::optional<std::string> get_decision(std::string_view) override { return std::nullopt; }
  std::vector<AuditEntry> list_decisions(size_t, int64_t) override { return {}; }
  std::vector<AuditEntry> recent_decisions(size_t) override { return {}; }
  int64_t save_object(std::string_view, std::string_view, const std::string&, int64_t) override {
    return 0;
  }
  std::optional<StoredObject> load_object(std::string_view, std::string_view) override {
    return std::nullopt;
  }
  void for_each_entry(const std::function<bool(const AuditEntry&)>&) override {}

 protected:
  std::optional<std::string> index_problem() override { return std::nullopt; }
};

TEST(DecisionLog, AFailedCommitIsReportedNeverTakenForDurable) {
  FailingStore store;
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

}  // namespace
}  // namespace aegis
