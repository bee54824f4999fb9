// Version of the AEGIS engine and its wire format.
#pragma once

namespace aegis {

// The engine version, recorded in every decision trace.
inline constexpr const char* kEngineVersion = "0.1.0";

}  // namespace aegis
