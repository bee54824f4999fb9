// An upstream MCP server over Streamable HTTP: POST per message, JSON or SSE answers, the GET
// stream, the session and protocol version headers.
#include "http_upstream.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "aegis/server/errors.h"

namespace aegis::gateway_detail {
namespace {
constexpr size_t kMaxBody = size_t{4} << 20;  // one message, or one event, from the upstream
}  // namespace

// One transfer: the answer's headers and body, with server-sent events handed over as they come.
struct HttpUpstream::Transfer {
  HttpUpstream* self = nullptr;
  bool initialize = false;  // its answer gives the protocol version
  std::string expect;       // the request's id (dumped): its response must come
  bool answered = false;
  std::string content_type, session, body, event;
  bool sse = false, headers_done = false;

  void adopt_session(const std::string& id) {
    std::lock_guard<std::mutex> l(self->lock_);
    self->session_ = id;
  }

  void deliver(std::string message) {
    if (!expect.empty() && !answered) {
      const auto j = nlohmann::json::parse(message, nullptr, false);
      answered = j.is_object() && j.contains("id") && j["id"].dump() == expect &&
                 (j.contains("result") || j.contains("error"));
    }
    if (initialize) {
      const auto j = nlohmann::json::parse(message, nullptr, false);
      if (j.is_object() && j.contains("result") && j["result"].is_object() &&
          j["result"].value("protocolVersion", nlohmann::json()).is_string()) {
        std::lock_guard<std::mutex> l(self->lock_);
        self->version_ = j["result"]["protocolVersion"];
      }
    }
    self->on_line_(std::move(message));
  }

  // Hands over each complete event's data (the lines after "data:", joined by newlines).
  // false when an event grows past kMaxBody: the transfer fails.
  bool feed_sse(std::string_view chunk) {
    body.append(chunk);
    size_t at;
    while ((at = body.find('\n')) != std::string::npos) {
      std::string line = body.substr(0, at);
      body.erase(0, at + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        if (!event.empty()) deliver(std::move(event));
        event.clear();
      } else if (line.rfind("data:", 0) == 0) {
        std::string_view data = std::string_view(line).substr(5);
        if (!data.empty() && data[0] == ' ') data.remove_prefix(1);
        if (!event.empty()) event += '\n';
        event.append(data);
      }
    }
    return body.size() + event.size() <= kMaxBody;
  }
};

namespace {

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<HttpUpstream::Transfer*>(user);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    while (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (name == "content-type") t->content_type = value;
    if (name == "mcp-session-id") {
      t->session = value;
      // Before the body: the answer's events may make the gateway send the next request at once.
      if (t->initialize) t->adopt_session(value);
    }
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<HttpUpstream::Transfer*>(user);
  if (!t->headers_done) {
    t->headers_done = true;
    t->sse = t->content_type.rfind("text/event-stream", 0) == 0;
  }
  if (t->sse)
    t->feed_sse(std::string_view(data, size * n));
  else if (t->body.size() + size * n <= kMaxBody)
    t->body.append(data, size * n);
  else
    return 0;  // too large: the transfer fails
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;  // abort when stopping
}

// A URL fit for a log: without user information and query (either may hold a secret).
std::string redacted(const std::string& url) {
  std::string out = url.substr(0, url.find_first_of("?#"));
  const size_t scheme = out.find("://");
  const size_t at = out.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  const size_t slash = out.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme != std::string::npos && at != std::string::npos &&
      (slash == std::string::npos || at < slash))
    out.erase(scheme + 3, at + 1 - (scheme + 3));
  return out;
}

// The id of a request (dumped), or "" for a notification or a response.
std::string request_id(const std::string& message) {
  const auto j = nlohmann::json::parse(message, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("method") || !j.contains("id")) return "";
  return j["id"].dump();
}

}  // namespace

