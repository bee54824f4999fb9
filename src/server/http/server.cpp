#include "server.h"

#include <sys/resource.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "aegis/server/errors.h"
#include "head.h"

namespace aegis::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

std::string error_body(std::string_view code, std::string_view detail, std::string_view message) {
  std::string s = "{\"error\":{\"code\":\"";
  s += code;
  s += "\",\"detail\":\"";
  s += detail;
  s += "\",\"message\":\"";
  s += message;  // fixed texts: nothing to escape
  s += "\"}}";
  return s;
}

// A refusal the server answers before any route runs; status and code follow from the detail.
Response refusal(const ErrorCode& detail, std::string_view message) {
  Response r;
  r.status = kind_info(detail.kind).http_status;
  r.body = error_body(wire_code(detail.kind), detail.detail, message);
  r.close = true;
  return r;
}

}  // namespace

// One I/O thread with its own io_context: a connection lives on one shard for its life, so
// its handlers never run concurrently and need no strand. The acceptor (on shard 0) deals
// connections round-robin.
// A connection as the drain sees it.
class Closable {
 public:
  virtual ~Closable() = default;
  virtual void close_if_idle() = 0;  // on the connection's shard thread
  virtual void evict() = 0;          // closes it whatever it does; on its shard thread
  bool unproven_listed = false;      // on Server::Impl::unproven (guarded by its admission lock)
};

struct Shard {
  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> guard;
  // Every open connection, for the drain. Locked because the last owner of a connection (a
  // reply posted from the decision log, say) may release it on another thread; taken once
  // per connection, not per request.
  std::mutex lock;
  std::list<std::weak_ptr<Closable>> connections;
};

struct Server::Impl {
  Impl(const Router& r, Limits l, Hooks h) : router(r), limits(l), hooks(std::move(h)) {}

  const Router& router;
  const Limits limits;
  const Hooks hooks;
  std::vector<std::unique_ptr<Shard>> shards{[] {
    std::vector<std::unique_ptr<Shard>> v;
    v.push_back(std::make_unique<Shard>());
    return v;
  }()};
  size_t next_shard = 0;
  std::optional<net::ssl::context> tls;
  tcp::acceptor acceptor{shards[0]->ioc};
  std::optional<net::thread_pool> workers;
  std::atomic<size_t> open{0};
  std::atomic<bool> stopping{false};

  // Fair admission (Limits): taken once per connection and once when its first authenticated
  // request proves it, never per request.
  struct Unproven {
    Shard* shard;
    std::weak_ptr<Closable> connection;
  };
  std::mutex admission;
  std::unordered_map<std::string, size_t> per_peer;  // open connections by peer address
  std::list<Unproven> unproven;                      // oldest first
  size_t per_peer_cap() const {
    return limits.max_connections_per_peer
               ? limits.max_connections_per_peer
               : std::min(limits.max_connections,
                          std::max<size_t>(64, limits.max_connections / 100));
  }
  size_t unproven_cap() const {
    const size_t reserve =
        limits.reserved_connections ? limits.reserved_connections : limits.max_connections / 10;
    return limits.max_connections > reserve ? limits.max_connections - reserve : 1;
  }
  // Under `admission`: takes the oldest unproven connection still alive off the list and
  // closes it on its shard; false when there is none. (One being destroyed stays listed: its
  // destructor, waiting for the lock, takes itself off.)
  bool evict_oldest_unproven() {
    for (auto it = unproven.begin(); it != unproven.end(); ++it) {
      auto c = it->connection.lock();
      if (!c) continue;
      c->unproven_listed = false;
      // The reference moves into the handler: were it the last one left here, the
      // connection's destructor would take `admission`, which this thread holds.
      net::post(it->shard->ioc, [c = std::move(c)] { c->evict(); });
      unproven.erase(it);
      return true;
    }
    return false;
  }

  void accept();
  template <class Stream>
  void serve(Shard& shard, Stream stream);
  void watch_for_drain();
};

