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

// One upstream's list in progress, a page at a time. The page function holds it weakly; each
// awaited page holds it strongly, so it lives until the last answer.
struct Pager {
  std::vector<json> items;
  Gateway::Impl::Listed done;
  std::function<void(json cursor, size_t pages)> page;
};

}  // namespace

void Gateway::Impl::list_pages(size_t i, const std::string& method, const std::string& key,
                               Listed done) {
  auto pager = std::make_shared<Pager>();
  pager->done = std::move(done);
  const std::string name = ups[i].spec->name;
  pager->page = [this, i, method, key, name, weak = std::weak_ptr<Pager>(pager)](json cursor,
                                                                                 size_t n) {
    auto self = weak.lock();
    if (!self) return;
    json params = json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    auto on_page = [self, key, name, n](const json& r) {
      const json result = r.value("result", json());
      if (!result.is_object() || !result.value(key, json()).is_array())
        return self->done("upstream '" + name + "' did not answer the list: " + error_text(r), {});
      for (const auto& item : result[key])  // an item that is not an object is no item
        if (item.is_object()) self->items.push_back(item);
      const json next = result.value("nextCursor", json());
      if (!next.is_string()) return self->done(std::nullopt, std::move(self->items));
      if (n + 1 >= kMaxPages) return self->done("upstream '" + name + "' lists without end", {});
      self->page(next, n + 1);
    };
    if (!request(i, method, params, on_page, kListTimeout))
      self->done("upstream '" + name + "' is not running", {});
  };
  pager->page(json(), 0);
}

void Gateway::Impl::refresh_tools(size_t i, std::function<void(std::optional<std::string>)> done) {
  list_pages(i, "tools/list", "tools", [this, i, done](auto error, std::vector<json> tools) {
    if (!error) keep_tools(i, tools);
    done(error);
  });
}

void Gateway::Impl::list_all(
    const std::string& method, const std::string& key,
    std::function<void(std::optional<std::string>, std::vector<std::vector<json>>)> done) {
  struct All {
    std::mutex mu;
    size_t left = 0;
    std::optional<std::string> error;
    std::vector<std::vector<json>> items;
    std::function<void(std::optional<std::string>, std::vector<std::vector<json>>)> done;
  };
  auto all = std::make_shared<All>();
  all->left = ups.size();
  all->items.resize(ups.size());
  all->done = std::move(done);
  const auto finish = [all](size_t i, std::optional<std::string> e, std::vector<json> items) {
    std::unique_lock<std::mutex> l(all->mu);
    if (e && !all->error) all->error = std::move(e);
    all->items[i] = std::move(items);
    if (--all->left > 0) return;
    l.unlock();
    all->done(all->error, std::move(all->items));
  };
  for (size_t i = 0; i < ups.size(); ++i) {
    bool has;
    {
      std::lock_guard<std::mutex> l(mu);
      has = ups[i].capabilities.contains(capability_of(method));
    }
    if (!has) {
      finish(i, std::nullopt, {});
      continue;
    }
    list_pages(i, method, key, [finish, i](auto e, std::vector<json> items) {
      finish(i, std::move(e), std::move(items));
    });
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
