// Internal: random identifiers.
#pragma once

#include <string>

namespace aegis::detail {

// A random (version 4) UUID in its 36-character form, from OpenSSL's DRBG (pooled per thread,
// refilled after fork). Throws InternalError if the generator fails.
std::string new_uuid_v4();

}  // namespace aegis::detail
