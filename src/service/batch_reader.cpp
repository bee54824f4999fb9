// The batch's reader: the input split into numbered lines as it arrives.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "aegis/core/json.h"
#include "batch_internal.h"

namespace aegis::batch_detail {
namespace {

constexpr size_t kReadCapacity = 8u << 20;  // holds any line up to kMaxJsonBytes with room to read

// True when a read of `fd` would not block (data, end of file or an error waits).
bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, 0);
  } while (r < 0 && errno == EINTR);
  return r != 0;
}

}  // namespace

void read_lines(int fd, const LineSink& add_line, const std::function<void()>& before_block,
                const std::function<void(uint64_t, uint64_t)>& progress, bool& io_error) {
  std::vector<char> buf(kReadCapacity);
  size_t filled = 0, start = 0;
  uint64_t lineno = 0, consumed = 0;
  bool skipping = false;  // inside a line over the size limit
  bool eof = false;
  while (!eof) {
    // Before a read that may block, the caller makes what was decided durable and visible.
    if (!readable_now(fd)) before_block();
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
}

}  // namespace aegis::batch_detail
