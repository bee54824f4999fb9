// JSON-RPC handling of the MCP server: errors, notifications, versions, batches, rate limit,
// the caller's permissions and strict tool arguments.
// GCC 12 reports a false -Wrestrict on std::string concatenation at -O3 (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "aegis/server/mcp.h"
#include "aegis/workflow/rbac.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

using nlohmann::json;

json call(McpServer& s, const std::string& msg) {
  const auto r = s.handle(msg);
  EXPECT_TRUE(r.has_value()) << msg;
  return r ? json::parse(*r) : json();
}

std::string init(const char* version) {
  return json{{"jsonrpc", "2.0"},
              {"id", 0},
              {"method", "initialize"},
              {"params", {{"protocolVersion", version}}}}
      .dump();
}

// A server whose stdio session is initialized.
McpServer& ready(McpServer& s) {
  call(s, init("2025-06-18"));
  return s;
}

TEST(Mcp, JsonRpcErrors) {
  McpServer s{AegisConfig()};
  ready(s);
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
  ready(s);
  const std::string msg =
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aegis_crypto_status"}})";
  EXPECT_FALSE(call(s, msg)["result"].contains("isError"));
  EXPECT_FALSE(call(s, msg)["result"].contains("isError"));
  EXPECT_EQ(call(s, msg)["result"]["isError"], true);
  now += std::chrono::seconds(61);
  EXPECT_FALSE(call(s, msg)["result"].contains("isError"));
}

// The key-management flags are true (built in), and each provider says whether it is configured
// and, when it is, working — nothing secret.
TEST(Mcp, EveryToolSaysWhichWayEachGatePasses) {
  McpServer s{AegisConfig()};
  ready(s);
  const json tools =
      call(s, R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})")["result"]["tools"];
  std::ifstream in(aegis::test::source_dir() + "/schema/context.schema.json");
  std::stringstream text;
  text << in.rdbuf();
  const json schema = json::parse(text.str())["properties"];
  const json* props = nullptr;
  for (const json& t : tools)
    if (t["name"] == "aegis_evaluate_proposal") props = &t["inputSchema"]["properties"];
  ASSERT_NE(props, nullptr);
  // The input schema's words are the context schema's, so the two cannot disagree.
  for (const char* f : {"risk_baseline", "risk_proposed", "profit_proposed", "novelty_score",
                        "complexity_score", "quality_score"}) {
    ASSERT_TRUE(schema[f].contains("description")) << f;
    EXPECT_EQ((*props)[f]["description"], schema[f]["description"]) << f;
  }
  const std::string novelty = (*props)["novelty_score"]["description"];
  EXPECT_NE(novelty.find("passes only for HIGH values: from 0.7406 up"), std::string::npos)
      << novelty;
  auto guide = [](McpServer& server, const char* domain) -> std::string {
    const json r = call(
        server,
        json{{"jsonrpc", "2.0"},
             {"id", 2},
             {"method", "tools/call"},
             {"params", {{"name", "aegis_get_scoring_guide"}, {"arguments", {{"domain", domain}}}}}}
            .dump());
    return r["result"]["structuredContent"]["guide"];
  };
  for (const char* domain : {"generic", "cicd", "trading", "moderation", "agents"}) {
    const std::string g = guide(s, domain);
    EXPECT_NE(g.find("novelty_score HIGH (from 0.7406 up"), std::string::npos) << domain << g;
    EXPECT_NE(g.find("risk_proposed LOW (over a risk_baseline of 0.1 it passes up to 0.4419"),
              std::string::npos)
        << domain << g;
  }
  // The guide's bounds are the server's configuration's, not the defaults'.
  const auto lowered = AegisConfig::parse_yaml("novelty_N0: 0\n", "c.yaml");
  ASSERT_TRUE(lowered) << lowered.error().message;
  McpServer t{lowered.value()};
  ready(t);
  EXPECT_NE(guide(t, "agents").find("novelty_score HIGH (from 0.04055 up"), std::string::npos)
      << guide(t, "agents");
}

TEST(Mcp, CryptoStatusReportsTheFlagsAndTheProviders) {
  McpServer s{AegisConfig()};
  ready(s);
  const json r = call(
      s,
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aegis_crypto_status"}})");
  const json& st = r["result"]["structuredContent"];
  EXPECT_EQ(st["HYBRID_KEM_AVAILABLE"], true);
  EXPECT_EQ(st["KMS_KEK_AVAILABLE"], true);
  EXPECT_EQ(st["HSM_KEK_AVAILABLE"], true);
  ASSERT_EQ(st["providers"].size(), 4u);
  EXPECT_EQ(st["providers"][3]["type"], "in_memory");
  EXPECT_EQ(st["providers"][3]["working"], true);
  EXPECT_EQ(st["providers"][0]["type"], "kms");
}

