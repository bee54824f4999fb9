#include "aegis/core/spelling.h"

#include <algorithm>
#include <cctype>

namespace aegis {
namespace {

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Optimal string alignment distance (Damerau–Levenshtein without repeated edits of a substring).
size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = fold(a[i - 1]) == fold(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && fold(a[i - 1]) == fold(b[j - 2]) && fold(a[i - 2]) == fold(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

bool folded_prefix(std::string_view prefix, std::string_view of) {
  if (prefix.empty() || prefix.size() > of.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (fold(prefix[i]) != fold(of[i])) return false;
  return true;
}

}  // namespace

std::optional<std::string> nearest_spelling(std::string_view given,
                                            const std::vector<std::string>& known) {
  if (given.size() > 256) return std::nullopt;  // no name is that long; bound the work
  const size_t limit = std::max<size_t>(1, given.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& name : known) {
    const size_t d = distance(given, name);
    if (d < best_distance) {
      best = name;
      best_distance = d;
    }
  }
  if (best) return best;
  for (const std::string& name : known)
    if (folded_prefix(given, name)) return name;
  return std::nullopt;
}

std::string did_you_mean(std::string_view given, const std::vector<std::string>& known) {
  std::vector<std::string> extending;  // a word several names begin with: name them all
  for (const std::string& name : known)
    if (folded_prefix(given, name) && name.size() > given.size()) extending.push_back(name);
  const auto near = nearest_spelling(given, known);
  if (!near) return {};
  if (extending.size() < 2 ||
      std::find(extending.begin(), extending.end(), *near) == extending.end())
    return " (did you mean '" + *near + "'?)";
  std::string out = " (did you mean one of ";
  for (size_t i = 0; i < extending.size(); ++i) out += (i ? ", '" : "'") + extending[i] + "'";
  return out + "?)";
}

}  // namespace aegis
