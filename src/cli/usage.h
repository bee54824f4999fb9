// Usage errors of the command line (an unknown option or command, a bad choice or value, a
// missing option) as the documented JSON error: detail "cli.usage", the field, and the nearest
// valid spelling when there is one.
#pragma once

#include <CLI/CLI.hpp>

#include "aegis/core/error.h"

namespace aegis::cli {

// The error for `e`, which parsing argv with `app` threw (not a request for help or version).
Error usage_error(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv);

}  // namespace aegis::cli
