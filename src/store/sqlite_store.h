// Internal: the SQLite engine of Store.
#pragma once

#include <memory>
#include <string>

#include "aegis/store.h"

namespace aegis {

std::unique_ptr<Store> open_sqlite_store(const std::string& path);

}  // namespace aegis
