// Internal: what the batch files (batch*.cpp) share: the chunks lines are decided in, the reader
// that splits the input into lines, and the writer that writes decided chunks in order.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "aegis/service/batch.h"
#include "aegis/service/decision_service.h"

namespace aegis::batch_detail {

// Where a line of a chunk is: its number in the input and its bytes in Chunk::input.
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

// Takes a line of the input: its text (without the '\n'), its number, and whether it is over
// kMaxJsonBytes (then the text is empty: it is never parsed).
using LineSink =
    std::function<void(const char* data, size_t size, uint64_t number, bool too_large)>;

// Reads `fd` to its end with read(2), handing each line to `add_line` in order; calls
// `before_block` before a read that would block and `progress` (may be empty) with the lines and
// bytes read so far after each read. Sets `io_error` when a read fails (that ends the input).
void read_lines(int fd, const LineSink& add_line, const std::function<void()>& before_block,
                const std::function<void(uint64_t, uint64_t)>& progress, bool& io_error);

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
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // An empty chunk to fill: a written one when there is one, else a new one.
  std::unique_ptr<Chunk> fresh();
  // Takes the next decided chunk: rethrows its failure, counts it and writes it (with a log,
  // once its group is durable).
  void add(std::unique_ptr<Chunk> c);
  // Makes everything added durable (with a log), then writes and flushes it.
  void commit();

  const BatchCounts& counts() const noexcept { return counts_; }

 private:
  enum State { kPending, kDurable, kFailed };
  struct Group {
    std::vector<std::unique_ptr<Chunk>> chunks;
    State state = kPending;  // under lock_
  };

  // Hands the held chunks' decisions to the log as one group.
  void submit();
  // Writes the durable groups in order, waiting while more than `keep` are in the log.
  void write_durable(size_t keep);
  // Empties a written chunk and keeps it for reuse.
  void recycle(std::unique_ptr<Chunk> c);

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

}  // namespace aegis::batch_detail
