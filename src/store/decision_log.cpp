#include "aegis/store/decision_log.h"

#include <future>

namespace aegis {

DecisionLog::DecisionLog(Store& store, std::mutex& store_lock, size_t max_group,
                         Committed committed)
    : store_(store),
      store_lock_(store_lock),
      max_group_(max_group),
      committed_(std::move(committed)),
      linker_([this] { link(); }),
      committer_([this] { commit(); }) {}

DecisionLog::~DecisionLog() {
  {
    std::lock_guard<std::mutex> g(lock_);
    stop_ = true;
  }
  queued_.notify_all();
  linker_.join();
  committer_.join();
}

void DecisionLog::append(std::vector<NewEntry> entries, Done done) {
  if (entries.empty()) {
    if (done) done(true);
    return;
  }
  {
    std::lock_guard<std::mutex> g(lock_);
    queue_.push_back({std::move(entries), std::move(done)});
  }
  queued_.notify_one();
}

bool DecisionLog::append_and_wait(std::vector<NewEntry> entries) {
  std::promise<bool> durable;
  auto result = durable.get_future();
  append(std::move(entries), [&durable](bool ok) { durable.set_value(ok); });
  return result.get();
}

DecisionLog::Stats DecisionLog::stats() const {
  std::lock_guard<std::mutex> g(lock_);
  return stats_;
}

// Gathers what is queued into a group and links it after the head the previous group will
// leave, while that group commits; one linked group waits at most, so the queue keeps growing
// into the next group while the disk syncs.
void DecisionLog::link() {
  std::vector<Pending> taken;
  std::unique_lock<std::mutex> g(lock_);
  while (true) {
    queued_.wait(g, [this] { return (stop_ || !queue_.empty()) && !next_; });
    if (queue_.empty()) break;  // stopping, and everything queued is linked
    // Whole appends, up to max_group entries (one oversized append goes alone).
    size_t n = 0, count = 0;
    while (count < queue_.size() && (count == 0 || n + queue_[count].entries.size() <= max_group_))
      n += queue_[count++].entries.size();
    taken.assign(std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(count)));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(count));
    std::optional<ChainHead> after = expected_;
    g.unlock();

    if (!after) {
      try {
        std::lock_guard<std::mutex> s(store_lock_);
        after = store_.head();
      } catch (const std::exception&) {
        after = ChainHead{-1, ""};  // unknown: linked at commit
      }
    }
    std::vector<NewEntry> all;
    all.reserve(n);
    Linked linked;
    for (auto& p : taken) {
      for (auto& e : p.entries) all.push_back(std::move(e));
      linked.done.push_back(std::move(p.done));
    }
    taken.clear();
    linked.group = link_entries(std::move(all), *after);

    g.lock();
    expected_ = linked.group.tail();
    next_ = std::move(linked);
    linked_.notify_one();
  }
  linker_done_ = true;
  linked_.notify_one();
}

void DecisionLog::commit() {
  while (true) {
    Linked linked;
    {
      std::unique_lock<std::mutex> g(lock_);
      linked_.wait(g, [this] { return next_ || linker_done_; });
      if (!next_) return;  // the linker ended and everything linked is committed
      linked = std::move(*next_);
      next_.reset();
    }
    queued_.notify_one();  // room for the next group
    const ChainHead linked_after = linked.group.after;
    bool ok = true;
    try {
      std::lock_guard<std::mutex> s(store_lock_);
      store_.append_linked(linked.group);
    } catch (const std::exception&) {
      ok = false;  // the transaction rolled back: none of the group landed
    }
    {
      std::lock_guard<std::mutex> g(lock_);
      ++stats_.groups;
      (ok ? stats_.entries : stats_.failed) += linked.group.entries.size();
      if (!(linked.group.after == linked_after)) ++stats_.relinked;
      // The chain is not where the linker thinks (a failure, or another writer): the group
      // linked meanwhile is relinked at its commit, and the one after it starts from the store.
      if (!ok || !(linked.group.after == linked_after)) expected_.reset();
    }
    for (auto& done : linked.done)
      if (done) done(ok);
    if (ok && committed_) committed_(linked.group.tail());
  }
}

}  // namespace aegis
