// Internal: the SQLite engine of Store.
#pragma once

#include <memory>
#include <string>

#include "aegis/store/store.h"

namespace aegis {

// `create`: Store::OpenMode::kCreate.
std::unique_ptr<Store> open_sqlite_store(const std::string& path, bool create);

}  // namespace aegis
