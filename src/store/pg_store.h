// Internal: the PostgreSQL engine of Store (libpqxx 6).
#pragma once

#include <memory>
#include <string>

#include "aegis/store/store.h"

namespace aegis {

// `create`: Store::OpenMode::kCreate.
std::unique_ptr<Store> open_pg_store(const std::string& url, bool create);

}  // namespace aegis