HttpUpstream::HttpUpstream(const GatewayUpstream& spec, OnLine on_line, OnState on_state, Log log)
    : spec_(spec),
      on_line_(std::move(on_line)),
      on_state_(std::move(on_state)),
      log_(std::move(log)) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

HttpUpstream::~HttpUpstream() { stop(); }

void HttpUpstream::stop() {
  std::unique_lock<std::mutex> l(lock_);
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  changed_.notify_all();
  l.unlock();
  if (sender_.joinable()) sender_.join();
  l.lock();
  changed_.wait(l, [this] { return in_flight_ == 0; });
  const std::string session = session_;
  l.unlock();
  if (listener_.joinable()) listener_.join();
  for (void* h : idle_) curl_easy_cleanup(static_cast<CURL*>(h));
  idle_.clear();
  if (session.empty()) return;
  stopping_ = false;  // the DELETE itself must not be aborted
  Transfer t{this};
  void* list = nullptr;
  CURL* curl = static_cast<CURL*>(easy(t, headers(), &list));
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_perform(curl);
  curl_slist_free_all(static_cast<curl_slist*>(list));
  curl_easy_cleanup(curl);
}

// A transfer to the upstream's URL with `headers`, its answer going to `t`; `list` gets the
// header list to free after it.
void* HttpUpstream::easy(Transfer& t, const std::vector<std::string>& headers, void** list,
                         void* reuse) const {
  CURL* curl = static_cast<CURL*>(reuse);
  if (curl)
    curl_easy_reset(curl);  // keeps its live connection
  else
    curl = curl_easy_init();
  curl_slist* l = nullptr;
  for (const auto& h : headers) l = curl_slist_append(l, h.c_str());
  *list = l;
  curl_easy_setopt(curl, CURLOPT_URL, spec_.url->c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, l);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &stopping_);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no process-wide signal handling per transfer
  return curl;
}

std::optional<Error> HttpUpstream::start() {
  if (spec_.bearer_env) {
    const char* v = std::getenv(spec_.bearer_env->c_str());
    if (!v)
      return Error(errors::kGatewayUpstream, "gateway.upstreams",
                   "upstream '" + spec_.name + "': its bearer token's variable " +
                       *spec_.bearer_env + " is not set");
    bearer_ = v;
  }
  log_("upstream '" + spec_.name + "' at " + redacted(*spec_.url));
  on_state_(true);
  return std::nullopt;
}

std::vector<std::string> HttpUpstream::headers() const {
  std::vector<std::string> h = {"Content-Type: application/json",
                                "Accept: application/json, text/event-stream", "Expect:"};
  for (const auto& [name, value] : spec_.headers) h.push_back(name + ": " + value);
  if (!bearer_.empty()) h.push_back("Authorization: Bearer " + bearer_);
  std::lock_guard<std::mutex> l(lock_);
  if (!session_.empty()) h.push_back("Mcp-Session-Id: " + session_);
  if (!version_.empty()) h.push_back("MCP-Protocol-Version: " + version_);
  return h;
}

bool HttpUpstream::send(std::string_view message) {
  std::lock_guard<std::mutex> l(lock_);
  if (stopping_ || stopped_) return false;
  queue_.emplace_back(message);
  if (!sender_.joinable()) sender_ = std::thread([this] { send_in_order(); });
  changed_.notify_all();
  return true;
}

