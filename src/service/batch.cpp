#include "aegis/batch.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "aegis/errors/core.h"
#include "aegis/errors/service.h"

namespace aegis {
namespace {

constexpr size_t kReadCapacity = 8u << 20;  // holds any line up to kMaxJsonBytes with room to read
constexpr size_t kChunkLines = 512;
constexpr size_t kChunkBytes = 1u << 20;
constexpr size_t kGroup = 8192;  // decisions per durable group
constexpr size_t kInFlight = 2;  // groups in the log at once (one syncing, one linked)

struct Line {
  uint64_t number = 0;
  size_t offset = 0;  // in Chunk::input
  size_t size = 0;
  bool too_large = false;  // over kMaxJsonBytes: an error record, never parsed
};

// Lines read together and decided by one worker; written in `seq` order.
struct Chunk {
  uint64_t seq = 0;
  std::string input;  // each line and its '\n', then kJsonPadding zero bytes
  std::vector<Line> lines;
  std::string output;
  std::vector<NewEntry> entries;  // for the log, in line order
  BatchCounts counts;
  std::exception_ptr failure;  // what a worker could not handle (rethrown by the caller)
};

void append_error_record(std::string& out, uint64_t line, const Error& e) {
  nlohmann::json j = error_to_json(e);
  j["line"] = line;
  out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
}

// Decides a chunk's lines into its output, entries and counts.
class Decider {
 public:
  Decider(const DecisionService& service, const BatchOptions& options)
      : service_(service), options_(options), parser_(service.parser(options.parse)) {}

  void decide(Chunk& c) {
    for (const Line& l : c.lines) line(c, l);
  }

 private:
  void line(Chunk& c, const Line& l) {
    const char* text = c.input.data() + l.offset;
    size_t len = l.size;
    if (l.too_large) {
      ++c.counts.lines;
      ++c.counts.errors;
      append_error_record(
          c.output, l.number,
          Error{errors::kJsonTooLarge, "",
                "the line is over the limit of " + std::to_string(kMaxJsonBytes) + " bytes"});
      return;
    }
    while (len > 0 && (text[len - 1] == '\r' || text[len - 1] == ' ' || text[len - 1] == '\t'))
      --len;
    size_t first = 0;
    while (first < len && (text[first] == ' ' || text[first] == '\t')) ++first;
    if (first == len) return;  // blank lines are skipped
    ++c.counts.lines;
    auto req = parser_.parse_padded(text, len);
    if (!req) return error(c, l.number, req.error());
    if (req.value().drift_baseline_data)
      return error(c, l.number,
                   Error(errors::kBatchConflict, "drift_baseline_data",
                         "drift_baseline_data is not accepted in a batch line; use "
                         "--drift-baseline"));
    auto made = service_.evaluate(req.value().context, options_.shadow || req.value().shadow,
                                  options_.drift);
    if (!made) return error(c, l.number, made.error());
    Evaluation& e = made.value();
    if (options_.fields.all())
      c.output += e.json;
    else
      append_decision_json(c.output, e.decision, options_.fields);
    c.output += '\n';
    if (service_.durable()) c.entries.push_back(e.entry());
    ++c.counts.status[static_cast<size_t>(e.decision.status)];
  }

  static void error(Chunk& c, uint64_t line, const Error& e) {
    ++c.counts.errors;
    if (e.kind == ErrorKind::kInternal) ++c.counts.internal;
    append_error_record(c.output, line, e);
  }

  const DecisionService& service_;
  const BatchOptions& options_;
  ContextParser parser_;
};

// Worker threads, each with a Decider of its own, taking chunks in turn; the caller takes them
// back by sequence number.
class Workers {
 public:
  Workers(const DecisionService& service, const BatchOptions& options) {
    for (unsigned i = 0; i < options.threads; ++i)
      threads_.emplace_back([this, &service, &options] { run(service, options); });
  }
  ~Workers() {
    {
      std::lock_guard<std::mutex> g(lock_);
      stopping_ = true;
    }
    work_.notify_all();
    for (auto& t : threads_) t.join();
  }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  void submit(std::unique_ptr<Chunk> c) {
    {
      std::lock_guard<std::mutex> g(lock_);
      todo_.push_back(std::move(c));
    }
    work_.notify_one();
  }

  // Waits for chunk `seq` (submitted before) to be decided.
  std::unique_ptr<Chunk> take(uint64_t seq) {
    std::unique_lock<std::mutex> g(lock_);
    done_cv_.wait(g, [&] { return done_.count(seq) > 0; });
    auto it = done_.find(seq);
    auto c = std::move(it->second);
    done_.erase(it);
    return c;
  }

 private:
  void run(const DecisionService& service, const BatchOptions& options) {
    Decider decider(service, options);
    while (true) {
      std::unique_ptr<Chunk> c;
      {
        std::unique_lock<std::mutex> g(lock_);
        work_.wait(g, [&] { return stopping_ || !todo_.empty(); });
        if (todo_.empty()) return;
        c = std::move(todo_.front());
        todo_.pop_front();
      }
      try {
        decider.decide(*c);
      } catch (...) {
        c->failure = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> g(lock_);
        const uint64_t seq = c->seq;
        done_.emplace(seq, std::move(c));
      }
      done_cv_.notify_all();
    }
  }

