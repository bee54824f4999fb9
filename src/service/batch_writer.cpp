// The batch's durable writer: decided chunks out in order, each group once the log has it.
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>

#include "aegis/core/error.h"
#include "aegis/service/errors.h"
#include "batch_internal.h"

namespace aegis::batch_detail {
namespace {

constexpr size_t kGroup = 8192;  // decisions per durable group
constexpr size_t kInFlight = 2;  // groups in the log at once (one syncing, one linked)

}  // namespace

Writer::~Writer() {
  std::unique_lock<std::mutex> g(lock_);
  landed_.wait(g, [this] {
    for (const auto& f : in_flight_)
      if (f->state == kPending) return false;
    return true;
  });
}

std::unique_ptr<Chunk> Writer::fresh() {
  if (spare_.empty()) return std::make_unique<Chunk>();
  auto c = std::move(spare_.back());
  spare_.pop_back();
  return c;
}

void Writer::add(std::unique_ptr<Chunk> c) {
  if (c->failure) std::rethrow_exception(c->failure);
  for (size_t i = 0; i < counts_.status.size(); ++i) counts_.status[i] += c->counts.status[i];
  counts_.lines += c->counts.lines;
  counts_.errors += c->counts.errors;
  counts_.internal += c->counts.internal;
  if (!service_.durable()) {
    io_error_ |= !output_.write(c->output);
    recycle(std::move(c));
    return;
  }
  for (auto& e : c->entries) pending_.push_back(std::move(e));
  held_.push_back(std::move(c));
  if (pending_.size() >= kGroup) {
    submit();
    write_durable(kInFlight);
  }
}

void Writer::commit() {
  submit();
  write_durable(0);
  io_error_ |= !output_.flush();
}

void Writer::submit() {
  if (held_.empty()) return;
  auto group = std::make_unique<Group>();
  group->chunks = std::move(held_);
  held_.clear();
  Group* g = group.get();
  {
    std::lock_guard<std::mutex> l(lock_);
    in_flight_.push_back(std::move(group));
  }
  // The callback runs on the log's committer thread (or here, for an empty group).
  // It notifies under the lock: once the destructor sees the last group land, no callback
  // touches this Writer again.
  const auto land = [this, g](bool ok) {
    std::lock_guard<std::mutex> l(lock_);
    g->state = ok ? kDurable : kFailed;
    landed_.notify_all();
  };
  try {
    service_.record(std::move(pending_), land);
  } catch (...) {  // never handed to the log: the group fails here, or the destructor would wait
    land(false);
    throw;
  }
  pending_.clear();
}

// Writes durable groups in order: all of them that have landed, waiting while more than
// `keep` are in the log. A failed group stops the output: nothing from it or after it is
// written.
void Writer::write_durable(size_t keep) {
  bool wrote = false;
  while (true) {
    std::unique_ptr<Group> group;
    {
      std::unique_lock<std::mutex> l(lock_);
      if (in_flight_.empty() ||
          (in_flight_.size() <= keep && in_flight_.front()->state == kPending))
        break;
      landed_.wait(l, [this] { return in_flight_.front()->state != kPending; });
      if (in_flight_.front()->state == kFailed)
        throw_error(Error{errors::kBatchStore, "db",
                          "the decisions could not be stored; they were not printed"});
      group = std::move(in_flight_.front());
      in_flight_.pop_front();
    }
    for (auto& c : group->chunks) {
      io_error_ |= !output_.write(c->output);
      recycle(std::move(c));
    }
    wrote = true;
  }
  if (wrote && keep > 0) io_error_ |= !output_.flush();
}

void Writer::recycle(std::unique_ptr<Chunk> c) {
  c->input.clear();
  c->lines.clear();
  c->output.clear();
  c->entries.clear();
  c->counts = {};
  c->failure = nullptr;
  spare_.push_back(std::move(c));
}

}  // namespace aegis::batch_detail
