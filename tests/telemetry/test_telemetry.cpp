// Telemetry sinks against a real HTTP(S) receiver on loopback (cpp-httplib): what arrives, in
// which shape, with which headers; batching by size and by time; retries; failures and a full
// queue are counted, never thrown; TLS peers are verified.
// GCC 12 reports a false -Wrestrict on std::string appends at -O3 (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "aegis/crypto/encoding.h"
#include "aegis/telemetry/telemetry.h"
#include "tests/common/paths.h"

namespace aegis {
namespace {

using namespace std::chrono_literals;

// Records every POST body it gets; answers `status` (a queue of statuses first, if any).
class Receiver {
 public:
  explicit Receiver(httplib::Server* server = nullptr)
      : owned_(server ? nullptr : new httplib::Server), http_(server ? *server : *owned_) {
    http_.Post("/events", [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock<std::mutex> g(lock_);
      gate_.wait(g, [this] { return open_; });
      bodies_.push_back(req.body);
      auth_.push_back(req.get_header_value("Authorization"));
      content_type_ = req.get_header_value("Content-Type");
      int status = 200;
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.erase(statuses_.begin());
      }
      res.status = status;
      arrived_.notify_all();
    });
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(1ms);  // else stop() could miss it
  }
  ~Receiver() {
    open(true);
    http_.stop();
    thread_.join();
  }
  std::string url(const char* scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + "/events";
  }
  void answer_first(std::vector<int> statuses) {
    std::lock_guard<std::mutex> g(lock_);
    statuses_ = std::move(statuses);
  }
  void open(bool on) {
    {
      std::lock_guard<std::mutex> g(lock_);
      open_ = on;
    }
    gate_.notify_all();
  }
  // Waits (up to 10 s) until `n` POSTs arrived; returns their bodies.
  std::vector<std::string> wait_for(size_t n) {
    std::unique_lock<std::mutex> g(lock_);
    arrived_.wait_for(g, 10s, [&] { return bodies_.size() >= n; });
    return bodies_;
  }
  std::vector<std::string> auth() {
    std::lock_guard<std::mutex> g(lock_);
    return auth_;
  }
  std::string content_type() {
    std::lock_guard<std::mutex> g(lock_);
    return content_type_;
  }

 private:
  std::unique_ptr<httplib::Server> owned_;
  httplib::Server& http_;
  int port_ = 0;
  std::thread thread_;
  std::mutex lock_;
  std::condition_variable arrived_, gate_;
  bool open_ = true;
  std::vector<std::string> bodies_, auth_;
  std::string content_type_;
  std::vector<int> statuses_;
};

TelemetryEvent event(int i) {
  TelemetryEvent e;
  e.event_id = std::string(1, 'e').append(std::to_string(i));
  e.event_type = "decision.made";
  e.timestamp = "2026-01-01T00:00:00.000Z";
  e.source = "test";
  e.payload = {{"i", i}};
  return e;
}

PCWContext ctx(double risk) {
  return PCWContext{.agent_id = "agent-7",
                    .session_id = "sess-1",
                    .proposal_summary = "p",
                    .estimated_impact = "low",
                    .risk_baseline = 0.2,
                    .risk_proposed = risk,
                    .novelty_score = 0.8,
                    .complexity_score = 0.8,
                    .quality_score = 0.8};
}

TEST(Telemetry, UrlsMustBeHttpsUnlessInsecureIsAllowed) {
  try {
    HTTPEventSink("http://127.0.0.1:9/events");
    FAIL() << "http accepted";
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.field(), "url");
  }
  EXPECT_THROW(BatchHTTPSink("ftp://x/y"), InvalidInputError);
  EXPECT_THROW(BatchHTTPSink("https://x/y", {}, 10s, 0), InvalidInputError);
  EXPECT_THROW(HTTPEventSink("https://x/y", {{"Bad\r\nHeader", "v"}}), InvalidInputError);
  EXPECT_NO_THROW(HTTPEventSink("http://127.0.0.1:9/events", {}, 10s, true));
  EXPECT_NO_THROW(HTTPEventSink("https://telemetry.example.com/events"));
}

