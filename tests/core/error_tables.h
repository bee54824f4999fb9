// Every detail-code table, in layer order: for the generated docs/ERRORS.md and its tests.
#pragma once

#include <span>
#include <string_view>

#include "aegis/client/errors.h"
#include "aegis/core/errors.h"
#include "aegis/crypto/errors.h"
#include "aegis/kek/errors.h"
#include "aegis/server/errors.h"
#include "aegis/service/errors.h"
#include "aegis/store/errors.h"
#include "aegis/telemetry/errors.h"
#include "aegis/workflow/errors.h"
#include "python/src/errors.h"
#include "src/cli/errors.h"

namespace aegis::errors {

// A module's table with the layer that declares it.
struct ErrorTable {
  std::string_view layer;
  std::span<const ErrorCode> codes;
};

inline constexpr ErrorTable kAllTables[] = {
    {"core", kTable_bayes},
    {"core", kTable_complexity},
    {"core", kTable_config},
    {"core", kTable_context},
    {"core", kTable_decide},
    {"core", kTable_digest},
    {"core", kTable_drift},
    {"core", kTable_json},
    {"core", kTable_utility},
    {"core", kTable_uuid},
    {"crypto", kTable_crypto},
    {"crypto", kTable_hpke},
    {"crypto", kTable_kem},
    {"crypto", kTable_key_file},
    {"kek", kTable_kek},
    {"kek", kTable_kek_hsm},
    {"kek", kTable_kek_kms},
    {"telemetry", kTable_telemetry},
    {"store", kTable_attestation},
    {"store", kTable_checkpoint},
    {"store", kTable_store},
    {"service", kTable_batch},
    {"service", kTable_request},
    {"service", kTable_what_if},
    {"workflow", kTable_api},
    {"workflow", kTable_actor},
    {"workflow", kTable_afa},
    {"workflow", kTable_approval},
    {"workflow", kTable_calibration},
    {"workflow", kTable_consensus},
    {"workflow", kTable_override},
    {"workflow", kTable_proposal},
    {"workflow", kTable_rbac},
    {"workflow", kTable_rollout},
    {"workflow", kTable_workflow},
    {"server", kTable_dashboard},
    {"server", kTable_gateway},
    {"server", kTable_http},
    {"server", kTable_mcp},
    {"server", kTable_openapi},
    {"server", kTable_server},
    {"client", kTable_gate},
    {"cli", kTable_cli},
    {"cli", kTable_report},
    {"python", kTable_python},
};

}  // namespace aegis::errors