namespace {

template <class Stream>
tcp::socket& socket_of(Stream& s) {
  return beast::get_lowest_layer(s).socket();
}

template <class Stream>
class Connection : public Closable, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Server::Impl& server, Shard& shard, Stream stream)
      : srv_(server), shard_(shard), stream_(std::move(stream)), timer_(stream_.get_executor()) {
    ++srv_.open;
  }
  ~Connection() override {
    if (registered_) {
      std::lock_guard<std::mutex> g(shard_.lock);
      shard_.connections.erase(registration_);
    }
    if (!peer_.empty()) {
      std::lock_guard<std::mutex> g(srv_.admission);
      if (unproven_listed) srv_.unproven.erase(unproven_at_);
      if (auto it = srv_.per_peer.find(peer_); it != srv_.per_peer.end() && --it->second == 0)
        srv_.per_peer.erase(it);
    }
    --srv_.open;
  }

  // Under srv_.admission, right after construction: counted for `peer` and listed as unproven.
  void admitted(std::string peer, std::list<Server::Impl::Unproven>::iterator at) {
    peer_ = std::move(peer);
    unproven_at_ = at;
    unproven_listed = true;
  }

  void evict() override {  // already off the list
    timer_.cancel();
    close();
  }

  // On the shard's thread.
  // `refused`: why the connection is not admitted (then answered 503 and closed), or null.
  void start(const char* refused) {
    {
      std::lock_guard<std::mutex> g(shard_.lock);
      registration_ = shard_.connections.insert(shard_.connections.end(),
                                                std::weak_ptr<Closable>(this->shared_from_this()));
    }
    registered_ = true;
    if (refused) {
      refused_at_accept_ = true;
      reply_now(refusal(errors::kServerConnections, refused));
      return;
    }
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      arm(srv_.limits.request_timeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                self->timer_.cancel();
                                if (ec) return self->close();
                                self->wait_for_request();
                              });
    } else {
      wait_for_request();
    }
  }

 private:
  // A deadline for what the connection is doing now; at it, the socket's operations end.
  void arm(std::chrono::milliseconds after) {
    timed_out_ = false;
    timer_.expires_after(after);
    timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec) return;  // cancelled: the operation finished in time
      self->timed_out_ = true;
      error_code ignored;
      socket_of(self->stream_).cancel(ignored);
    });
  }

  void close_if_idle() override {
    if (idle_) {
      error_code ignored;
      socket_of(stream_).cancel(ignored);
    }
  }

  // Waits (up to the idle timeout) for the first bytes of the next request.
  // A new connection gets the request deadline for its first request (a client that connects
  // and says nothing is not an idle keep-alive); between requests the idle timeout applies.
  void wait_for_request() {
    if (srv_.stopping) return close();
    if (buffer_.size() > 0) return read_head();
    idle_ = true;
    arm(served_ ? srv_.limits.idle_timeout : srv_.limits.request_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              self->idle_ = false;
                              if (ec || n == 0)
                                return self->close();  // the client left, idled out, or we stop
                              self->buffer_.commit(n);
                              self->read_head();
                            });
  }

  // Reads until the header block is complete: one deadline for head and body, from the first
  // byte of a later request, or from the accept for the first (its deadline keeps running).
  void read_head() {
    if (served_) arm(srv_.limits.request_timeout);
    continue_head();
  }

  void continue_head() {
    const auto data = static_cast<const char*>(buffer_.data().data());
    const std::string_view have(data, buffer_.size());
    const size_t end = have.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (have.size() > srv_.limits.max_header_bytes)
        return reply_now(
            refusal(errors::kHttpHeadersTooLarge, "the request header block is over the limit"));
      // A head that can only be LF-terminated never completes: refuse it now.
      if (have.find("\n\n") != std::string_view::npos ||
          have.find("\n\r\n") != std::string_view::npos)
        return reply_now(refusal(errors::kHttpFraming, "a line of the header ends in a bare LF"));
      stream_.async_read_some(buffer_.prepare(4096),
                              [self = this->shared_from_this()](error_code ec, size_t n) {
                                if (ec) return self->read_failed(ec);
                                self->buffer_.commit(n);
                                self->continue_head();
                              });
      return;
    }
    const std::string_view block = have.substr(0, end + 4);
    if (block.size() > srv_.limits.max_header_bytes + 4)
      return reply_now(
          refusal(errors::kHttpHeadersTooLarge, "the request header block is over the limit"));
    parser_.emplace();
    req_ = Request{};
    const HeadCheck head = http::read_head(block, srv_.limits, *parser_, &req_);
    if (head.status == 431) return reply_now(refusal(errors::kHttpHeadersTooLarge, head.why));
    if (head.status)
      return reply_now(refusal(
          head.status == 415 ? errors::kHttpContentEncoding : errors::kHttpFraming, head.why));
    buffer_.consume(block.size());
    on_head();
  }

  void on_head() {
    body_pending_ = !parser_->is_done();
    // HEAD is GET without the body (RFC 9110 §9.3.2): the same route, headers and length.
    head_only_ = req_.method == "HEAD";
    const Router::Match m =
        srv_.router.match(head_only_ ? "GET" : req_.method, req_.path, &req_.params);
    if (!m.route) {
      Response r = m.path_known ? refusal(errors::kHttpMethod, "method not allowed")
                                : refusal(errors::kHttpNotFound, "no such route");
      if (m.path_known) r.headers.emplace_back("Allow", m.allow);
      r.close = body_pending_;
      return reply_now(std::move(r));
    }
    route_ = m.route;
    if (srv_.hooks.check) {
      if (auto refused = srv_.hooks.check(req_, *route_)) {
        refused->close = refused->close || body_pending_;
        return reply_now(std::move(*refused));
      }
    }
    caller_ = {};
    if (route_->access != Access::kPublic) {
      auto admitted = srv_.hooks.admit(req_, *route_);
      if (auto* refused = std::get_if<Response>(&admitted)) {
        refused->close = refused->close || body_pending_;
        return reply_now(std::move(*refused));
      }
      caller_ = std::get<Caller>(admitted);
      prove();
    }
    if (const auto length = parser_->content_length();
        length && *length > srv_.limits.max_body_bytes)
      return reply_now(refusal(errors::kHttpBodyTooLarge, "the request body is over the limit"));
    decoder_.emplace(parser_->content_length().value_or(0), parser_->chunked(),
                     srv_.limits.max_body_bytes, srv_.limits.max_header_bytes);
    if (!body_pending_) return dispatch();
    if (const std::string* expect = req_.header("expect");
        expect && lower(*expect) == "100-continue") {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(stream_, net::buffer(kContinue, sizeof kContinue - 1),
                       [self = this->shared_from_this()](error_code ec, size_t) {
                         if (ec) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  // Reads the body with the project's decoder (Beast parsed the head only): Content-Length or
  // chunked, CRLF only, bounded chunk lines, at most the body limit whatever the framing. A
  // framing error is refused at once, never left to wait for the deadline.
  void read_body() {
    size_t used = 0;
    const BodyDecoder::Status status = decoder_->feed(
        std::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size()), &used,
        &req_.body);
    buffer_.consume(used);
    switch (status) {
      case BodyDecoder::Status::kDone:
        return dispatch();
      case BodyDecoder::Status::kTooLarge:
        return reply_now(refusal(errors::kHttpBodyTooLarge, "the request body is over the limit"));
      case BodyDecoder::Status::kMalformed:
        return reply_now(refusal(errors::kHttpFraming,
                                 "the chunked body is malformed (RFC 9112 framing, CRLF only)"));
      case BodyDecoder::Status::kNeedMore:
        break;
    }
    stream_.async_read_some(buffer_.prepare(65536),
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              if (ec) return self->read_failed(ec);
                              self->buffer_.commit(n);
                              self->read_body();
                            });
  }

  // A read of the head or body failed: past the deadline, 408; otherwise the client went away
  // (or we stop) mid-request, and there is nothing to answer.
  void read_failed(error_code) {
    if (timed_out_)
      return reply_now(
          refusal(errors::kHttpRequestTimeout, "the request was not received in time"));
    close();
  }

  void dispatch() {
    timer_.cancel();
    keep_alive_ = parser_->get().keep_alive();
    parser_.reset();
    decoder_.reset();
    auto self = this->shared_from_this();
    Reply reply = [self](Response r) {
      if (self->shard_.ioc.get_executor().running_in_this_thread())
        return self->write(std::move(r));
      net::post(self->shard_.ioc,
                [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
    };
    if (route_->runs == Runs::kOnWorker) {
      net::post(*srv_.workers, [self, reply = std::move(reply)]() mutable {
        self->route_->handler(self->req_, self->caller_, std::move(reply));
      });
    } else {
      route_->handler(req_, caller_, std::move(reply));
    }
  }

  // An authenticated request used this connection: it is no longer the first to go.
  void prove() {
    if (proven_) return;
    proven_ = true;
    std::lock_guard<std::mutex> g(srv_.admission);
    if (unproven_listed) srv_.unproven.erase(unproven_at_);
    unproven_listed = false;
  }

  // Answers before the request was dispatched (a refusal): the request as far as it was read.
  void reply_now(Response r) {
    timer_.cancel();
    parser_.reset();
    decoder_.reset();
    keep_alive_ = false;
    unread_ = true;
    r.close = true;
    write(std::move(r));
  }

  void write(Response r) {
    served_ = true;
    for (auto& h : caller_.headers) r.headers.push_back(std::move(h));
    caller_.headers.clear();
    static const std::string kOther = "other";
    if (srv_.hooks.finish) srv_.hooks.finish(req_, route_ ? route_->pattern : kOther, r);
    route_ = nullptr;
    const bool keep = keep_alive_ && !r.close && !srv_.stopping;
    // The response in one buffer the connection keeps (no allocation once it has grown).
    out_.clear();
    out_ += "HTTP/1.1 ";
    out_ += std::to_string(r.status);
    out_ += ' ';
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    out_.append(reason.data(), reason.size());
    out_ += "\r\nContent-Type: ";
    out_ += r.content_type;
    for (const auto& [k, v] : r.headers) {
      out_ += "\r\n";
      out_ += k;
      out_ += ": ";
      out_ += v;
    }
    if (r.streamed) return write_streamed(std::move(r.streamed));
    out_ += "\r\nContent-Length: ";
    out_ += std::to_string(r.body.size());
    if (!keep) out_ += "\r\nConnection: close";
    out_ += "\r\n\r\n";
    if (!head_only_) out_ += r.body;
    head_only_ = false;
    arm(srv_.limits.request_timeout);
    const bool unread = unread_;
    unread_ = false;
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this(), keep, unread](error_code ec, size_t) {
                       self->timer_.cancel();
                       if (ec) return self->close();
                       // Refused at accept: nothing was read, and a flood's refusals are not kept
                       // open.
                       if (self->refused_at_accept_) return self->close();
                       if (unread) return self->linger();
                       if (!keep) return self->close();
                       self->wait_for_request();
                     });
  }

  // A streamed response: the head (out_ so far) without a length, then each piece pushed, in
  // order, on this connection's thread; the connection closes after the last. No deadline
  // applies while it streams: the route ends it.
  struct Streamed : BodyStream {
    std::shared_ptr<Connection> c;
    explicit Streamed(std::shared_ptr<Connection> conn) : c(std::move(conn)) {}
    ~Streamed() override { end(); }
    void push(std::string piece) override {
      net::post(c->shard_.ioc, [c = c, p = std::move(piece)]() mutable {
        if (c->stream_done_) return;
        c->stream_queue_.push_back(std::move(p));
        c->stream_next();
      });
    }
    void end() override {
      net::post(c->shard_.ioc, [c = c] {
        c->stream_ending_ = true;
        c->stream_next();
      });
    }
  };
  void write_streamed(std::function<void(std::shared_ptr<BodyStream>)> streamed) {
    out_ += "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    head_only_ = false;
    timer_.cancel();
    stream_writing_ = true;
    net::async_write(
        stream_, net::buffer(out_),
        [self = this->shared_from_this(), streamed = std::move(streamed)](error_code ec, size_t) {
          self->stream_writing_ = false;
          if (ec) {
            self->stream_done_ = true;
            self->close();
          }
          streamed(std::make_shared<Streamed>(self));
          self->stream_next();
        });
  }
  void stream_next() {
    if (stream_writing_ || stream_done_) return;
    if (stream_queue_.empty()) {
      if (!stream_ending_) return;
      stream_done_ = true;
      return close();
    }
    out_ = std::move(stream_queue_.front());
    stream_queue_.pop_front();
    stream_writing_ = true;
    net::async_write(stream_, net::buffer(out_),
                     [self = this->shared_from_this()](error_code ec, size_t) {
                       self->stream_writing_ = false;
                       if (ec) {
                         self->stream_done_ = true;
                         self->stream_queue_.clear();
                         return self->close();
                       }
                       self->stream_next();
                     });
  }

  // After refusing a request whose body was not read: stop sending, then read and drop what the
  // client still sends, for a moment and a bounded amount, so that closing does not reset the
  // connection before the client has read the refusal.
  void linger() {
    error_code ignored;
    socket_of(stream_).shutdown(tcp::socket::shutdown_send, ignored);
    arm(std::chrono::milliseconds(2000));
    drain(4u << 20);
  }
  void drain(size_t budget) {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(65536),
                            [self = this->shared_from_this(), budget](error_code ec, size_t n) {
                              if (ec || n >= budget) return self->close();
                              self->drain(budget - n);
                            });
  }

  void close() {
    timer_.cancel();
    error_code ignored;
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      // No TLS close_notify round trip: the peer may be gone, and nothing waits on it.
      socket_of(stream_).shutdown(tcp::socket::shutdown_both, ignored);
    } else {
      socket_of(stream_).shutdown(tcp::socket::shutdown_send, ignored);
    }
    socket_of(stream_).close(ignored);
  }

  Server::Impl& srv_;
  Shard& shard_;
  Stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;  // the head
  std::optional<BodyDecoder> decoder_;                               // the body
  Request req_;
  std::string out_;                       // the response being written
  std::deque<std::string> stream_queue_;  // a streamed body's pieces not written yet
  bool stream_writing_ = false, stream_ending_ = false, stream_done_ = false;
  const Route* route_ = nullptr;
  Caller caller_;
  bool body_pending_ = false;
  bool head_only_ = false;  // a HEAD request: the response is written without its body
  bool keep_alive_ = true;
  bool timed_out_ = false;
  bool idle_ = false;
  bool unread_ = false;  // refused before the request was read in full
  bool served_ = false;  // a response was written on this connection
  std::list<std::weak_ptr<Closable>>::iterator registration_;
  bool registered_ = false;
  bool refused_at_accept_ = false;
  std::string peer_;  // the peer address it is counted for ("" when not admitted)
  std::list<Server::Impl::Unproven>::iterator unproven_at_;
  bool proven_ = false;  // an authenticated request used it (this shard's thread only)
};

}  // namespace