TEST(Telemetry, OnePostPerEventWithTheHeaders) {
  Receiver r;
  HTTPEventSink sink(r.url(), {{"Authorization", "Bearer t0ken"}}, 5s, true);
  for (int i = 0; i < 3; ++i) sink.emit(event(i));
  sink.flush();
  const auto bodies = r.wait_for(3);
  ASSERT_EQ(bodies.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const auto j = nlohmann::json::parse(bodies[i]);
    EXPECT_EQ(j, event(i).to_json());
  }
  EXPECT_EQ(r.auth(), std::vector<std::string>(3, "Bearer t0ken"));
  EXPECT_EQ(r.content_type(), "application/json");
  EXPECT_EQ(sink.stats().sent, 3u);
}

TEST(Telemetry, BatchesBySizeThenByFlush) {
  Receiver r;
  BatchHTTPSink sink(r.url(), {}, 5s, 5, 60s, 1, 10ms, true);
  for (int i = 0; i < 12; ++i) sink.emit(event(i));
  r.wait_for(2);  // two full batches leave without a flush
  sink.flush();
  const auto bodies = r.wait_for(3);
  ASSERT_EQ(bodies.size(), 3u);
  std::vector<int> seen;
  std::vector<size_t> sizes;
  for (const auto& b : bodies) {
    const auto arr = nlohmann::json::parse(b);
    ASSERT_TRUE(arr.is_array());
    sizes.push_back(arr.size());
    for (const auto& e : arr) seen.push_back(e["payload"]["i"]);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 5, 2}));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_EQ(sink.stats().sent, 12u);
}

TEST(Telemetry, BatchesByInterval) {
  Receiver r;
  BatchHTTPSink sink(r.url(), {}, 5s, 100, 200ms, 1, 10ms, true);
  for (int i = 0; i < 3; ++i) sink.emit(event(i));
  const auto bodies = r.wait_for(1);  // no flush: the interval sends them
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(bodies[0]).size(), 3u);
}

TEST(Telemetry, RetriesThenCountsFailures) {
  Receiver r;
  r.answer_first({500});
  BatchHTTPSink retrying(r.url(), {}, 5s, 2, 60s, 1, 10ms, true);
  retrying.emit(event(1));
  retrying.emit(event(2));
  retrying.flush();
  EXPECT_EQ(r.wait_for(2).size(), 2u);  // the failed POST and its retry
  EXPECT_EQ(retrying.stats().sent, 2u);
  EXPECT_EQ(retrying.stats().failed, 0u);

  r.answer_first({503});
  HTTPEventSink once(r.url(), {}, 5s, true);  // fire and forget: no retry
  once.emit(event(3));
  once.flush();
  EXPECT_EQ(once.stats().failed, 1u);
}

TEST(Telemetry, AnUnreachableReceiverNeverReachesTheDecision) {
  int port = 0;
  {
    Receiver gone;  // a port that was just free: nothing listens there now
    port = std::stoi(gone.url().substr(17, gone.url().find('/', 17) - 17));
  }
  auto sink =
      http_sink("http://127.0.0.1:" + std::to_string(port) + "/events", std::nullopt, {}, 2s, true);
  TelemetryEmitter emitter("svc");
  emitter.add_sink(sink);
  const PCWDecision d = pcw_decide(ctx(0.2), {.telemetry_emitter = &emitter});
  EXPECT_EQ(d.status, PCWStatus::PROCEED);
  emitter.flush();
  EXPECT_GT(emitter.lost(), 0u);
  EXPECT_EQ(sink->stats().sent, 0u);
}

