#include "router.h"

#include <cctype>

namespace aegis::http {
namespace {

bool id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

// Splits "/a/b" into {"a", "b"}; "/" into {}. False for an empty segment ("//", trailing "/").
bool segments(std::string_view path, std::vector<std::string_view>* out) {
  out->clear();
  if (path.empty() || path[0] != '/') return false;
  if (path == "/") return true;
  size_t start = 1;
  while (true) {
    const size_t slash = path.find('/', start);
    const std::string_view seg = path.substr(start, slash == std::string_view::npos
                                                        ? std::string_view::npos
                                                        : slash - start);
    if (seg.empty()) return false;
    out->push_back(seg);
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool matches(std::string_view pattern, std::string_view path,
             std::vector<std::pair<std::string, std::string>>* params) {
  std::vector<std::string_view> want, got;
  if (!segments(pattern, &want) || !segments(path, &got) || want.size() != got.size())
    return false;
  std::vector<std::pair<std::string, std::string>> found;
  for (size_t i = 0; i < want.size(); ++i) {
    const std::string_view w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (got[i].size() > 128) return false;
      for (char c : got[i])
        if (!id_char(c)) return false;
      found.emplace_back(std::string(w.substr(1, w.size() - 2)), std::string(got[i]));
    } else if (w != got[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
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
  routes_.push_back(std::move(route));
  return *this;
}

Router::Match Router::match(std::string_view method, std::string_view path,
                            std::vector<std::pair<std::string, std::string>>* params) const {
  Match m;
  for (const Route& r : routes_) {
    if (!matches(r.pattern, path, nullptr)) continue;
    m.path_known = true;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += r.method;
    if (!m.route && r.method == method) {
      matches(r.pattern, path, params);
      m.route = &r;
    }
  }
  return m;
}

std::string Router::label(std::string_view method, std::string_view path) const {
  const Match m = match(method, path, nullptr);
  return m.route ? m.route->pattern : "other";
}

}  // namespace aegis::http
