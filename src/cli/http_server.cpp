#include "http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace aegis::cli {
namespace {

// One thread per connection being served, grown on demand up to a cap. cpp-httplib serves a
// connection (keep-alive included) on one worker, so a slow or silent client holds only its own
// thread and never the others'; past the cap, new connections wait for a free worker.
class ElasticPool : public httplib::TaskQueue {
 public:
  explicit ElasticPool(size_t max_threads) : max_(max_threads) {}
  ~ElasticPool() override = default;

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> g(lock_);
      jobs_.push_back(std::move(fn));
      if (jobs_.size() > idle_ && threads_.size() < max_) threads_.emplace_back([this] { work(); });
    }
    wake_.notify_one();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> g(lock_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();  // workers finish the queued connections first
  }

 private:
  void work() {
    while (true) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> g(lock_);
        ++idle_;
        wake_.wait(g, [this] { return stop_ || !jobs_.empty(); });
        --idle_;
        if (jobs_.empty()) return;  // stopping
        fn = std::move(jobs_.front());
        jobs_.pop_front();
      }
      fn();
    }
  }

  const size_t max_;
  std::mutex lock_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stop_ = false;
};

}  // namespace

bool bind_hardened(httplib::Server& http, const std::string& host, int port,
                   size_t max_body_bytes) {
  http.new_task_queue = [] { return new ElasticPool(1024); };
  // The listening socket: address reuse as cpp-httplib's default, and TCP_DEFER_ACCEPT so that a
  // client that connects and sends nothing never reaches a worker.
  auto listen_fd = std::make_shared<int>(-1);
  http.set_socket_options([listen_fd](socket_t sock) {
    const int yes = 1, defer_seconds = 5;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    setsockopt(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_seconds, sizeof defer_seconds);
    *listen_fd = sock;
  });
  http.set_payload_max_length(max_body_bytes);
  http.set_read_timeout(5, 0);  // a silent client is dropped after 5 s
  http.set_write_timeout(5, 0);
  http.set_keep_alive_timeout(5);
  http.set_keep_alive_max_count(1'000'000);
  // Headers and body leave in separate writes: without TCP_NODELAY, Nagle's algorithm holds the
  // body until the client's delayed ACK (~40 ms per request).
  http.set_tcp_nodelay(true);
  if (!http.bind_to_port(host, port)) return false;
  // cpp-httplib 0.11 listens with a backlog of 5: a burst of connections would overflow it and
  // wait a second for SYN retransmits. Listening again on the same socket only raises it.
  if (*listen_fd >= 0) ::listen(*listen_fd, SOMAXCONN);
  return true;
}

}  // namespace aegis::cli
