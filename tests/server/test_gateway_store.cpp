// The gateway fails closed: when the decision cannot be recorded, or the policy cannot be
// evaluated, the call does not reach the upstream — checked by the real server-memory's file.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "aegis/core/errors.h"
#include "aegis/server/gateway.h"
#include "aegis/store/errors.h"
#include "tests/common/forwarding_store.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A real store whose appends fail while `fail` is set (as a full disk would).
class BreakableStore : public test::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  std::atomic<bool> fail{false};
  void append_linked(LinkedGroup& group) override {
    if (fail) throw_error(Error(errors::kStoreSqlite, "", "disk full"));
    ForwardingStore::append_linked(group);
  }
};

// The client's side of an in-process gateway: what it was sent, by id.
class Client {
 public:
  void receive(std::string m) {
    std::lock_guard<std::mutex> l(mu_);
    got_.push_back(json::parse(m));
    cv_.notify_all();
  }
  json answer(const json& id) {
    std::unique_lock<std::mutex> l(mu_);
    json found;
    cv_.wait_for(l, std::chrono::seconds(60), [&] {
      for (const auto& m : got_)
        if (m.contains("id") && m["id"] == id && !m.contains("method")) found = m;
      return !found.is_null();
    });
    return found;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<json> got_;
};

std::string call(int id, const std::string& tool, const json& args) {
  return json{{"jsonrpc", "2.0"},
              {"id", id},
              {"method", "tools/call"},
              {"params", {{"name", tool}, {"arguments", args}}}}
      .dump();
}

TEST(GatewayFailsClosed, AStoreFailureOrAnUnplaceablePathIsNeverForwarded) {
  const fs::path dir = fs::temp_directory_path() / ("aegis-gw-store-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string memory_file = (dir / "memory.jsonl").string();
  GatewaySettings settings;
  settings.upstreams.push_back(
      {"memory",
       "node",
       {test::source_dir() +
        "/tests/gateway/node_modules/@modelcontextprotocol/server-memory/dist/index.js"},
       {{"MEMORY_FILE_PATH", memory_file}},
       {"PATH"},
       std::nullopt});
  GatewayPredicate inside{{"path"}, GatewayPredicate::Op::kInside, nullptr, "/srv", nullptr, 0, 0};
  settings.rules.push_back({"paths", "memory", {"create_relations"}, {inside}, {}, {}});
  BreakableStore store(Store::open("sqlite:" + (dir / "gw.db").string()));
  StoreDecisionService service(AegisConfig(), &store);
  Client client;
  Gateway gateway(
      settings, service.service, store, service.store_lock,
      [&](std::string m) { client.receive(std::move(m)); }, [](const std::string&) {});
  ASSERT_FALSE(gateway.start());
  gateway.from_client(
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  ASSERT_TRUE(client.answer(1).contains("result")) << client.answer(1);
  gateway.from_client(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");

  const json entity = {
      {"entities", {{{"name", "ada"}, {"entityType", "person"}, {"observations", json::array()}}}}};
  store.fail = true;
  gateway.from_client(call(2, "memory__create_entities", entity));
  const json refused = client.answer(2);
  ASSERT_TRUE(refused.contains("result")) << refused;
  EXPECT_EQ(refused["result"]["isError"], true);
  EXPECT_EQ(refused["result"]["_meta"]["aegis/decision"]["refused"], "gateway.store");
  EXPECT_FALSE(fs::exists(memory_file)) << "an unrecorded call reached the upstream";

  store.fail = false;
  // The path argument is relative and the upstream has no cwd: the policy cannot place it.
  gateway.from_client(
      call(3, "memory__create_relations", {{"path", "x"}, {"relations", json::array()}}));
  EXPECT_EQ(client.answer(3)["result"]["_meta"]["aegis/decision"]["refused"], "gateway.policy");

  gateway.from_client(call(4, "memory__create_entities", entity));
  const json done = client.answer(4);
  EXPECT_FALSE(done["result"].contains("isError")) << done;
  std::stringstream written;
  written << std::ifstream(memory_file).rdbuf();
  EXPECT_NE(written.str().find("ada"), std::string::npos);

  // Params of the wrong shape are answered with an error, never a crash.
  gateway.from_client(
      R"({"jsonrpc":"2.0","id":5,"method":"completion/complete","params":{"ref":"x"}})");
  EXPECT_EQ(client.answer(5)["error"]["code"], -32602) << client.answer(5);

  std::map<std::string, uint64_t> counts;
  for (const auto& c : gateway.call_counts()) counts[c.tool + ":" + c.status] = c.count;
  EXPECT_EQ(counts["create_entities:refused"], 1u);
  EXPECT_EQ(counts["create_entities:proceed"], 1u);
  EXPECT_EQ(counts["create_relations:refused"], 1u);
}

}  // namespace
}  // namespace aegis
