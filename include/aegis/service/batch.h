// Deciding a JSONL stream (`aegis evaluate --batch`): one output line per non-blank input line —
// the decision's wire JSON, or an error record (the error's JSON with "line": N) — in input
// order, decided on several threads.
//
// Lines are read in chunks (up to 512 lines or 1 MiB); a chunk is decided by one worker and
// written when every chunk before it has been. At most 2 × threads + 2 chunks are read ahead of
// the output (the reorder window), so memory stays bounded whatever the input's size. With a
// drift monitor the lines are decided in order on the caller's thread (the monitor's state
// follows the stream). Before a read that would block, everything decided so far is made durable
// and written, so a slow producer is answered promptly.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "aegis/core/json.h"
#include "aegis/service/decision_service.h"

namespace aegis {

struct BatchOptions {
  unsigned threads = 1;           // workers deciding chunks; 1 decides on the caller's thread
  bool shadow = false;            // every line in shadow mode
  DriftMonitor* drift = nullptr;  // borrowed; decides on the caller's thread, in order
  ContextParseOptions parse;      // the surface's reading of a line
  DecisionFields fields;          // of each decision line written (the log keeps the whole)
};

struct BatchCounts {
  std::array<uint64_t, 4> status{};  // decisions by PCWStatus
  uint64_t lines = 0;                // non-blank lines
  uint64_t errors = 0;               // error records written
  uint64_t internal = 0;             // of which internal failures
  uint64_t decisions() const noexcept { return lines - errors; }
};

// Where the output goes, called on the caller's thread only, in order.
struct BatchOutput {
  std::function<bool(std::string_view)> write;  // false: an I/O error
  std::function<bool()> flush;                  // pushes what was written; false: an I/O error
};

// Reads `fd` to its end and decides every line through `service`, recording each decision
// through its log when it has one (then a line is written only once its decision is durable).
// `progress` (may be empty) is told the lines and bytes read so far, now and then. Returns the
// counts; `io_error` is set when reading or writing failed. Throws InternalError ("batch.store")
// when a group of decisions could not be made durable: none of them and nothing after them was
// written.
BatchCounts decide_batch(const DecisionService& service, int fd, const BatchOptions& options,
                         const BatchOutput& output, bool& io_error,
                         const std::function<void(uint64_t lines, uint64_t bytes)>& progress = {});

}  // namespace aegis
