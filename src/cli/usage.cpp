// Usage errors as the documented JSON error (exit 3), with the nearest valid spelling.
#include "usage.h"

#include <cctype>
#include <regex>
#include <string>
#include <vector>

#include "aegis/core/spelling.h"
#include "errors.h"

namespace aegis::cli {
namespace {

// The subcommand the command line chose, deepest first found: `app` when none was.
const CLI::App* chosen(const CLI::App& app) {
  const CLI::App* at = &app;
  while (true) {
    const auto picked = at->get_subcommands();
    if (picked.empty()) return at;
    at = picked.front();
  }
}

std::string path_of(const CLI::App* app) {
  std::string path;
  for (const CLI::App* a = app; a; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names = {"--help", "-h"};
  for (const CLI::Option* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
    for (const auto& s : o->get_snames()) names.push_back("-" + s);
  }
  return names;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(s->get_name());
  return names;
}

}  // namespace

Error usage_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv) {
  const CLI::App* at = chosen(app);
  const std::string where = path_of(at);
  const auto usage = [](const std::string& field, const std::string& message) {
    return Error(errors::kCliUsage, field, message);
  };
  // The tokens after the chosen subcommand's name.
  std::vector<std::string> rest;
  {
    std::vector<std::string> names;
    for (const CLI::App* a = at; a && a->get_parent(); a = a->get_parent())
      names.insert(names.begin(), a->get_name());
    int i = 1;
    for (const std::string& n : names) {
      while (i < argc && argv[i] != n) ++i;
      ++i;
    }
    for (; i < argc; ++i) rest.emplace_back(argv[i]);
  }
  const std::vector<std::string> options = option_names(*at);
  const std::vector<std::string> commands = subcommand_names(*at);
  std::string list;
  for (const auto& c : commands) list += (list.empty() ? "" : ", ") + c;
  for (const std::string& token : rest) {  // the first word that is none of this command's
    const bool number = token.size() >= 2 && std::isdigit(static_cast<unsigned char>(token[1]));
    if (token.size() >= 2 && token[0] == '-' && token != "--" && !number) {  // a flag, not -1
      const std::string name = token.substr(0, token.find('='));
      if (std::find(options.begin(), options.end(), name) != options.end()) continue;
      return usage(name.substr(name.find_first_not_of('-')),
                   "unknown option '" + name + "' for '" + where + "'" +
                       did_you_mean(name, options) + "; see " + where + " --help");
    }
    if (!commands.empty() && !token.empty() && token[0] != '-')
      return usage("command", "unknown command '" + token + "' for '" + where + "'" +
                                  did_you_mean(token, commands) + "; one of: " + list);
  }
  if (!commands.empty() && rest.empty() && at->get_require_subcommand_min() > 0)
    return usage("command", "'" + where + "' needs a command; see " + where + " --help");
  // A value out of its set or range, a missing required option: CLI11's words, with the option
  // they name as the field and, for a set, the nearest member.
  std::string message = e.what();
  std::string field;
  std::smatch m;
  if (std::regex_search(message, m, std::regex("(--[A-Za-z0-9][A-Za-z0-9-]*)")))
    field = m[1].str().substr(2);
  if (std::regex_search(message, m, std::regex("(\\S+) not in \\{([^}]*)\\}"))) {
    std::vector<std::string> members;
    const std::string set = m[2].str();
    for (size_t start = 0; start <= set.size();) {
      const size_t comma = set.find(',', start);
      members.push_back(set.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    message += did_you_mean(m[1].str(), members);
  }
  return usage(field, "'" + where + "': " + message);
}

}  // namespace aegis::cli
