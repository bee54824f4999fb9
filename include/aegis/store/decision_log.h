// The durable log every writer of decisions goes through: entries are queued; a linker thread
// takes everything queued so far as one group and links it to the chain (hashes and all), and
// a committer thread appends each linked group to the Store in one durable transaction (group
// commit), then calls its writers back. The stages overlap: while one group syncs, the next is
// gathered and linked. Thread-safe; append() never blocks on the disk.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "aegis/store/store.h"

namespace aegis {

class DecisionLog {
 public:
  // Called once per append(), on the committer thread, when the entries are durable (true) or
  // when their transaction failed (false: none of them landed). Keep it short: post the reply.
  using Done = std::function<void(bool durable)>;

  // Called on the committer thread after each durable group (after its writers), with the
  // chain's head just after it: where a server signs its audit checkpoints. Keep it short.
  using Committed = std::function<void(const ChainHead& head)>;

  // `store` is borrowed and must outlive the log; `store_lock` (borrowed) serialises the store
  // with its other users (reads, workflow steps). At most `max_group` entries per transaction.
  DecisionLog(Store& store, std::mutex& store_lock, size_t max_group = 4096,
              Committed committed = {});
  // Commits what is queued, then stops.
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // Queues `entries` (an empty list completes at once, true).
  void append(std::vector<NewEntry> entries, Done done);
  // Queues and waits: for callers that may block (the command line, worker threads).
  bool append_and_wait(std::vector<NewEntry> entries);

  struct Stats {
    uint64_t groups = 0;    // transactions committed
    uint64_t entries = 0;   // entries in them
    uint64_t failed = 0;    // entries whose transaction failed
    uint64_t relinked = 0;  // groups linked again at commit (the chain moved under them)
  };
  Stats stats() const;

 private:
  struct Pending {
    std::vector<NewEntry> entries;
    Done done;
  };
  struct Linked {
    LinkedGroup group;
    std::vector<Done> done;
  };
  void link();
  void commit();

  Store& store_;
  std::mutex& store_lock_;
  const size_t max_group_;
  const Committed committed_;
  mutable std::mutex lock_;
  std::condition_variable queued_;  // to the linker: appends, room for a group, or stop
  std::condition_variable linked_;  // to the committer: a linked group, or the linker ended
  std::vector<Pending> queue_;
  std::optional<Linked> next_;         // linked, waiting for the committer (one group ahead)
  std::optional<ChainHead> expected_;  // the head after the last linked group
  bool stop_ = false;
  bool linker_done_ = false;
  Stats stats_;
  std::thread linker_;
  std::thread committer_;
};

}  // namespace aegis
