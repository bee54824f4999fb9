// JSON primitives: ECMAScript numbers, RFC 8785 strings and RFC 3339 timestamps.
#include <dragonbox/dragonbox.h>

#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "json_writer.h"

namespace aegis {
namespace detail {

namespace {

// Throws the "json.not_finite" error.
[[noreturn]] void not_finite() {
  throw_error(Error(errors::kJsonNotFinite, "", "JSON cannot carry a non-finite number"));
}

// "00" to "99", for writing two digits at a time.
constexpr std::array<char, 200> kDigitPairs = [] {
  std::array<char, 200> t{};
  for (int i = 0; i < 100; ++i) {
    t[static_cast<size_t>(2 * i)] = static_cast<char>('0' + i / 10);
    t[static_cast<size_t>(2 * i + 1)] = static_cast<char>('0' + i % 10);
  }
  return t;
}();

// Writes the decimal digits of `s` so that they end at `end`; returns where they begin.
char* digits_before(uint64_t s, char* end) {
  char* p = end;
  while (s >= 100) {
    p -= 2;
    std::memcpy(p, &kDigitPairs[2 * (s % 100)], 2);
    s /= 100;
  }
  if (s >= 10) {
    p -= 2;
    std::memcpy(p, &kDigitPairs[2 * s], 2);
  } else {
    *--p = static_cast<char>('0' + s);
  }
  return p;
}

// Formats a finite, non-zero double in ECMAScript Number::toString form into buf (≥ 32 bytes);
// at most 24 characters. The shortest round-trip digits come from Dragonbox (to_decimal:
// significand × 10^exponent, trailing zeros removed); the layout is ECMAScript's.
size_t format_es(double v, char* buf) {
  const auto d = jkj::dragonbox::to_decimal(v);
  char* o = buf;
  if (d.is_negative) *o++ = '-';
  char space[20];
  const char* digits = digits_before(d.significand, space + sizeof space);
  const int k = static_cast<int>(space + sizeof space - digits);
  const int n = d.exponent + k;  // position of the decimal point relative to the digits
  auto put = [&o](const char* s, int len) {
    std::memcpy(o, s, static_cast<size_t>(len));
    o += len;
  };
  if (k <= n && n <= 21) {
    put(digits, k);
    for (int i = k; i < n; ++i) *o++ = '0';
  } else if (0 < n && n <= 21) {
    put(digits, n);
    *o++ = '.';
    put(digits + n, k - n);
  } else if (-6 < n && n <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = n; i < 0; ++i) *o++ = '0';
    put(digits, k);
  } else {
    *o++ = digits[0];
    if (k > 1) {
      *o++ = '.';
      put(digits + 1, k - 1);
    }
    *o++ = 'e';
    *o++ = n - 1 >= 0 ? '+' : '-';
    o = std::to_chars(o, o + 8, std::abs(n - 1)).ptr;
  }
  return static_cast<size_t>(o - buf);
}

}  // namespace

void JsonWriter::number(double v) {
  if (!std::isfinite(v)) not_finite();
  after_key_ = false;
  room(32);
  if (v == 0.0) {
    *p_++ = '0';
    return;
  }
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  Memo& m = memo_[(bits * 0x9E3779B97F4A7C15ULL) >> 60];
  if (m.bits != bits) {
    m.bits = bits;
    m.len = format_es(v, m.text);
  }
  std::memcpy(p_, m.text, sizeof m.text);
  p_ += m.len;
}

void JsonWriter::integer(int64_t v) {
  after_key_ = false;
  room(24);
  p_ = std::to_chars(p_, p_ + 24, v).ptr;
}

namespace {

// True when any of the 8 bytes in `w` needs escaping: < 0x20, '"' or '\\' (SWAR test).
bool needs_escape8(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const auto has_zero = [](uint64_t x) { return (x - kOnes) & ~x & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return (below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

}  // namespace

void JsonWriter::string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  after_key_ = false;
  ch('"');
  size_t run = 0, i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!needs_escape8(w)) {
        i += 8;
        continue;
      }
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    raw(s.substr(run, i - run));
    run = ++i;
    switch (c) {
      case '"':
        raw("\\\"");
        break;
      case '\\':
        raw("\\\\");
        break;
      case '\b':
        raw("\\b");
        break;
      case '\f':
        raw("\\f");
        break;
      case '\n':
        raw("\\n");
        break;
      case '\r':
        raw("\\r");
        break;
      case '\t':
        raw("\\t");
        break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        raw(std::string_view(esc, 6));
      }
    }
  }
  raw(s.substr(run));
  ch('"');
}

// "2026-11-25T23:48:01.123Z" into buf (24 bytes).
size_t format_timestamp_to(char* buf, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = time_point_cast<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss hms{ms - day};
  char* p = buf;
  auto put = [&p](int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  put(static_cast<int>(ymd.year()), 4);
  *p++ = '-';
  put(static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  put(static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  put(hms.hours().count(), 2);
  *p++ = ':';
  put(hms.minutes().count(), 2);
  *p++ = ':';
  put(hms.seconds().count(), 2);
  *p++ = '.';
  put(hms.subseconds().count(), 3);
  *p++ = 'Z';
  return static_cast<size_t>(p - buf);
}

}  // namespace detail

void append_number(std::string& out, double value) {
  detail::JsonWriter w(out);
  w.number(value);
}

void append_string(std::string& out, std::string_view s) {
  detail::JsonWriter w(out);
  w.string(s);
}

std::string format_timestamp(std::chrono::system_clock::time_point t) {
  char buf[32];
  return std::string(buf, detail::format_timestamp_to(buf, t));
}

}  // namespace aegis
