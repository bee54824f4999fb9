// The gateway's aggregated lists: tools, prompts, resources and resource templates of every
// upstream as one, in the configuration's upstream order; and where a prefixed name or a URI goes.
#include <memory>
#include <set>
#include <string>

#include "aegis/server/errors.h"
#include "gateway_internal.h"

namespace aegis {
namespace {

constexpr auto kListTimeout = std::chrono::seconds(30);
constexpr size_t kMaxPages = 1000;  // of one upstream's list: a cursor that never ends is an error

// The capability an upstream must declare for a list method.
std::string capability_of(const std::string& method) { return method.substr(0, method.find('/')); }

// One aggregated list in progress. The page function holds the state weakly; each awaited page
// holds it strongly, so it lives until the last answer.
struct ListState {
  std::mutex mu;
  size_t left = 0;
  std::optional<std::string> error;
  std::vector<std::vector<json>> items;
  std::function<void(std::optional<std::string>, std::vector<std::vector<json>>)> done;
  std::function<void(size_t upstream, json cursor, size_t pages)> page;

  void finish(std::optional<std::string> e) {
    std::unique_lock<std::mutex> l(mu);
    if (e && !error) error = std::move(e);
    if (--left > 0) return;
    auto call = std::move(done);
    auto all = std::move(items);
    auto first = error;
    l.unlock();
    call(std::move(first), std::move(all));
  }
};

}  // namespace

void Gateway::Impl::list_all(
    const std::string& method, const std::string& key,
    std::function<void(std::optional<std::string>, std::vector<std::vector<json>>)> done) {
  auto state = std::make_shared<ListState>();
  state->left = ups.size();
  state->items.resize(ups.size());
  state->done = std::move(done);
  state->page = [this, method, key, weak = std::weak_ptr<ListState>(state)](size_t i, json cursor,
                                                                            size_t n) {
    auto self = weak.lock();
    if (!self) return;
    const std::string name = ups[i].spec->name;
    json params = json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    auto on_page = [state = self, key, name, i, n](const json& r) {
      const json items = r.contains("result") ? r["result"].value(key, json()) : json();
      if (!items.is_array())
        return state->finish(
            "upstream '" + name + "' did not answer the list: " +
            r.value("error", json::object()).value("message", std::string("no result")));
      {
        std::lock_guard<std::mutex> l(state->mu);
        for (const auto& item : items)
          if (item.is_object()) state->items[i].push_back(item);
      }
      const json next = r["result"].value("nextCursor", json());
      if (!next.is_string()) return state->finish(std::nullopt);
      if (n + 1 >= kMaxPages) return state->finish("upstream '" + name + "' lists without end");
      state->page(i, next, n + 1);
    };
    if (!request(i, method, params, on_page, kListTimeout))
      self->finish("upstream '" + name + "' is not running");
  };
  for (size_t i = 0; i < ups.size(); ++i) {
    bool has;
    {
      std::lock_guard<std::mutex> l(mu);
      has = ups[i].capabilities.contains(capability_of(method));
    }
    if (has)
      state->page(i, json(), 0);
    else
      state->finish(std::nullopt);
  }
}

void Gateway::Impl::list_tools(const json& id) {
  list_all("tools/list", "tools", [this, id](auto error, auto items) {
    if (error)
      return reply_error(id, -32603, *error, {{"detail", errors::kGatewayUpstream.detail}});
    for (size_t i = 0; i < items.size(); ++i) keep_tools(i, items[i]);
    json tools = json::array();
    {
      std::lock_guard<std::mutex> l(mu);
      for (const Upstream& u : ups)
        for (const auto& name : u.tool_order) {
          const auto changed = u.changed.find(name);
          // A changed tool is shown as pinned; one whose pin cannot be read, not at all.
          json t = changed == u.changed.end() ? u.tools.at(name) : changed->second.accepted;
          if (t.is_null()) continue;
          t["name"] = u.spec->name + std::string(kPrefixSeparator) + name;
          tools.push_back(std::move(t));
        }
    }
    reply(id, {{"tools", std::move(tools)}});
  });
}

void Gateway::Impl::list_prompts(const json& id) {
  list_all("prompts/list", "prompts", [this, id](auto error, auto items) {
    if (error)
      return reply_error(id, -32603, *error, {{"detail", errors::kGatewayUpstream.detail}});
    json prompts = json::array();
    for (size_t i = 0; i < items.size(); ++i)
      for (json p : items[i]) {
        if (!p.value("name", json()).is_string()) continue;
        p["name"] =
            ups[i].spec->name + std::string(kPrefixSeparator) + p["name"].get<std::string>();
        prompts.push_back(std::move(p));
      }
    reply(id, {{"prompts", std::move(prompts)}});
  });
}

void Gateway::Impl::list_resources(const json& id, const std::string& method,
                                   const std::string& key) {
  list_all(method, key, [this, id, key](auto error, auto items) {
    if (error)
      return reply_error(id, -32603, *error, {{"detail", errors::kGatewayUpstream.detail}});
    const bool templates = key == "resourceTemplates";
    const char* field = templates ? "uriTemplate" : "uri";
    json out = json::array();
    std::set<std::string> seen;
    {
      std::lock_guard<std::mutex> l(mu);
      for (size_t i = 0; i < items.size(); ++i) {
        if (templates)
          ups[i].template_prefixes.clear();
        else
          ups[i].resource_uris.clear();
        for (const json& r : items[i]) {
          if (!r.value(field, json()).is_string()) continue;
          const std::string uri = r[field];
          if (!seen.insert(uri).second) {  // the first upstream keeps a URI two offer
            log("upstream '" + ups[i].spec->name + "' offers " + uri +
                ", which an earlier upstream offers; refused");
            continue;
          }
          if (templates)
            ups[i].template_prefixes.push_back(uri.substr(0, uri.find('{')));
          else
            ups[i].resource_uris.insert(uri);
          out.push_back(r);
        }
      }
    }
    reply(id, {{key, std::move(out)}});
  });
}

std::optional<std::pair<size_t, std::string>> Gateway::Impl::split_name(
    const std::string& name) const {
  const size_t at = name.find(kPrefixSeparator);
  if (at == std::string::npos) return std::nullopt;
  const std::string upstream = name.substr(0, at);
  for (size_t i = 0; i < ups.size(); ++i)
    if (ups[i].spec->name == upstream)
      return std::pair{i, name.substr(at + kPrefixSeparator.size())};
  return std::nullopt;
}

std::optional<size_t> Gateway::Impl::resource_owner(const std::string& uri) const {
  std::lock_guard<std::mutex> l(mu);
  for (size_t i = 0; i < ups.size(); ++i)
    if (ups[i].resource_uris.count(uri)) return i;
  std::optional<size_t> best;
  size_t best_len = 0;
  for (size_t i = 0; i < ups.size(); ++i)
    for (const auto& p : ups[i].template_prefixes)
      if (!p.empty() && uri.compare(0, p.size(), p) == 0 && p.size() > best_len) {
        best = i;
        best_len = p.size();
      }
  if (best) return best;
  // Not listed yet: the one upstream with resources, if there is one.
  for (size_t i = 0; i < ups.size(); ++i)
    if (ups[i].capabilities.contains("resources")) {
      if (best) return std::nullopt;
      best = i;
    }
  return best;
}

}  // namespace aegis
