// `aegis approvals`: the approvers' command. It reads and answers approvals in a store (--db, the
// roles from -c) or through a server (--url, as the API key's actor), and prints an action's
// digest so that anyone holding the action can check what an approval is bound to.
#include "aegis/workflow/approvals.h"

#include <openssl/crypto.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "aegis/client/approvals_client.h"
#include "aegis/core/json.h"
#include "aegis/server/server_config.h"
#include "commands.h"
#include "common.h"
#include "errors.h"

namespace aegis::cli {
namespace {

int print(const nlohmann::json& j) {
  write_all(stdout, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  return kExitProceed;
}

int through_server(const ApprovalOptions& o, const std::string& what) {
  std::string key;
  if (const char* k = std::getenv("AEGIS_API_KEY")) key = k;
  ServiceAnswer a;
  try {
    a = call_approvals(*o.url, key, what, {o.id, o.reason, o.state, o.limit});
  } catch (const AegisError& e) {
    OPENSSL_cleanse(key.data(), key.size());
    return report_error(e.error());
  }
  OPENSSL_cleanse(key.data(), key.size());
  if (a.curl_code != 0)
    return report_error(
        Error(errors::kCliService, "--url", "no answer from " + *o.url + ": " + a.error));
  const auto j = nlohmann::json::parse(a.body, nullptr, false);
  if (a.status >= 200 && a.status < 300 && j.is_object()) return print(j);
  write_all(stderr, (j.is_discarded() ? a.body : j.dump()) + "\n");
  return a.status >= 400 && a.status < 500 ? kExitInvalid : kExitInternal;
}

int in_store(const ApprovalOptions& o, const std::string& what) {
  auto file = load_config_file(o.config);
  if (!file) return report_error(file.error());
  const bool answering = what == "approve" || what == "deny";
  if (answering && !o.actor)
    return report_error(Error(errors::kCliUsage, "--actor",
                              "with --db, --actor names who answers (and -c gives its roles)"));
  std::unique_ptr<Store> store;
  try {
    store = Store::open(*o.db, Store::OpenMode::kExisting);
  } catch (const AegisError& e) {
    return report_error(e.error());
  }
  std::mutex lock;
  const RBACEnforcer rbac = server_rbac(file.value().rbac, file.value().server.api_keys);
  Approvals approvals(*store, lock, rbac, file.value().approvals);
  if (what == "list") {
    std::optional<ApprovalState> state;
    if (o.state) {
      state = parse_approval_state(*o.state);
      if (!state)
        return report_error(
            Error(errors::kCliUsage, "--state",
                  "not an approval state (" + joined(names_of<kApprovalStateNames>()) + ")"));
    }
    auto list = approvals.list(state, static_cast<size_t>(o.limit));
    if (!list) return report_error(list.error());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& a : list.value()) out.push_back(a.to_json());
    return print({{"approvals", out}});
  }
  auto r = what == "show"      ? approvals.get(o.id)
           : what == "approve" ? approvals.approve(*o.actor, o.id, o.reason, "cli")
                               : approvals.deny(*o.actor, o.id, o.reason, "cli");
  if (!r) return report_error(r.error());
  return print(r.value().to_json());
}

}  // namespace

int run_approvals(const ApprovalOptions& o, const std::string& what) {
  if (o.db.has_value() == o.url.has_value())
    return report_error(Error(errors::kCliUsage, o.db ? "--url" : "--db",
                              "give exactly one of --db (a store) and --url (a server)"));
  return o.url ? through_server(o, what) : in_store(o, what);
}

int run_approvals_digest(const ApprovalOptions& o) {
  int rc = kExitProceed;
  read_stdin_lines(size_t{1} << 24, [&](const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) return true;
    auto j = read_json(line);
    if (!j) {
      rc = report_error(j.error());
      return false;
    }
    try {
      const std::string canonical = jcs_canonical(j.value());
      write_all(stdout, o.canonical ? canonical + "\n"
                                    : nlohmann::json{{"digest", action_digest(j.value())},
                                                     {"canonical", canonical}}
                                              .dump() +
                                          "\n");
    } catch (const AegisError& e) {
      rc = report_error(e.error());
      return false;
    }
    return true;
  });
  return rc;
}

}  // namespace aegis::cli
