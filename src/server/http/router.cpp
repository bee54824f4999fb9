#include "router.h"

#include <array>
#include <cctype>

namespace aegis::http {
namespace {

bool id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

constexpr size_t kMaxSegments = 16;  // no route has more; a longer path matches none

// Splits "/a/b" into {"a", "b"}; "/" into {}. False for an empty segment ("//", trailing "/")
// or more than kMaxSegments. Allocates nothing.
bool segments(std::string_view path, std::array<std::string_view, kMaxSegments>* out,
              size_t* count) {
  *count = 0;
  if (path.empty() || path[0] != '/') return false;
  if (path == "/") return true;
  size_t start = 1;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view seg = path.substr(start, slash == std::string_view::npos
                                                        ? std::string_view::npos
                                                        : slash - start);
    if (seg.empty() || *count == kMaxSegments) return false;
    (*out)[(*count)++] = seg;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool placeholder(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

bool matches(const std::vector<std::string>& pattern,
             const std::array<std::string_view, kMaxSegments>& got, size_t count) {
  if (pattern.size() != count) return false;
  for (size_t i = 0; i < count; ++i) {
    if (placeholder(pattern[i])) {
      if (got[i].size() > 128) return false;
      for (char c : got[i])
        if (!id_char(c)) return false;
    } else if (pattern[i] != got[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

const std::string* Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

size_t Request::header_count(std::string_view name) const {
  size_t n = 0;
  for (const auto& [k, v] : headers) n += k == name;
  return n;
}

const std::string& Request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  static const std::string kNone;
  return kNone;
}

Router& Router::add(Route route) {
  std::array<std::string_view, kMaxSegments> segs;
  size_t n = 0;
  segments(route.pattern, &segs, &n);
  patterns_.emplace_back(segs.begin(), segs.begin() + static_cast<ptrdiff_t>(n));
  routes_.push_back(std::move(route));
  return *this;
}

Router::Match Router::match(std::string_view method, std::string_view path,
                            std::vector<std::pair<std::string, std::string>>* params) const {
  Match m;
  std::array<std::string_view, kMaxSegments> got;
  size_t count = 0;
  if (!segments(path, &got, &count)) return m;
  for (size_t r = 0; r < routes_.size(); ++r) {
    if (routes_[r].method != method || !matches(patterns_[r], got, count)) continue;
    m.route = &routes_[r];
    m.path_known = true;
    if (params) {
      params->clear();
      for (size_t i = 0; i < count; ++i)
        if (placeholder(patterns_[r][i]))
          params->emplace_back(patterns_[r][i].substr(1, patterns_[r][i].size() - 2), got[i]);
    }
    return m;
  }
  // No route for this method: is the path known under others (405 with Allow)?
  for (size_t r = 0; r < routes_.size(); ++r) {
    if (!matches(patterns_[r], got, count)) continue;
    m.path_known = true;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += routes_[r].method;
    if (routes_[r].method == "GET") m.allow += ", HEAD";
  }
  return m;
}

std::string Router::label(std::string_view method, std::string_view path) const {
  const Match m = match(method, path, nullptr);
  return m.route ? m.route->pattern : "other";
}

}  // namespace aegis::http
