#include "format.h"

#include <charconv>
#include <cmath>

namespace aegis::detail {

std::string num(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void append_num4(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += num(v);
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 4);
  out.append(buf, r.ptr);
}

}  // namespace aegis::detail
