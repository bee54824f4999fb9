// decide_batch: the same output, in the same order, on any number of threads; the window bounds
// what is read ahead; a durable run writes a line only once its decision is in the chain.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "aegis/service/batch.h"
#include "aegis/store/errors.h"
#include "aegis/store/store.h"
#include "tests/common/forwarding_store.h"

namespace aegis {
namespace {

std::filesystem::path temp_path(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("aegis_batch_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

// Lines of every kind: decisions of each status, bad JSON, an unknown field, a value out of
// range, blank lines, a line without its final newline.
std::string input(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    switch (i % 9) {
      case 0:
        s += "{broken\n";
        break;
      case 1:
        s += "   \n";
        break;
      case 2:
        s += "{\"risk_propsed\": 0.1}\n";
        break;
      case 3:
        s += "{\"risk_proposed\": 2}\n";
        break;
      default:
        s += "{\"risk_baseline\": 0.1, \"risk_proposed\": " + std::to_string((i % 40) / 100.0) +
             ", \"novelty_score\": " + std::to_string((i % 11) / 10.0) +
             ", \"estimated_impact\": \"" + (i % 2 ? "low" : "high") + "\"}\n";
    }
  }
  s += "{\"risk_proposed\": 0.05, \"novelty_score\": 0.9}";  // no final newline
  return s;
}

struct Outcome {
  std::string out;
  BatchCounts counts;
  bool io_error = false;
  int flushes = 0;
};

Outcome run(const DecisionService& service, const std::string& text, BatchOptions options) {
  const auto path = temp_path("in.jsonl");
  std::ofstream(path, std::ios::binary) << text;
  const int fd = ::open(path.c_str(), O_RDONLY);
  Outcome r;
  const BatchOutput output{.write =
                               [&](std::string_view s) {
                                 r.out.append(s);
                                 return true;
                               },
                           .flush =
                               [&] {
                                 ++r.flushes;
                                 return true;
                               }};
  r.counts = decide_batch(service, fd, options, output, r.io_error);
  ::close(fd);
  return r;
}

// The output with the fields that differ from run to run (decision_id, timestamp,
// evaluation_time_ns) set to 0.
std::string steady(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  size_t at = 0;
  while (at < s.size()) {
    size_t best = std::string::npos, key_len = 0;
    for (const std::string_view key :
         {"\"decision_id\":", "\"timestamp\":", "\"evaluation_time_ns\":"}) {
      const size_t p = s.find(key, at);
      if (p < best) best = p, key_len = key.size();
    }
    if (best == std::string::npos) break;
    size_t end = best + key_len;
    if (s[end] == '"')
      end = s.find('"', end + 1) + 1;
    else
      while (end < s.size() && std::isdigit(static_cast<unsigned char>(s[end]))) ++end;
    out.append(s, at, best + key_len - at);
    out += '0';
    at = end;
  }
  out.append(s, at, std::string::npos);
  return out;
}

const ContextParseOptions kCli{.cli_aliases = true, .cli_defaults = true, .request_fields = true};

TEST(Batch, AnyNumberOfThreadsWritesTheSameLinesInTheSameOrder) {
  const DecisionService service{AegisConfig()};
  const int count = 2700;
  const std::string text = input(count);
  uint64_t blank = 0, bad = 0;
  for (int i = 0; i < count; ++i) {
    blank += i % 9 == 1;
    bad += i % 9 == 0 || i % 9 == 2 || i % 9 == 3;
  }
  const Outcome one = run(service, text, {.threads = 1, .parse = kCli});
  EXPECT_FALSE(one.io_error);
  EXPECT_EQ(one.counts.lines, count - blank + 1);  // blank lines are not lines; + the last one
  EXPECT_EQ(one.counts.errors, bad);
  EXPECT_EQ(one.counts.internal, 0u);
  uint64_t decided = 0;
  for (uint64_t n : one.counts.status) decided += n;
  EXPECT_EQ(decided, one.counts.decisions());
  for (unsigned threads : {2u, 3u, 8u}) {
    const Outcome many = run(service, text, {.threads = threads, .parse = kCli});
    EXPECT_EQ(steady(many.out), steady(one.out)) << threads << " threads";
    EXPECT_EQ(many.counts.status, one.counts.status);
    EXPECT_EQ(many.counts.errors, one.counts.errors);
  }
  // Error records carry their line numbers, in order.
  std::istringstream lines(one.out);
  std::string line;
  uint64_t last = 0, records = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    if (!j.contains("error")) continue;
    const uint64_t n = j["line"];
    EXPECT_GT(n, last);
    EXPECT_EQ((n - 1) % 9 == 0 || (n - 1) % 9 == 2 || (n - 1) % 9 == 3, true) << n;
    last = n;
    ++records;
  }
  EXPECT_EQ(records, one.counts.errors);
}

TEST(Batch, ADriftMonitorKeepsTheStreamsOrderWhateverTheThreads) {
  const DecisionService service{AegisConfig()};
  std::vector<double> baseline;
  for (int i = 0; i < 100; ++i) baseline.push_back(i / 100.0);
  std::string text;
  for (int i = 0; i < 12; ++i) text += "{\"risk_proposed\": 0.95, \"novelty_score\": 0.9}\n";
  DriftMonitor monitor = AegisConfig().create_drift_monitor();
  monitor.set_baseline(baseline);
  const Outcome r = run(service, text, {.threads = 4, .drift = &monitor, .parse = kCli});
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line))
    EXPECT_EQ(nlohmann::json::parse(line)["drift_result"]["n_current"], ++n);
  EXPECT_EQ(n, 12);
}

