// Moved to aegis/store/attestation.h; this path forwards there until 0.2.
#pragma once
#include "aegis/store/attestation.h"  // IWYU pragma: export
