#include "aegis/decision_log.h"

#include <future>

namespace aegis {

DecisionLog::DecisionLog(Store& store, std::mutex& store_lock, size_t max_group)
    : store_(store), store_lock_(store_lock), max_group_(max_group), thread_([this] { run(); }) {}

DecisionLog::~DecisionLog() {
  {
    std::lock_guard<std::mutex> g(lock_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DecisionLog::append(std::vector<NewEntry> entries, Done done) {
  if (entries.empty()) {
    if (done) done(true);
    return;
  }
  {
    std::lock_guard<std::mutex> g(lock_);
    queued_entries_ += entries.size();
    queue_.push_back({std::move(entries), std::move(done)});
  }
  wake_.notify_one();
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

void DecisionLog::run() {
  std::vector<Pending> group;
  std::vector<NewEntry> all;
  while (true) {
    group.clear();
    {
      std::unique_lock<std::mutex> g(lock_);
      wake_.wait(g, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is committed
      // Take whole appends, up to max_group entries (one oversized append goes alone).
      size_t n = 0, taken = 0;
      while (taken < queue_.size() && (taken == 0 || n + queue_[taken].entries.size() <= max_group_))
        n += queue_[taken++].entries.size();
      group.insert(group.end(), std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(taken)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(taken));
      queued_entries_ -= n;
    }
    all.clear();
    for (auto& p : group)
      for (auto& e : p.entries) all.push_back(std::move(e));
    bool ok = true;
    try {
      std::lock_guard<std::mutex> g(store_lock_);
      store_.append(all);
    } catch (const std::exception&) {
      ok = false;  // the transaction rolled back: none of the group landed
    }
    {
      std::lock_guard<std::mutex> g(lock_);
      ++stats_.groups;
      (ok ? stats_.entries : stats_.failed) += all.size();
    }
    for (auto& p : group)
      if (p.done) p.done(ok);
  }
}

}  // namespace aegis