TEST(Mcp, EvaluateNeverProceedsOnBadInput) {
  McpServer s{AegisConfig()};
  ready(s);
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

namespace aegis {
namespace {

using nlohmann::json;

TEST(Mcp, EnvelopeConformance) {
  McpServer s{AegisConfig()};
  ready(s);
  // jsonrpc must be the string "2.0"; a number is an invalid request, not an internal error.
  const json r = call(s, R"({"jsonrpc":2.0,"id":1,"method":"ping"})");
  EXPECT_EQ(r["error"]["code"], -32600);
  EXPECT_EQ(r["id"], 1);
  EXPECT_EQ(
      call(s, R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":5}})")
          ["error"]["code"],
      -32602);
  EXPECT_EQ(
      call(s, R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{}})")["error"]["code"],
      -32602);
  // The strict reader: duplicate keys anywhere, NaN, over-deep arguments.
  const json dup = call(s, R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})");
  EXPECT_EQ(dup["error"]["code"], -32700);
  EXPECT_EQ(dup["error"]["data"]["detail"], "json.duplicate_key");
  EXPECT_TRUE(dup["id"].is_null());
  const json nan = call(
      s,
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aegis_quick_risk_check","arguments":{"risk_score":NaN}}})");
  EXPECT_EQ(nan["error"]["code"], -32700);
  const json range = call(
      s,
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"aegis_quick_risk_check","arguments":{"action_description":"x","risk_score":1e400}}})");
  EXPECT_EQ(range["error"]["data"]["detail"], "json.number_out_of_range");
  EXPECT_EQ(range["error"]["data"]["field"], "risk_score");  // relative to the arguments
  for (const json& reply : {r, dup, nan, range})
    EXPECT_EQ(reply.dump().find("json.exception"), std::string::npos) << reply.dump();
}

TEST(Mcp, BatchesOnlyWithTheVersionThatHasThem) {
  const std::string batch =
      R"([{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/x"},)"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/list"},5])";
  McpServer old_client{AegisConfig()};
  call(old_client, init("2025-03-26"));
  const json replies = call(old_client, batch);
  ASSERT_TRUE(replies.is_array());
  ASSERT_EQ(replies.size(), 3u);  // the notification gets none; 5 is an invalid request
  EXPECT_EQ(replies[0]["id"], 1);
  EXPECT_TRUE(replies[1]["result"].contains("tools"));
  EXPECT_EQ(replies[2]["error"]["code"], -32600);
  EXPECT_EQ(call(old_client, "[]")["error"]["code"], -32600);
  EXPECT_FALSE(old_client.handle(R"([{"jsonrpc":"2.0","method":"notifications/x"}])").has_value());
  EXPECT_EQ(call(old_client,
                 std::string(1, '[').append(init("2025-03-26")).append("]"))[0]["error"]["code"],
            -32600);
  McpServer new_client{AegisConfig()};
  call(new_client, init("2025-06-18"));
  EXPECT_EQ(call(new_client, batch)["error"]["code"], -32600);
  // HTTP: the request's MCP-Protocol-Version header decides, else the session's version.
  McpServer http{AegisConfig()};
  const auto opened = http.handle_http(init("2025-03-26"), "", "");
  ASSERT_FALSE(opened.session_id.empty());
  const auto& id = opened.session_id;
  EXPECT_TRUE(json::parse(*http.handle_http(batch, "2025-03-26", id).body).is_array());
  EXPECT_TRUE(json::parse(*http.handle_http(batch, "", id).body).is_array());
  EXPECT_EQ(json::parse(*http.handle_http(batch, "2025-11-25", id).body)["error"]["code"], -32600);
}

