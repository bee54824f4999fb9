// decide_batch: chunks of lines decided in order, inline or by a pool of workers, between the
// reader (batch_reader.cpp) and the writer (batch_writer.cpp).
#include "aegis/service/batch.h"

#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "aegis/core/errors.h"
#include "aegis/service/errors.h"
#include "batch_internal.h"

namespace aegis {

using batch_detail::Chunk;
using batch_detail::Line;
using batch_detail::Writer;

namespace {

constexpr size_t kChunkLines = 512;
constexpr size_t kChunkBytes = 1u << 20;

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

  batch_detail::read_lines(fd, add_line, drain, progress, io_error);
  drain();
  return writer.counts();
}

}  // namespace aegis