TEST(Batch, ADurableRunWritesOnlyWhatTheChainHolds) {
  const auto db = temp_path("batch.db");
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + ext);
  auto store = Store::open("sqlite:" + db.string());
  std::string text;
  for (int i = 0; i < 17000; ++i) text += "{\"risk_proposed\": 0.1, \"novelty_score\": 0.9}\n";
  Outcome r;
  size_t checked = 0;
  {
    StoreDecisionService pipeline(AegisConfig(), store.get());
    // At each write, every decision written so far is already in the chain.
    const auto path = temp_path("durable.jsonl");
    std::ofstream(path, std::ios::binary) << text;
    const int fd = ::open(path.c_str(), O_RDONLY);
    const BatchOutput output{.write =
                                 [&](std::string_view s) {
                                   r.out.append(s);
                                   const auto written = static_cast<int64_t>(
                                       std::count(r.out.begin(), r.out.end(), '\n'));
                                   std::lock_guard<std::mutex> g(pipeline.store_lock);
                                   EXPECT_GE(store->head().seq, written);
                                   ++checked;
                                   return true;
                                 },
                             .flush =
                                 [&] {
                                   ++r.flushes;
                                   return true;
                                 }};
    r.counts =
        decide_batch(pipeline.service, fd, {.threads = 3, .parse = kCli}, output, r.io_error);
    ::close(fd);
  }
  EXPECT_GT(checked, 3u);
  EXPECT_EQ(r.counts.decisions(), 17000u);
  std::vector<std::string> printed, stored;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) printed.push_back(nlohmann::json::parse(line)["decision_id"]);
  store->for_each_entry([&](const AuditEntry& e) {
    stored.push_back(e.id);
    return true;
  });
  EXPECT_EQ(printed, stored);
  EXPECT_TRUE(store->verify_chain().intact);
}

// A store whose second transaction fails (the ones before and after land).
class FailingSecondAppend : public test::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  void append_linked(LinkedGroup& group) override {
    if (++appends_ == 2) throw_error(Error(errors::kStoreSqlite, "", "disk full (simulated)"));
    ForwardingStore::append_linked(group);
  }

 private:
  int appends_ = 0;
};

TEST(Batch, AGroupThatCannotBeStoredStopsTheOutputBeforeIt) {
  const auto db = temp_path("failing.db");
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + ext);
  FailingSecondAppend store(Store::open("sqlite:" + db.string()));
  std::string text;
  for (int i = 0; i < 40000; ++i) text += "{\"risk_proposed\": 0.1, \"novelty_score\": 0.9}\n";
  const auto path = temp_path("failing.jsonl");
  std::ofstream(path, std::ios::binary) << text;
  const int fd = ::open(path.c_str(), O_RDONLY);
  std::string out;
  const BatchOutput output{.write =
                               [&](std::string_view s) {
                                 out.append(s);
                                 return true;
                               },
                           .flush = [] { return true; }};
  bool threw = false, io_error = false;
  {
    StoreDecisionService pipeline(AegisConfig(), &store);
    try {
      decide_batch(pipeline.service, fd, {.threads = 2, .parse = kCli}, output, io_error);
    } catch (const AegisError& e) {
      threw = true;
      EXPECT_EQ(e.error().detail, "batch.store");
    }
  }
  ::close(fd);
  EXPECT_TRUE(threw);
  // Groups after the failed one may have landed; what was printed is the groups of the first
  // (successful) append, whole, and each printed decision is the stored one at its place.
  std::vector<std::string> printed, stored;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) printed.push_back(nlohmann::json::parse(line)["decision_id"]);
  store.for_each_entry([&](const AuditEntry& e) {
    stored.push_back(e.id);
    return true;
  });
  EXPECT_GE(printed.size(), 8192u);
  EXPECT_EQ(printed.size() % 8192, 0u);
  EXPECT_LT(printed.size(), 40000u);
  ASSERT_GE(stored.size(), 8192u);
  for (size_t i = 0; i < printed.size(); ++i) ASSERT_EQ(printed[i], stored[i]) << i;
  EXPECT_TRUE(store.verify_chain().intact);
}

TEST(Batch, AFailedWriteIsReportedAndTheRunGoesOn) {
  const DecisionService service{AegisConfig()};
  const auto path = temp_path("in2.jsonl");
  std::ofstream(path, std::ios::binary) << input(100);
  const int fd = ::open(path.c_str(), O_RDONLY);
  bool io_error = false;
  const BatchOutput broken{.write = [](std::string_view) { return false; },
                           .flush = [] { return true; }};
  const BatchCounts c = decide_batch(service, fd, {.threads = 2, .parse = kCli}, broken, io_error);
  ::close(fd);
  EXPECT_TRUE(io_error);
  EXPECT_GT(c.lines, 0u);
}

}  // namespace
}  // namespace aegis
