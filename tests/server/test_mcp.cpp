// JSON-RPC handling of the MCP server: errors, notifications, versions, rate limit.
#include <gtest/gtest.h>

#include "aegis/mcp.h"

namespace aegis {
namespace {

using nlohmann::json;

json call(McpServer& s, const std::string& msg) {
  const auto r = s.handle(msg);
  EXPECT_TRUE(r.has_value()) << msg;
  return r ? json::parse(*r) : json();
}

TEST(Mcp, JsonRpcErrors) {
  McpServer s{AegisConfig()};
  EXPECT_EQ(call(s, "nope")["error"]["code"], -32700);
  EXPECT_EQ(call(s, "[1,2]")["error"]["code"], -32600);
  EXPECT_EQ(call(s, R"({"id":1,"method":"ping"})")["error"]["code"], -32600);
  EXPECT_EQ(call(s, R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})")["error"]["code"], -32600);
  EXPECT_EQ(call(s, R"({"jsonrpc":"2.0","id":2,"method":"frobnicate"})")["error"]["code"], -32601);
  EXPECT_EQ(
      call(s, R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":[]})")["error"]["code"],
      -32602);
  EXPECT_EQ(
      call(s, R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"x"}})")["error"]
                                                                                        ["code"],
      -32602);
  const json ok = call(s, R"({"jsonrpc":"2.0","id":"a","method":"ping"})");
  EXPECT_EQ(ok["id"], "a");
  EXPECT_EQ(ok["result"], json::object());
  // Notifications get no response, well-formed or not.
  EXPECT_FALSE(s.handle(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").has_value());
  EXPECT_FALSE(s.handle(R"({"method":"x"})").has_value());
}

TEST(Mcp, ProtocolVersionNegotiation) {
  McpServer s{AegisConfig()};
  for (const auto& v : McpServer::supported_protocol_versions()) {
    const json r = call(s, json{{"jsonrpc", "2.0"},
                                {"id", 1},
                                {"method", "initialize"},
                                {"params", {{"protocolVersion", v}}}}
                               .dump());
    EXPECT_EQ(r["result"]["protocolVersion"], v);
    EXPECT_EQ(r["result"]["serverInfo"]["name"], "aegis-governance");
  }
  const json r = call(
      s,
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999-01-01"}})");
  EXPECT_EQ(r["result"]["protocolVersion"], McpServer::supported_protocol_versions().back());
}

TEST(Mcp, RateLimitWindowWithInjectedClock) {
  AegisParameters p;
  p.mcp_rate_limit = 2;
  auto now = std::chrono::steady_clock::time_point{};
  McpServer s(AegisConfig(p), nullptr, [&] { return now; });
  const std::string msg =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aegis_crypto_status"}})";
  EXPECT_FALSE(call(s, msg)["result"].contains("isError"));
  EXPECT_FALSE(call(s, msg)["result"].contains("isError"));
  EXPECT_EQ(call(s, msg)["result"]["isError"], true);
  now += std::chrono::seconds(61);
  EXPECT_FALSE(call(s, msg)["result"].contains("isError"));
}

TEST(Mcp, EvaluateNeverProceedsOnBadInput) {
  McpServer s{AegisConfig()};
  for (const char* args : {R"({"risk_proposed":"0.3"})", R"({"risk_proposed":1e999})",
                           R"({"novelty_score":-1})", R"({"unknown":1})"}) {
    const std::string msg =
        std::string(
            R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aegis_evaluate_proposal","arguments":)") +
        args + "}}";
    const json r = call(s, msg);
    if (r.contains("error")) continue;  // not even JSON
    EXPECT_EQ(r["result"]["isError"], true) << args;
    EXPECT_FALSE(r["result"]["structuredContent"].contains("status")) << args;
  }
}

}  // namespace
}  // namespace aegis
