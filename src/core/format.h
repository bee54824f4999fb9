// Internal number formatting for messages and rationales.
#pragma once

#include <string>

namespace aegis::detail {

// Shortest round-trip form ("0.1", "1e-07"); "nan", "inf", "-inf" for non-finite values.
std::string num(double v);
// Appends v with four significant digits ("0.9993", "3.42", "1.2e+03"), for human sentences.
void append_num4(std::string& out, double v);

}  // namespace aegis::detail