// The lifecycle: only initialize and ping before initialize (stdio and HTTP sessions), and
// params hold only the keys the method defines.
TEST(Mcp, NothingButInitializeAndPingBeforeInitialize) {
  const std::string list = R"({"jsonrpc":"2.0","id":7,"method":"tools/list"})";
  const std::string decide =
      R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"aegis_evaluate_proposal",)"
      R"("arguments":{"risk_proposed":0.1}}})";
  McpServer s{AegisConfig()};
  for (const std::string& m : {list, decide}) {
    const json r = call(s, m);
    EXPECT_EQ(r["error"]["code"], -32600) << m;
    EXPECT_FALSE(r.contains("result"));
  }
  EXPECT_EQ(call(s, R"({"jsonrpc":"2.0","id":9,"method":"ping"})")["result"], json::object());
  call(s, init("2025-06-18"));
  EXPECT_TRUE(call(s, list)["result"].contains("tools"));
  EXPECT_EQ(call(s, decide)["result"]["structuredContent"]["status"], "halt");
  // Unknown keys beside arguments (or in any method's params) are refused like unknown arguments.
  for (const std::string& m :
       {std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":)"
                    R"("aegis_evaluate_proposal","arguments":{"risk_proposed":0.1},"dry":true}})"),
        std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"page":2}})"),
        std::string(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":1}})")}) {
    const json r = call(s, m);
    EXPECT_EQ(r["error"]["code"], -32602) << m;
    EXPECT_EQ(r["error"]["data"]["detail"], "json.unknown_field") << m;
  }
  EXPECT_FALSE(call(s, R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{}}})")
                   .contains("error"));

  // HTTP sessions: none is 400, an unknown, another caller's, an ended or an idle one is 404.
  auto now = std::chrono::steady_clock::time_point{};
  RBACEnforcer rbac;
  rbac.assign("a", ActorRole::PROPOSER);
  rbac.assign("b", ActorRole::PROPOSER);
  const McpCaller a{"a", &rbac}, b{"b", &rbac};
  McpServer h(AegisConfig(), nullptr, [&] { return now; });
  auto no_session = h.handle_http(decide, "2025-06-18", "", &a);
  EXPECT_EQ(no_session.status, 400);
  EXPECT_EQ(json::parse(*no_session.body)["error"]["code"], -32600);
  EXPECT_EQ(h.handle_http(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", "", "", &a).status, 200);
  const auto opened = h.handle_http(init("2025-06-18"), "", "", &a);
  ASSERT_EQ(opened.status, 200);
  ASSERT_EQ(opened.session_id.size(), 36u);
  const auto ok = h.handle_http(decide, "2025-06-18", opened.session_id, &a);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(json::parse(*ok.body)["result"]["structuredContent"]["status"], "halt");
  EXPECT_EQ(h.handle_http(decide, "", "no-such-session", &a).status, 404);
  EXPECT_EQ(h.handle_http(decide, "", opened.session_id, &b).status, 404);
  EXPECT_FALSE(h.end_session(opened.session_id, &b));
  now += McpServer::kSessionIdle - std::chrono::seconds(1);
  EXPECT_EQ(h.handle_http(decide, "", opened.session_id, &a).status, 200);  // used: kept alive
  now += McpServer::kSessionIdle;
  EXPECT_EQ(h.handle_http(decide, "", opened.session_id, &a).status, 404);  // idle: ended
  const auto again = h.handle_http(init("2025-06-18"), "", "", &a);
  EXPECT_TRUE(h.end_session(again.session_id, &a));
  EXPECT_EQ(h.handle_http(decide, "", again.session_id, &a).status, 404);
}

// Without a store, decisions kept in memory are listed as a store lists them: newest first, the
// other order on request, with the HTTP route's filters and a cursor.
TEST(Mcp, ListingIsNewestFirstWithFiltersInMemoryToo) {
  McpServer s{AegisConfig()};
  ready(s);
  auto tool = [&](const char* name, const std::string& args) {
    return call(s,
                std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")") +
                    name + R"(","arguments":)" + args + "}}")["result"];
  };
  const std::string proceed =
      R"({"agent_id":"b","risk_proposed":0.01,"novelty_score":0.9,"complexity_score":0.9,)"
      R"("quality_score":0.9,"quality_subscores":[0.9]})";
  std::vector<std::string> ids;
  for (const std::string& ctx : {std::string(R"({"agent_id":"a","risk_proposed":0.9})"), proceed,
                                 std::string(R"({"agent_id":"a","risk_proposed":0.8})")})
    ids.push_back(tool("aegis_evaluate_proposal", ctx)["structuredContent"]["decision_id"]);
  const auto listed = [&](const std::string& args) {
    const json result = tool("aegis_list_decisions", args);  // kept: the loop reads into it
    std::vector<std::string> out;
    for (const auto& d : result["structuredContent"]["decisions"]) out.push_back(d["decision_id"]);
    return out;
  };
  EXPECT_EQ(listed("{}"), (std::vector<std::string>{ids[2], ids[1], ids[0]}));
  EXPECT_EQ(listed(R"({"order":"asc"})"), ids);
  EXPECT_EQ(listed(R"({"status":"halt"})"), (std::vector<std::string>{ids[2], ids[0]}));
  EXPECT_EQ(listed(R"({"agent_id":"b"})"), (std::vector<std::string>{ids[1]}));
  EXPECT_EQ(listed(R"({"failing_gate":"risk","order":"asc"})"),
            (std::vector<std::string>{ids[0], ids[2]}));
  const json page = tool("aegis_list_decisions", R"({"limit":2})")["structuredContent"];
  ASSERT_TRUE(page["next_cursor"].is_string());
  EXPECT_EQ(listed(R"({"limit":2,"cursor":")" + page["next_cursor"].get<std::string>() + R"("})"),
            (std::vector<std::string>{ids[0]}));
  for (const char* bad :
       {R"({"order":"newest"})", R"({"status":"ok"})", R"({"failing_gate":"x"})",
        R"({"since":"yesterday"})", R"({"agent_id":""})", R"({"agent_id":"a\u0000b"})"})
    EXPECT_EQ(tool("aegis_list_decisions", bad)["isError"], true) << bad;
}