  std::mutex lock_;
  std::condition_variable work_, done_cv_;
  std::deque<std::unique_ptr<Chunk>> todo_;
  std::map<uint64_t, std::unique_ptr<Chunk>> done_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// True when a read of `fd` would not block (data, end of file or an error waits).
bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  return r != 0;
}

// Writes decided chunks in order. With a durable service, the chunks' decisions go to the log a
// group at a time, and a group's chunks are written once it is durable; up to kInFlight groups
// are in the log at once, so deciding, linking and the disk's sync overlap (the caller goes on
// reading while a group commits). Written chunks are kept for reuse, so that their buffers are
// not allocated (and their pages not faulted in) again for every chunk.
class Writer {
 public:
  Writer(const DecisionService& service, const BatchOutput& output, bool& io_error)
      : service_(service), output_(output), io_error_(io_error) {}
  // Waits for the groups still in the log (after a failure), whose callbacks point here.
  ~Writer() {
    std::unique_lock<std::mutex> g(lock_);
    landed_.wait(g, [this] {
      for (const auto& f : in_flight_)
        if (f->state == kPending) return false;
      return true;
    });
  }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::unique_ptr<Chunk> fresh() {
    if (spare_.empty()) return std::make_unique<Chunk>();
    auto c = std::move(spare_.back());
    spare_.pop_back();
    return c;
  }

  void add(std::unique_ptr<Chunk> c) {
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

  // Makes everything added durable (with a log), then writes and flushes it.
  void commit() {
    submit();
    write_durable(0);
    io_error_ |= !output_.flush();
  }

  const BatchCounts& counts() const noexcept { return counts_; }

 private:
  enum State { kPending, kDurable, kFailed };
  struct Group {
    std::vector<std::unique_ptr<Chunk>> chunks;
    State state = kPending;  // under lock_
  };

  // Hands the held chunks' decisions to the log as one group.
  void submit() {
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
  void write_durable(size_t keep) {
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

  void recycle(std::unique_ptr<Chunk> c) {
    c->input.clear();
    c->lines.clear();
    c->output.clear();
    c->entries.clear();
    c->counts = {};
    c->failure = nullptr;
    spare_.push_back(std::move(c));
  }

  const DecisionService& service_;
  const BatchOutput& output_;
  bool& io_error_;
  std::vector<NewEntry> pending_;              // the next group's decisions
  std::vector<std::unique_ptr<Chunk>> held_;   // the next group's chunks
  std::vector<std::unique_ptr<Chunk>> spare_;  // written, for reuse
  std::mutex lock_;
  std::condition_variable landed_;
  std::deque<std::unique_ptr<Group>> in_flight_;  // in the log, oldest first
  BatchCounts counts_;
};

}  // namespace

BatchCounts decide_batch(const DecisionService& service, int fd, const BatchOptions& options,
                         const BatchOutput& output, bool& io_error,
                         const std::function<void(uint64_t, uint64_t)>& progress) {
  const bool parallel = options.threads > 1 && options.drift == nullptr;
  std::optional<Decider> inline_decider;
  std::optional<Workers> workers;
  if (parallel)
    workers.emplace(service, options);
  else
    inline_decider.emplace(service, options);
  const uint64_t window = 2 * static_cast<uint64_t>(options.threads) + 2;

  Writer writer(service, output, io_error);
  uint64_t next_seq = 0, next_write = 0;
  auto chunk = writer.fresh();
  // Hands the chunk being filled to a worker (or decides it here), keeping the window.
  auto dispatch = [&] {
    if (chunk->lines.empty()) return;
    chunk->input.append(kJsonPadding, '\0');
    chunk->seq = next_seq++;
    if (!parallel) {
      inline_decider->decide(*chunk);
      writer.add(std::move(chunk));
      ++next_write;
    } else {
      workers->submit(std::move(chunk));
      while (next_seq - next_write >= window) writer.add(workers->take(next_write++));
    }
    chunk = writer.fresh();
  };
  // Everything read so far: decided, written and (with a log) durable.
  auto drain = [&] {
    dispatch();
    while (next_write < next_seq) writer.add(workers->take(next_write++));
    writer.commit();
  };
  auto add_line = [&](const char* data, size_t size, uint64_t number, bool too_large) {
    chunk->lines.push_back({number, chunk->input.size(), size, too_large});
    chunk->input.append(data, size);
    chunk->input += '\n';
    if (chunk->lines.size() >= kChunkLines || chunk->input.size() >= kChunkBytes) dispatch();
  };

  std::vector<char> buf(kReadCapacity);
  size_t filled = 0, start = 0;
  uint64_t lineno = 0, consumed = 0;
  bool skipping = false;  // inside a line over the size limit
  bool eof = false;
  while (!eof) {
    // Before a read that may block, make what was decided durable and visible.
    if (!readable_now(fd)) drain();
    // read(2), not fread: return with what has arrived, so a slow producer is answered promptly.
    ssize_t got;
    do {
      got = ::read(fd, buf.data() + filled, kReadCapacity - filled);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
      eof = true;
      if (got < 0) io_error = true;
    }
    const size_t n = got > 0 ? static_cast<size_t>(got) : 0;
    filled += n;
    consumed += n;
    while (true) {
      const char* nl =
          static_cast<const char*>(std::memchr(buf.data() + start, '\n', filled - start));
      if (!nl) break;
      const size_t end = static_cast<size_t>(nl - buf.data());
      ++lineno;
      if (skipping)
        skipping = false;
      else
        add_line(buf.data() + start, end - start, lineno, false);
      start = end + 1;
    }
    if (progress) progress(lineno, consumed);
    const size_t rest = filled - start;
    if (eof) {
      if (rest > 0 && !skipping) add_line(buf.data() + start, rest, ++lineno, false);
      break;
    }
    if (skipping) {
      start = filled = 0;  // still inside the oversize line: drop what was read
    } else if (rest > kMaxJsonBytes) {
      add_line("", 0, lineno + 1, true);
      skipping = true;  // the line's newline, when it comes, counts it
      start = filled = 0;
    } else {
      std::memmove(buf.data(), buf.data() + start, rest);
      filled = rest;
      start = 0;
    }
  }
  drain();
  return writer.counts();
}

}  // namespace aegis
