// The route table: matching, placeholders, 405 versus 404, metric labels, and the table of
// `aegis serve` against its OpenAPI document.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "aegis/server/api_server.h"
#include "aegis/server/openapi.h"
#include "http/head.h"
#include "http/router.h"

namespace aegis {
namespace {

http::Router table() {
  http::Router r;
  auto nothing = [](http::Request&, const http::Caller&, http::Reply) {};
  r.add({"GET", "/v1/proposals/{proposal_id}", http::Access::kPermission, "read_decisions",
         http::Runs::kOnWorker, nothing});
  r.add({"POST", "/v1/proposals/{proposal_id}/{action}", http::Access::kAuthenticated, "",
         http::Runs::kOnWorker, nothing});
  r.add({"POST", "/mcp", http::Access::kPublic, "", http::Runs::kOnIoThread, nothing});
  r.add({"GET", "/", http::Access::kPublic, "", http::Runs::kOnIoThread, nothing});
  return r;
}

TEST(Router, MatchesPatternsAndNamesPlaceholders) {
  const http::Router r = table();
  std::vector<std::pair<std::string, std::string>> params;
  auto m = r.match("POST", "/v1/proposals/p-1.x:y/approve", &params);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/proposals/{proposal_id}/{action}");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"proposal_id", "p-1.x:y"}));
  EXPECT_EQ(params[1].second, "approve");
  EXPECT_NE(r.match("GET", "/", nullptr).route, nullptr);
  // A known path with another method: 405 with Allow; an unknown path: 404.
  m = r.match("GET", "/mcp", nullptr);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allow, "POST");
  for (const std::string& path : std::vector<std::string>{
           "/v1/proposals/a/b/c", "/v1/proposals//x", "/v1/proposals/a/", "/v1/proposals/a%2Fb",
           "/v1/proposals/" + std::string(129, 'a'), "/mcpx", "", "v1/proposals/a"}) {
    m = r.match("GET", path, nullptr);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_FALSE(m.path_known) << path;
  }
  // Labels are patterns: arbitrary paths cannot create metric series.
  EXPECT_EQ(r.label("GET", "/v1/proposals/anything"), "/v1/proposals/{proposal_id}");
  EXPECT_EQ(r.label("GET", "/no/such/thing"), "other");
}

TEST(Router, TheServersTableIsTheOpenApiDocument) {
  auto server = ApiServer::create(ConfigFile{}, "sqlite::memory:", nullptr);
  ASSERT_TRUE(server) << server.error().message;
  const nlohmann::json doc = nlohmann::json::parse(openapi_document());
  std::set<std::pair<std::string, std::string>> routes, documented;
  for (const auto& r : server.value()->routes()) {
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    routes.insert({method, r.pattern});
    const auto& op = doc["paths"][r.pattern][method];
    // Routes that need a key say so (security: bearer), and public ones do not (security: []).
    const bool needs_key = op.contains("security") && !op["security"].empty();
    EXPECT_EQ(needs_key, !r.permission.empty() || r.pattern == "/mcp" ||
                             r.pattern == "/v1/proposals/{proposal_id}/{action}" ||
                             r.pattern.starts_with("/v1/approvals/{approval_id}/"))
        << method << " " << r.pattern;
  }
  for (const auto& [path, ops] : doc["paths"].items())
    for (const auto& [method, op] : ops.items()) documented.insert({method, path});
  EXPECT_EQ(routes, documented);
  EXPECT_GE(routes.size(), 26u);
}

}  // namespace
}  // namespace aegis

namespace aegis {
namespace {

std::pair<http::BodyDecoder::Status, std::string> decode(std::string_view in, uint64_t length,
                                                         bool chunked, size_t piece = 1000,
                                                         size_t limit = 64) {
  http::BodyDecoder d(length, chunked, limit, 32);
  std::string buffered, body;
  auto status = http::BodyDecoder::Status::kNeedMore;
  while (status == http::BodyDecoder::Status::kNeedMore && !in.empty()) {
    buffered.append(in.substr(0, piece));
    in.remove_prefix(std::min(piece, in.size()));
    size_t used = 0;
    status = d.feed(buffered, &used, &body);
    buffered.erase(0, used);
  }
  return {status, body};
}

TEST(BodyDecoder, ChunkedAndLengthBodiesInAnyPieces) {
  using S = http::BodyDecoder::Status;
  for (size_t piece : {1, 2, 3, 7, 1000}) {
    EXPECT_EQ(decode("5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\n", 0, true, piece),
              std::make_pair(S::kDone, std::string("hello world")))
        << piece;
    EXPECT_EQ(decode("hello", 5, false, piece), std::make_pair(S::kDone, std::string("hello")));
  }
  EXPECT_EQ(decode("5\nhello\n0\n\n", 0, true).first, S::kMalformed);  // bare LF
  EXPECT_EQ(decode("5\r\nhello\n0\r\n\r\n", 0, true).first, S::kMalformed);
  EXPECT_EQ(decode("5\rX\nhello", 0, true).first, S::kMalformed);  // bare CR
  EXPECT_EQ(decode("zz\r\n", 0, true).first, S::kMalformed);
  EXPECT_EQ(decode("+5\r\nhello\r\n0\r\n\r\n", 0, true).first, S::kMalformed);
  EXPECT_EQ(decode("fffffffffffffffffff\r\n", 0, true).first, S::kMalformed);  // > 60 bits
  EXPECT_EQ(decode(std::string(40, '1'), 0, true).first, S::kMalformed);       // overlong line
  EXPECT_EQ(decode("41\r\n", 0, true).first, S::kTooLarge);                    // 65 > 64
  EXPECT_EQ(decode("20\r\n" + std::string(32, 'a') + "\r\n21\r\n", 0, true).first,
            S::kTooLarge);  // the total counts
  EXPECT_EQ(decode(std::string(65, 'a'), 65, false).first, S::kTooLarge);
  EXPECT_EQ(decode("5\r\nhel", 0, true).first, S::kNeedMore);
}

}  // namespace
}  // namespace aegis
