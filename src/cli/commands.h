// The `aegis` subcommands. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "aegis/workflow/override.h"

namespace aegis {
class McpServer;
}

namespace aegis::cli {

struct EvaluateOptions {
  std::string input = "-";            // file or "-" for stdin
  std::optional<std::string> config;  // YAML config
  bool shadow = false;
  std::optional<std::string> drift_baseline;  // JSON array file
  std::string format = "json";                // json | text
  std::optional<std::string> batch;           // JSONL input for --batch
  std::string output = "-";                   // --batch output
  unsigned threads = 1;                       // --batch: deciding threads (main sets the default)
  std::optional<std::string> fields;          // --batch: top-level fields of each line written
  std::optional<std::string> db;  // record each decision durably (sqlite:PATH) before printing
  std::optional<std::string> telemetry_url;  // https only; else the config's telemetry_url
  std::optional<std::string> what_if;        // a merge patch (JSON) or K=V,... of the context
  bool record = false;                       // --what-if: record the changed decision in --db
};

struct GateOptions {
  std::string input = "-";            // the context: a file or "-" for stdin
  std::optional<std::string> url;     // a remote aegis serve; none: decided here
  std::optional<std::string> config;  // YAML config (decided here)
  std::optional<std::string> db;      // decided here, honouring the approvals in this store
  int retries = 3;
  double timeout_s = 30;
  std::string on_unavailable = "fail";  // fail | pass
  std::string format = "text";          // text | json
};

int run_evaluate(const EvaluateOptions& options);
int run_gate(const GateOptions& options);
int run_batch(const EvaluateOptions& options);
int run_validate_config(const std::string& path);
int run_health(const std::string& format);
int run_version(const std::string& format);
int run_keygen(const std::string& output);
int run_audit_verify(const std::string& db);
int run_metrics(const std::optional<std::string>& db);
struct ServeOptions {
  std::string listen = "127.0.0.1:8080";
  std::optional<std::string> config;
  std::string db = "sqlite:aegis.db";
  std::optional<std::string> tls_cert, tls_key;  // both or neither
};
int run_serve(const ServeOptions& options);
int run_report(const std::string& input, const std::optional<std::string>& output,
               const std::optional<std::string>& decision_id);
int run_apikey_new(const std::string& actor, const std::string& role);
int run_mcp(const std::optional<std::string>& config, const std::optional<std::string>& db,
            const std::string& transport, const std::string& host, int port);
// `aegis gateway` and its pins (src/cli/gateway.cpp).
struct GatewayOptions {
  std::optional<std::string> config, db, listen;  // listen: HOST:PORT for Streamable HTTP
  std::string upstream, tool, sha256, actor;
};
int run_gateway(const GatewayOptions& options);
int run_gateway_pins_list(const GatewayOptions& options);
int run_gateway_pins_accept(const GatewayOptions& options);
// `aegis approvals` (src/cli/approvals.cpp).
struct ApprovalOptions {
  std::optional<std::string> db, url, config, actor, state;
  std::string id, reason;
  int limit = 50;
  bool canonical = false;
};
// `what`: list, show, approve or deny.
int run_approvals(const ApprovalOptions& options, const std::string& what);
int run_approvals_digest(const ApprovalOptions& options);
int run_audit_export(const std::string& db);
int run_audit_checkpoint(const std::string& db, const std::string& key_path);
int run_audit_verify_checkpoint(const std::string& db, const std::string& checkpoint_path,
                                const std::optional<std::string>& public_key);
int run_attest_keygen(const std::string& output);
int run_attest_export(const std::string& db, const std::string& decision_id,
                      const std::string& key_path);
int run_attest_verify(const std::string& path, const std::string& public_key);
// With `binding`, the message of that stored override (create_bound_message_hash), which a
// custodian recomputes from the override's GET answer before signing.
int run_override_hash(const std::string& proposal_id, const std::string& justification,
                      const std::string& failed_gates,
                      const std::optional<OverrideBinding>& binding, int64_t expires_at_ms);
int run_override_sign(const std::string& key_path, const std::string& hash);
int run_override_verify(const std::string& request_path, const std::optional<std::string>& config);
int run_signature_sign(const std::string& key_path, const std::string& message);
int run_signature_verify(const std::string& message, const std::optional<std::string>& pubkey,
                         const std::optional<std::string>& address, const std::string& signature);

int run_kem_keygen(const std::string& output);
int run_kem_public_key(const std::string& key_file);
int run_kem_encapsulate(const std::string& public_key, const std::optional<std::string>& eseed_hex);
int run_kem_decapsulate(const std::string& key_file, const std::string& ciphertext);
int run_kek_status();
int run_kek_wrap(const std::string& provider, const std::optional<std::string>& input,
                 const std::optional<std::string>& kem_key_file);
int run_kek_unwrap(const std::string& provider, const std::string& wrapped);
int run_kek_provision(const std::string& provider, const std::string& output);
int run_telemetry_decrypt(const std::string& provider, const std::string& input);

}  // namespace aegis::cli
