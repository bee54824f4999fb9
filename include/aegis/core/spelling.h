// "Did you mean …?": the known name closest to a misspelt one, for every error that refuses an
// unknown key, flag, choice or command. Pure functions: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aegis {

// The name of `known` nearest to `given` by edit distance (insertions, deletions, substitutions
// and swaps of neighbours, case ignored), when it is near enough to be a slip: at most
// max(1, |given| / 3) edits, or `given` is a prefix of it. The first of equally near names wins.
std::optional<std::string> nearest_spelling(std::string_view given,
                                            const std::vector<std::string>& known);

// " (did you mean 'x'?)" for nearest_spelling's answer, or "" when there is none; when `given`
// begins several known names, " (did you mean one of 'x', 'y'?)".
std::string did_you_mean(std::string_view given, const std::vector<std::string>& known);

}  // namespace aegis
