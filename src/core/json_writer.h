// Internal: a JSON token writer that batches output in a stack buffer and appends it to a
// std::string in large pieces. Writing a decision is hundreds of small tokens; going through
// std::string::append for each costs more than formatting them. Also declares the writing
// functions that more than one of the json_*.cpp files uses.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace aegis {
struct DriftResult;
struct GateEvaluationResult;
struct GateResult;
}  // namespace aegis

namespace aegis::detail {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {
    for (Memo& m : memo_) m.bits = kNoBits;
  }
  ~JsonWriter() { flush(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Unescaped bytes (keys and punctuation chosen by the caller).
  void raw(std::string_view s) {
    if (static_cast<size_t>(end_ - p_) < s.size()) return raw_slow(s);
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  void ch(char c) {
    room(1);
    *p_++ = c;
  }
  // A string literal with RFC 8785 escaping.
  void string(std::string_view s);
  // A finite double in ECMAScript form; throws InvalidInputError when non-finite.
  void number(double v);
  void integer(int64_t v);
  void boolean(bool v) {
    raw(v ? std::string_view("true") : std::string_view("false"));
    after_key_ = false;
  }
  void null() {
    raw("null");
    after_key_ = false;
  }

  // Object and array helpers that place commas.
  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  // Writes `"k":` after a comma when needed. `k` must need no escaping. Always inlined: a decision
  // writes about a hundred keys, and with the writer split from its primitives GCC stopped
  // inlining it (callgrind, per serialised decision: 33,661 instructions before the split,
  // 35,296 after, 31,307 inlined).
  [[gnu::always_inline]] void key(std::string_view k) {
    comma();
    room(k.size() + 3);
    *p_++ = '"';
    std::memcpy(p_, k.data(), k.size());
    p_ += k.size();
    *p_++ = '"';
    *p_++ = ':';
    first_ = false;
    after_key_ = true;
  }
  // Call before a scalar value inside an array (containers place their own comma).
  void element() {
    comma();
    first_ = false;
  }

  void flush() {
    out_.append(buf_, static_cast<size_t>(p_ - buf_));
    p_ = buf_;
  }

 private:
  static constexpr size_t kSize = 4096;

  // Flushes; a piece larger than the buffer goes straight to the string.
  void raw_slow(std::string_view s) {
    flush();
    if (s.size() > kSize) {
      out_.append(s);
      return;
    }
    std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }

  void room(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) flush();
  }
  void comma() {
    if (!first_) ch(',');
  }
  void open(char c) {
    if (!after_key_) comma();
    after_key_ = false;
    ch(c);
    first_ = true;
  }
  void close(char c) {
    ch(c);
    first_ = false;
    after_key_ = false;
  }

  // Recently formatted numbers. A decision repeats many (thresholds in the gates and the trace,
  // a posterior that is also the gate value, the minimum confidence), and formatting a double
  // is the dominant cost of writing one.
  struct Memo {
    uint64_t bits;
    uint64_t len;
    char text[32];  // copied whole: a fixed-size copy is two vector moves, a variable one is not
  };
  static constexpr uint64_t kNoBits = ~uint64_t{0};  // a NaN pattern: never a finite input
  Memo memo_[16];

  std::string& out_;
  char buf_[kSize];
  char* p_ = buf_;
  char* const end_ = buf_ + kSize;
  bool first_ = true;       // no element yet in the innermost container
  bool after_key_ = false;  // a key was just written: a container opened now needs no comma
};

// Writes "2026-11-25T23:48:01.123Z" (RFC 3339 UTC) into buf (24 bytes); returns its length.
size_t format_timestamp_to(char* buf, std::chrono::system_clock::time_point t);
// Writes a gate result as a JSON object, keys in code-point order.
void write_gate(JsonWriter& w, const GateResult& g);
// Writes a gate evaluation as a JSON object, its gates keyed by name in code-point order.
void write_gate_evaluation(JsonWriter& w, const GateEvaluationResult& ge);
// Writes a drift result as a JSON object, keys in code-point order.
void write_drift(JsonWriter& w, const DriftResult& d);

}  // namespace aegis::detail
