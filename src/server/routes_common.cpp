#include <nlohmann/json.hpp>

#include "aegis/core/errors.h"
#include "aegis/core/json.h"
#include "aegis/core/spelling.h"
#include "routes.h"

namespace aegis::server {

http::Response json_response(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http::Response error_response(const Error& e) {
  return json_response(
      kind_info(e.kind).http_status,
      error_to_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response workflow_response(const WorkflowResult& r) {
  if (!r) return error_response(r.error());
  const int status = r.value().kind == WorkflowOutcome::Kind::kCreated ? 201
                     : r.value().kind == WorkflowOutcome::Kind::kRefused
                         ? kind_info(r.value().refusal).http_status
                         : 200;
  return json_response(
      status, r.value().body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace aegis::server

namespace aegis::server {

const std::string* query_value(const http::Request& request, std::string_view name) {
  for (const auto& [k, v] : request.query)
    if (k == name) return &v;
  return nullptr;
}

std::optional<Error> check_query(const http::Request& request,
                                 std::initializer_list<std::string_view> allowed) {
  for (const auto& [name, value] : request.query) {
    bool known = false;
    for (auto a : allowed) known = known || a == name;
    if (!known) {
      const std::vector<std::string> names(allowed.begin(), allowed.end());
      return Error(errors::kJsonQuery, name,
                   "unknown query parameter \"" + name.substr(0, 64) + "\"" +
                       did_you_mean(name.substr(0, 64), names));
    }
    size_t n = 0;
    for (const auto& q : request.query) n += q.first == name;
    if (n != 1)
      return Error(errors::kJsonQuery, name, "query parameter " + name + " is given twice");
  }
  return std::nullopt;
}

Result<int64_t> query_integer(const http::Request& request, std::string_view name, int64_t fallback,
                              int64_t lo, int64_t hi) {
  const std::string* v = query_value(request, name);
  if (!v) return fallback;
  int64_t n = 0;
  bool ok = !v->empty() && v->size() <= 18;
  for (char c : *v) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) n = n * 10 + (c - '0');
  }
  if (!ok || n < lo || n > hi)
    return Error(errors::kJsonQuery, std::string(name),
                 std::string(name) + " must be a whole number in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got \"" + v->substr(0, 32) + "\"");
  return n;
}

Result<std::string> query_time(const http::Request& req, std::string_view name) {
  const std::string* v = query_value(req, name);
  if (!v) return std::string();
  auto t = Store::DecisionQuery::time_bound(*v);
  if (!t)
    return Error(errors::kJsonQuery, std::string(name),
                 "expected an RFC 3339 UTC time such as 2026-12-02T21:08:01.123Z (or its "
                 "date, minute or second)");
  return *t;
}

}  // namespace aegis::server
