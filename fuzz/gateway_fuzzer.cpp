// libFuzzer target for the MCP gateway's JSON-RPC path, both ways: the first byte of an input
// picks the side (even: the client's message, odd: the upstream's), the rest is the message.
// Every message the gateway sends the client must be a JSON-RPC 2.0 object; nothing may crash,
// throw or hang. The upstream is a real process that reads and discards what it is sent.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aegis/service/decision_service.h"
#include "gateway_internal.h"

namespace {

struct Fixture {
  aegis::GatewaySettings settings;
  std::unique_ptr<aegis::Store> store = aegis::Store::open("sqlite::memory:");
  std::unique_ptr<aegis::StoreDecisionService> service;
  std::unique_ptr<aegis::Gateway::Impl> gateway;

  Fixture() {
    settings.upstreams.push_back({"up", "/bin/sh", {"-c", "cat >/dev/null"}, {}, {}, std::nullopt});
    settings.rules.push_back({"all", std::nullopt, {"*"}, {}, {}, {"a"}});
    service = std::make_unique<aegis::StoreDecisionService>(aegis::AegisConfig(), store.get());
    gateway = std::make_unique<aegis::Gateway::Impl>(
        settings, service->service, *store, service->store_lock,
        [](std::string m) {
          const auto j = nlohmann::json::parse(m, nullptr, false);
          if (j.is_discarded() || !j.is_object() || j["jsonrpc"] != "2.0") std::abort();
        },
        [](const std::string&) {});
    if (gateway->start()) std::abort();
    // Initialized by hand: the gateway's requests 1 (initialize) and 2 (tools/list) answered.
    gateway->from_client(
        R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})");
    gateway->from_upstream(
        0,
        R"({"jsonrpc":"2.0","id":1,"result":{"capabilities":{"tools":{},"resources":{},"prompts":{}}}})");
    gateway->from_upstream(
        0,
        R"({"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}},{"name":"rm","annotations":{"destructiveHint":true}}]}})");
    gateway->from_client(R"({"jsonrpc":"2.0","method":"notifications/initialized"})");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture f;
  if (size == 0) return 0;
  const std::string_view message(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0)
    f.gateway->from_client(message);
  else
    f.gateway->from_upstream(0, std::string(message));
  return 0;
}