TEST(Mcp, TheConfiguredCallerNeedsItsPermissions) {
  RBACEnforcer rbac;
  rbac.assign("agent-7", ActorRole::ANALYST);
  McpServer s(AegisConfig(), nullptr, {}, {"agent-7", &rbac});
  ready(s);
  auto tool = [&](const char* name, const char* args) {
    return call(s,
                std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")") +
                    name + R"(","arguments":)" + args + "}}")["result"];
  };
  const json denied = tool("aegis_evaluate_proposal", R"({"risk_proposed":0.1})");
  EXPECT_EQ(denied["isError"], true);
  EXPECT_EQ(denied["structuredContent"]["error"]["code"], "forbidden");
  EXPECT_EQ(
      tool("aegis_quick_risk_check", R"({"action_description":"x","risk_score":0.1})")["isError"],
      true);
  EXPECT_FALSE(tool("aegis_list_decisions", "{}").contains("isError"));
  EXPECT_FALSE(tool("aegis_check_thresholds", "{}").contains("isError"));
  rbac.assign("agent-7", ActorRole::PROPOSER);
  EXPECT_EQ(
      tool("aegis_evaluate_proposal", R"({"risk_proposed":0.1})")["structuredContent"]["status"],
      "halt");
}

TEST(Mcp, ToolArgumentsAreStrict) {
  McpServer s{AegisConfig()};
  ready(s);
  auto tool = [&](const char* name, const char* args) {
    return call(s,
                std::string(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")") +
                    name + R"(","arguments":)" + args + "}}")["result"];
  };
  for (const auto& [name, args, field] :
       std::vector<std::tuple<const char*, const char*, const char*>>{
           {"aegis_list_decisions", R"({"limit":"5"})", "limit"},
           {"aegis_list_decisions", R"({"limit":2.5})", "limit"},
           {"aegis_list_decisions", R"({"cursor":"5abc"})", "cursor"},
           {"aegis_list_decisions", R"({"page":1})", "page"},
           {"aegis_quick_risk_check", R"({"action_description":"x","risk_score":true})",
            "risk_score"},
           {"aegis_quick_risk_check",
            R"({"action_description":"x","risk_score":0.1,"threshold":"h"})", "threshold"},
           {"aegis_get_scoring_guide", R"({"domain":3})", "domain"},
           {"aegis_crypto_status", R"({"verbose":true})", "verbose"},
           {"aegis_get_decision", R"({"decision_id":7})", "decision_id"}}) {
    const json r = tool(name, args);
    EXPECT_EQ(r["isError"], true) << name << args;
    EXPECT_EQ(r["structuredContent"]["error"]["field"], field) << name << args;
    EXPECT_EQ(r.dump().find("json.exception"), std::string::npos) << r.dump();
  }
  const json drift = tool("aegis_evaluate_proposal",
                          R"({"risk_proposed":0.3,"drift_baseline_data":[0.3,0.3,0.3,0.3,0.3,0.3,)"
                          R"(0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3,)"
                          R"(0.3,0.3,0.3,0.3,0.3,0.3,0.3]})");
  EXPECT_EQ(drift["structuredContent"]["drift_result"]["n_baseline"], 30);
}

}  // namespace
}  // namespace aegis
