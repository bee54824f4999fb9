// Moved to aegis/store/attestation.h: this path forwards there for one release (0.1.x) and then goes.
#pragma once
#include "aegis/store/attestation.h"  // IWYU pragma: export