// Takes the messages in the order they were sent: a notification or a response is POSTed before
// the next message is taken (initialized before tools/list, cancelled after its call); a request
// is POSTed on a thread of its own, since its answer may take long.
void HttpUpstream::send_in_order() {
  std::unique_lock<std::mutex> l(lock_);
  while (true) {
    changed_.wait(l, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::string m = std::move(queue_.front());
    queue_.pop_front();
    ++in_flight_;
    const bool request = !request_id(m).empty();
    auto run = [this, m = std::move(m)]() mutable {
      post(std::move(m));
      std::lock_guard<std::mutex> done(lock_);
      --in_flight_;
      changed_.notify_all();
    };
    l.unlock();
    if (request)
      std::thread(std::move(run)).detach();
    else
      run();
    l.lock();
  }
}

void HttpUpstream::post(std::string message) {
  const std::string id = request_id(message);
  bool initialize = false;
  if (!id.empty()) {
    const auto j = nlohmann::json::parse(message);
    initialize = j["method"] == "initialize";
  }
  Transfer t{this, initialize};
  t.expect = id;
  std::string used_session;
  {
    std::lock_guard<std::mutex> l(lock_);
    used_session = session_;
  }
  void* list = nullptr;
  void* handle = nullptr;
  {
    std::lock_guard<std::mutex> l(lock_);
    if (!idle_.empty()) {
      handle = idle_.back();
      idle_.pop_back();
    }
  }
  CURL* curl = static_cast<CURL*>(easy(t, headers(), &list, handle));
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, message.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(message.size()));
  const CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(static_cast<curl_slist*>(list));
  {
    std::lock_guard<std::mutex> l(lock_);  // its connection stays open for the next post
    idle_.push_back(curl);
  }
  if (rc == CURLE_OK && status >= 200 && status < 300) {
    if (!t.sse && !t.body.empty()) t.deliver(std::move(t.body));
    if (!id.empty() && !t.answered) {  // a stream that ended without the response
      log_("upstream '" + spec_.name + "' ended an answer without the response");
      on_line_(nlohmann::json{
          {"jsonrpc", "2.0"},
          {"id", nlohmann::json::parse(id)},
          {"error",
           {{"code", -32603},
            {"message", "upstream '" + spec_.name + "' ended its answer without a response"}}}}
                   .dump());
    }
    if (initialize && !t.session.empty()) {
      std::lock_guard<std::mutex> l(lock_);
      if (!listening_ && !stopping_) {
        listening_ = true;
        if (listener_.joinable()) listener_.join();  // a stream that ended before
        listener_ = std::thread([this] { listen(); });
      }
    }
    return;
  }
  const std::string why =
      rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(status);
  log_("upstream '" + spec_.name + "': " + why);
  if (status == 404 && !initialize) lost_session(used_session);
  if (id.empty()) return;  // a notification or a response: nothing waits for it
  on_line_(nlohmann::json{
      {"jsonrpc", "2.0"},
      {"id", nlohmann::json::parse(id)},
      {"error", {{"code", -32603}, {"message", "upstream '" + spec_.name + "': " + why}}}}
               .dump());
}

void HttpUpstream::lost_session(const std::string& used) {
  {
    std::lock_guard<std::mutex> l(lock_);
    if (session_.empty() || session_ != used) return;  // a late answer of an older session
    session_.clear();
    version_.clear();
  }
  log_("upstream '" + spec_.name + "' forgot the session; initializing again");
  on_state_(false);
  on_state_(true);
}

// The server's own messages: a GET stream, opened again after a second when it ends; a server
// that has none (405) is not asked again.
void HttpUpstream::listen() {
  while (true) {
    {
      std::lock_guard<std::mutex> l(lock_);
      if (stopping_) return;
    }
    Transfer t{this};
    std::vector<std::string> h;
    for (auto& header : headers())
      if (header.rfind("Content-Type:", 0) != 0)
        h.push_back(header.rfind("Accept:", 0) == 0 ? "Accept: text/event-stream" : header);
    void* list = nullptr;
    CURL* curl = static_cast<CURL*>(easy(t, h, &list));
    curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(static_cast<curl_slist*>(list));
    curl_easy_cleanup(curl);
    std::unique_lock<std::mutex> l(lock_);
    if (status == 405 || status == 404) {
      listening_ = false;
      return;
    }
    if (changed_.wait_for(l, std::chrono::seconds(1), [this] { return stopping_.load(); })) return;
  }
}

}  // namespace aegis::gateway_detail