TEST(Telemetry, AFullQueueDropsAndCounts) {
  Receiver r;
  r.open(false);  // the receiver holds the first POST
  auto sink = std::make_shared<HTTPEventSink>(r.url(), Headers{}, 30s, true);
  for (int i = 0; i < 10'010; ++i) sink->emit(event(i));  // never blocks
  EXPECT_GE(sink->stats().dropped, 9u);
  r.open(true);
  sink->close();
  EXPECT_EQ(sink->stats().sent + sink->stats().dropped + sink->stats().failed, 10'010u);
  sink->emit(event(0));  // after close: dropped
  EXPECT_GE(sink->stats().dropped, 10u);
}

TEST(Telemetry, ACallbackSinkDeliversOnItsOwnThreadAndCountsWhatThrows) {
  std::mutex m;
  std::vector<std::string> got;
  std::set<std::thread::id> threads;
  int flushed = 0, closed = 0;
  CallbackSink sink(
      [&](const std::string& json) {
        const auto e = nlohmann::json::parse(json);
        if (e["event_type"] == "boom") throw std::runtime_error("receiver down");
        std::lock_guard<std::mutex> g(m);
        got.push_back(e["event_id"]);
        threads.insert(std::this_thread::get_id());
        return e["event_type"] != "refused";
      },
      [&] { ++flushed; }, [&] { ++closed; });
  sink.emit(event(1));
  TelemetryEvent boom = event(2), refused = event(3);
  boom.event_type = "boom";
  refused.event_type = "refused";
  sink.emit(boom);
  sink.emit(refused);
  sink.emit(event(4));
  sink.flush();
  EXPECT_EQ(flushed, 1);
  {
    std::lock_guard<std::mutex> g(m);
    EXPECT_EQ(got, (std::vector<std::string>{"e1", "e3", "e4"}));  // in order; boom threw
    EXPECT_EQ(threads.size(), 1u);
    EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
  }
  EXPECT_EQ(sink.stats().sent, 2u);
  EXPECT_EQ(sink.stats().failed, 2u);  // the throw and the false
  sink.close();
  sink.close();
  EXPECT_EQ(closed, 1);
  sink.emit(event(5));
  EXPECT_EQ(sink.stats().dropped, 1u);
  EXPECT_THROW(CallbackSink(CallbackSink::Deliver{}), InvalidInputError);
}

TEST(Telemetry, EmitterTurnsDecisionsIntoEvents) {
  Receiver r;
  auto sink = http_sink(r.url(), 1000, {}, 5s, true);
  TelemetryEmitter emitter("my-service");
  emitter.add_sink(sink);
  const PCWDecision d = pcw_decide(ctx(0.9), {.telemetry_emitter = &emitter});
  pcw_decide(ctx(0.2), {.shadow_mode = true, .telemetry_emitter = &emitter});
  emitter.flush();
  const auto bodies = r.wait_for(1);
  ASSERT_EQ(bodies.size(), 1u);
  const auto events = nlohmann::json::parse(bodies[0]);
  ASSERT_GE(events.size(), 2u);
  const auto& made = events[0];
  EXPECT_EQ(made["event_type"], "decision.made");
  EXPECT_EQ(made["source"], "my-service");
  EXPECT_EQ(made["agent_id"], "agent-7");
  EXPECT_EQ(made["session_id"], "sess-1");
  EXPECT_EQ(made["decision_id"], d.decision_id);
  EXPECT_EQ(made["payload"]["status"], "halt");
  EXPECT_EQ(made["payload"]["failing_gates"], nlohmann::json(d.failing_gates));
  EXPECT_EQ(made["event_id"].get<std::string>().size(), 36u);
  int gates = 0, shadow = 0;
  for (const auto& e : events) {
    gates += e["event_type"] == "gate.evaluated" && e["decision_id"] == d.decision_id;
    shadow += e["event_type"] == "decision.shadow";
  }
  EXPECT_EQ(gates, d.gate_evaluation->evaluated_count());
  EXPECT_EQ(shadow, 1);
}

TEST(Telemetry, HttpsPeersAreVerified) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("aegis-tls-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  httplib::SSLServer tls(cert.c_str(), key.c_str());
  ASSERT_TRUE(tls.is_valid());
  Receiver r(&tls);

  unsetenv("SSL_CERT_FILE");
  HTTPEventSink untrusted(r.url("https"), {}, 5s);
  untrusted.emit(event(1));
  untrusted.flush();
  EXPECT_EQ(untrusted.stats().failed, 1u);  // a self-signed peer is refused

  setenv("SSL_CERT_FILE", cert.c_str(), 1);
  HTTPEventSink trusted(r.url("https"), {}, 5s);
  trusted.emit(event(2));
  trusted.flush();
  unsetenv("SSL_CERT_FILE");
  EXPECT_EQ(trusted.stats().sent, 1u);
  const auto bodies = r.wait_for(1);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(bodies[0])["payload"]["i"], 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aegis

namespace aegis {
namespace {

// Encrypted personal fields, end to end: what the receiver gets holds none of the personal
// values; each event opens with the private key (here, and independently with npm @hpke/core +
// WebCrypto AES-GCM); a new epoch (a new encapsulation) starts after the configured count; a
// changed event does not open.
TEST(TelemetryEncryption, PersonalFieldsLeaveSealedAndOpenElsewhere) {
  const auto sk = crypto::xwing::generate_private_key();
  const auto pk = crypto::xwing::public_key(sk);
  Receiver r;
  auto sink = http_sink(r.url(), 1000, {}, 5s, true);
  TelemetryEmitter emitter("my-service", std::string(pk.begin(), pk.end()),
                           TelemetryEpoch{.max_events = 4});
  ASSERT_TRUE(emitter.encrypting());
  emitter.add_sink(sink);
  for (int i = 0; i < 5; ++i)
    emitter.emit("override.requested",
                 {{"override_id", "o" + std::to_string(i)},
                  {"requested_by", "alice@example.com"},
                  {"reason", "hotfix for customer Jane Roe"},
                  {"metadata", {{"ticket", "PRIV-4242"}}},
                  {"proposal_summary", "drop table customers_secret"}},
                 "agent-secret-7", "session-secret-9", "d" + std::to_string(i));
  emitter.flush();
  const auto bodies = r.wait_for(1);
  ASSERT_EQ(bodies.size(), 1u);
  for (const char* personal : {"alice@example.com", "Jane Roe", "PRIV-4242", "customers_secret",
                               "agent-secret-7", "session-secret-9"})
    EXPECT_EQ(bodies[0].find(personal), std::string::npos) << personal;
  const auto events = nlohmann::json::parse(bodies[0]);
  ASSERT_EQ(events.size(), 5u);
  std::set<std::string> encs;
  EventDecryptor open(sk);
  for (const auto& e : events) {
    EXPECT_FALSE(e.contains("agent_id"));
    EXPECT_EQ(e["encrypted"]["alg"], "hpke-xwing-export-aes256gcm");
    EXPECT_EQ(e["payload"]["override_id"].get<std::string>()[0], 'o');  // not personal: clear
    encs.insert(e["encrypted"]["enc"].get<std::string>());
    auto back = open.decrypt(e);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back.value()["agent_id"], "agent-secret-7");
    EXPECT_EQ(back.value()["payload"]["requested_by"], "alice@example.com");
    EXPECT_EQ(back.value()["payload"]["metadata"]["ticket"], "PRIV-4242");
    EXPECT_FALSE(back.value().contains("encrypted"));
  }
  EXPECT_EQ(encs.size(), 2u);  // 4 events, then a new epoch
  EXPECT_EQ(emitter.encryptor()->epochs(), 2u);
  // Another event's id as aad (a moved ciphertext), or another key, does not open.
  auto moved = events[1];
  moved["encrypted"] = events[0]["encrypted"];
  EXPECT_FALSE(open.decrypt(moved));
  EventDecryptor stranger(crypto::xwing::generate_private_key());
  EXPECT_FALSE(stranger.decrypt(events[0]));

  // Independently: @hpke/core (export) and WebCrypto AES-GCM.
  const std::string file = ::testing::TempDir() + "/telemetry_events.json";
  std::ofstream(file) << bodies[0];
  std::string cmd = "node ";
  cmd += aegis::test::source_dir();
  cmd += "/tests/kem/telemetry_open.mjs ";
  cmd += file;
  cmd += ' ';
  cmd += crypto::to_hex(sk.data(), sk.size());
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << out;
  std::istringstream lines(out);
  std::string line;
  int opened = 0;
  while (std::getline(lines, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["fields"]["session_id"], "session-secret-9");
    EXPECT_EQ(j["fields"]["reason"], "hotfix for customer Jane Roe");
    ++opened;
  }
  EXPECT_EQ(opened, 5);
}

TEST(TelemetryEncryption, AMalformedKeyIsAnErrorNotCleartext) {
  EXPECT_THROW(TelemetryEmitter("s", std::string("not a key")), InvalidInputError);
  setenv("AEGIS_MASTER_KEK_PUBLIC", "AAAA", 1);
  EXPECT_THROW(TelemetryEmitter("s"), InvalidInputError);
  unsetenv("AEGIS_MASTER_KEK_PUBLIC");
  EXPECT_FALSE(TelemetryEmitter("s").encrypting());
}

}  // namespace
}  // namespace aegis
