// Random identifiers (decision, proposal, override ids).
#pragma once

#include <string>

namespace aegis {

// A random (version 4) UUID in its 36-character form, from OpenSSL's DRBG (pooled per thread,
// refilled after fork). Throws InternalError if the generator fails.
std::string new_uuid_v4();

}  // namespace aegis