template <class Stream>
void Server::Impl::serve(Shard& shard, Stream stream) {
  error_code ec;
  const auto endpoint = socket_of(stream).remote_endpoint(ec);
  std::string peer = ec ? std::string("?") : endpoint.address().to_string();
  auto c = std::make_shared<Connection<Stream>>(*this, shard, std::move(stream));
  const char* refused = nullptr;
  {
    std::lock_guard<std::mutex> g(admission);
    size_t& mine = per_peer[peer];
    if (mine >= per_peer_cap()) {
      refused = "this address has too many connections open; try again later";
    } else if ((open.load() > limits.max_connections || unproven.size() >= unproven_cap()) &&
               !evict_oldest_unproven() && open.load() > limits.max_connections) {
      refused = "the server has too many connections; try again later";
    }
    if (refused) {
      if (mine == 0) per_peer.erase(peer);
    } else {
      ++mine;
      c->admitted(std::move(peer), unproven.insert(unproven.end(), {&shard, c}));
    }
  }
  c->start(refused);
}

void Server::Impl::accept() {
  Shard& shard = *shards[next_shard];
  next_shard = (next_shard + 1) % shards.size();
  acceptor.async_accept(shard.ioc, [this, &shard](error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open()) return;  // stopped
      // EMFILE and friends: back off briefly rather than spin.
      auto t = std::make_shared<net::steady_timer>(shards[0]->ioc, std::chrono::milliseconds(50));
      t->async_wait([this, t](error_code) { accept(); });
      return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    net::post(shard.ioc, [this, &shard, socket = std::move(socket)]() mutable {
      if (tls)
        serve(shard,
              beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls));
      else
        serve(shard, beast::tcp_stream(std::move(socket)));
    });
    accept();
  });
}

