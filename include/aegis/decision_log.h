// The durable log every writer of decisions goes through: entries are queued, and one committer
// thread appends everything queued so far to the Store in one durable transaction (group
// commit), then calls each writer back. While a group syncs, the next one gathers. Thread-safe;
// append() never blocks on the disk.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "aegis/store.h"

namespace aegis {

class DecisionLog {
 public:
  // Called once per append(), on the committer thread, when the entries are durable (true) or
  // when their transaction failed (false: none of them landed). Keep it short: post the reply.
  using Done = std::function<void(bool durable)>;

  // `store` is borrowed and must outlive the log; `store_lock` (borrowed) serialises the store
  // with its other users (reads, workflow steps). At most `max_group` entries per transaction.
  DecisionLog(Store& store, std::mutex& store_lock, size_t max_group = 4096);
  // Commits what is queued, then stops.
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // Queues `entries` (an empty list completes at once, true).
  void append(std::vector<NewEntry> entries, Done done);
  // Queues and waits: for callers that may block (the command line, worker threads).
  bool append_and_wait(std::vector<NewEntry> entries);

  struct Stats {
    uint64_t groups = 0;   // transactions committed
    uint64_t entries = 0;  // entries in them
    uint64_t failed = 0;   // entries whose transaction failed
  };
  Stats stats() const;

 private:
  struct Pending {
    std::vector<NewEntry> entries;
    Done done;
  };
  void run();

  Store& store_;
  std::mutex& store_lock_;
  const size_t max_group_;
  mutable std::mutex lock_;
  std::condition_variable wake_;
  std::vector<Pending> queue_;
  size_t queued_entries_ = 0;
  bool stop_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace aegis