// On shard 0, after stop(): closes idle connections (each on its shard) until none is open.
void Server::Impl::watch_for_drain() {
  auto t = std::make_shared<net::steady_timer>(shards[0]->ioc, std::chrono::milliseconds(20));
  t->async_wait([this, t](error_code) {
    if (open.load() == 0) {
      for (auto& shard : shards)  // nothing left: run() may return
        net::post(shard->ioc, [s = shard.get()] { s->guard.reset(); });
      return;
    }
    for (auto& shard : shards)
      net::post(shard->ioc, [s = shard.get()] {
        std::vector<std::shared_ptr<Closable>> open_now;
        {
          std::lock_guard<std::mutex> g(s->lock);
          for (auto& weak : s->connections)
            if (auto c = weak.lock()) open_now.push_back(std::move(c));
        }
        for (auto& c : open_now) c->close_if_idle();  // released outside the lock
      });
    watch_for_drain();
  });
}

Server::Server(const Router& router, Limits limits, Hooks hooks)
    : impl_(std::make_unique<Impl>(router, limits, std::move(hooks))) {}

Server::~Server() = default;

std::optional<std::string> Server::listen(const std::string& host, int port,
                                          const std::optional<TlsFiles>& tls) {
  error_code ec;
  const auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return "not an IP address: " + host;
  if (tls) {
    impl_->tls.emplace(net::ssl::context::tls_server);
    impl_->tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                            net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                            net::ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(tls->cert_file, ec);
    if (!ec) impl_->tls->use_private_key_file(tls->key_file, net::ssl::context::pem, ec);
    if (ec) return "cannot load the TLS certificate and key";
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return ec.message();
  // Every connection is a descriptor: take as many as the hard limit allows.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  return std::nullopt;
}

void Server::run(size_t io_threads, size_t workers) {
  impl_->workers.emplace(std::max<size_t>(1, workers));
  while (impl_->shards.size() < std::max<size_t>(1, io_threads))
    impl_->shards.push_back(std::make_unique<Shard>());
  for (auto& shard : impl_->shards) shard->guard.emplace(shard->ioc.get_executor());
  impl_->accept();
  std::vector<std::thread> threads;
  for (size_t i = 1; i < impl_->shards.size(); ++i)
    threads.emplace_back([s = impl_->shards[i].get()] { s->ioc.run(); });
  impl_->shards[0]->ioc.run();
  for (auto& t : threads) t.join();
  impl_->workers->join();
}

void Server::stop() {
  net::post(impl_->shards[0]->ioc, [this] {
    if (impl_->stopping.exchange(true)) return;
    error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->watch_for_drain();
  });
}

size_t Server::connections() const noexcept { return impl_->open.load(); }

}  // namespace aegis::http
