// The `aegis` command: parses the command line and dispatches to one subcommand.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <thread>

#include "aegis/version.h"
#include "commands.h"
#include "common.h"

int main(int argc, char** argv) {
  using namespace aegis::cli;
  CLI::App app{"AEGIS: quantitative governance decisions (PROCEED, PAUSE, HALT, ESCALATE)",
               "aegis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", aegis::kEngineVersion);

  EvaluateOptions ev;
  auto* evaluate = app.add_subcommand(
      "evaluate",
      "Decide on one JSON context (exit 0 proceed, 1 halt, 2 pause/escalate, 3 invalid, "
      "4 internal), or on a JSONL file with --batch");
  evaluate->add_option("-i,--input", ev.input, "context JSON file, - for stdin (default)");
  evaluate->add_option("input_file", ev.input, "context JSON file (same as -i)");
  evaluate->add_option("-c,--config", ev.config, "YAML configuration");
  evaluate->add_flag("--shadow", ev.shadow, "compute without enforcing; exits 0");
  evaluate->add_option("--drift-baseline", ev.drift_baseline,
                       "JSON array of at least 30 baseline risk values");
  evaluate->add_option("--format", ev.format, "json (default) or text")
      ->check(CLI::IsMember({"json", "text"}));
  evaluate->add_option("--batch", ev.batch, "JSONL input, one context per line (- for stdin)");
  evaluate->add_option("-o,--output", ev.output, "JSONL output for --batch (default stdout)");
  ev.threads = std::max(1u, std::thread::hardware_concurrency());
  evaluate->add_option("--threads", ev.threads,
                       "--batch: threads deciding lines (default: the machine's cores; output "
                       "stays in input order)")
      ->check(CLI::Range(1u, 256u));
  evaluate->add_option("--fields", ev.fields,
                       "--batch: write only these top-level fields of each decision "
                       "(status,failing_gates,decision_id,...); --db still stores the whole");
  evaluate->add_option("--db", ev.db,
                       "record each decision in the store (sqlite:PATH) before printing it");
  evaluate->add_option("--telemetry-url", ev.telemetry_url,
                       "https URL that receives the decision's telemetry events");
  evaluate->add_option("--what-if", ev.what_if,
                       "decide the context with these changes too: a JSON merge patch "
                       "('{\"risk_proposed\":0.02}') or K=V,... (utility.expected_benefit=900); "
                       "prints the changed decision and the difference, records nothing");
  evaluate->add_flag("--record", ev.record, "with --what-if: record the changed decision in --db");

  GateOptions go;
  auto* gate = app.add_subcommand(
      "gate",
      "CI check: decide one context here or with --url, failing closed (exit 0 proceed, 1 halt, "
      "2 review, 3 invalid, 4 internal, 5 rejected, 6 unavailable, 7 malformed)");
  gate->add_option("-i,--input", go.input, "context JSON file, - for stdin (default)");
  gate->add_option("--url", go.url,
                   "aegis serve base URL (https, or http to this machine); API key from "
                   "AEGIS_API_KEY");
  gate->add_option("-c,--config", go.config, "YAML configuration (without --url)");
  gate->add_option("--retries", go.retries, "retries on connection errors, timeouts, 429, 502-504 "
                                            "(default 3)")
      ->check(CLI::Range(0, 100));
  gate->add_option("--timeout", go.timeout_s, "seconds for the whole check, waits included "
                                              "(default 30)")
      ->check(CLI::Range(0.001, 3600.0));
  gate->add_option("--on-unavailable", go.on_unavailable,
                   "fail (default) or pass: with pass, exit 6 becomes 0, loudly; nothing else")
      ->check(CLI::IsMember({"fail", "pass"}));
  gate->add_option("--format", go.format, "text (default) or json")
      ->check(CLI::IsMember({"json", "text"}));

  std::string config_path;
  auto* validate = app.add_subcommand("validate-config", "Validate a YAML configuration file");
  validate->add_option("file", config_path, "YAML file")->required();

  std::string health_format = "json";
  auto* health = app.add_subcommand("health", "Self-test the engine");
  health->add_option("--format", health_format, "json (default) or text")
      ->check(CLI::IsMember({"json", "text"}));

  std::string version_format = "text";
  auto* version = app.add_subcommand("version", "Print versions");
  version->add_option("--format", version_format, "text (default) or json")
      ->check(CLI::IsMember({"json", "text"}));

  std::string key_out = "aegis-custodian.key";
  auto* keygen = app.add_subcommand("keygen", "Create a custodian key (file mode 0600)");
  keygen->add_option("-o,--output", key_out, "key file to create (never overwritten)");

  auto* override_cmd = app.add_subcommand("override", "Two-key overrides, offline");
  override_cmd->require_subcommand(1);
  std::string proposal_id, justification, failed_gates, key_path, hash, request;
  std::optional<std::string> override_config;
  auto* ov_hash = override_cmd->add_subcommand("hash", "The message both custodians sign");
  ov_hash->add_option("--proposal-id", proposal_id)->required();
  ov_hash->add_option("--justification", justification)->required();
  ov_hash->add_option("--failed-gates", failed_gates, "comma-separated, e.g. risk,novelty")
      ->required();
  auto* ov_sign = override_cmd->add_subcommand("sign", "Sign an override hash with a key file");
  ov_sign->add_option("--key", key_path)->required();
  ov_sign->add_option("--hash", hash)->required();
  auto* ov_verify = override_cmd->add_subcommand(
      "verify", "Verify an override request with both signatures (exit 0 approved, 1 not)");
  ov_verify->add_option("request", request, "override request JSON file")->required();
  ov_verify->add_option("-c,--config", override_config, "config whose custodians: are trusted");

  auto* signature_cmd = app.add_subcommand("signature", "Plain BIP-322 messages (P2TR)");
  signature_cmd->require_subcommand(1);
  std::string message, sig;
  std::optional<std::string> pubkey, address;
  auto* sig_sign = signature_cmd->add_subcommand("sign", "Sign a message");
  sig_sign->add_option("--message", message)->required();
  sig_sign->add_option("--key", key_path)->required();
  auto* sig_verify = signature_cmd->add_subcommand("verify", "Verify a message signature");
  sig_verify->add_option("--message", message)->required();
  sig_verify->add_option("--pubkey", pubkey, "x-only internal key, 64 hex digits");
  sig_verify->add_option("--address", address, "P2TR address");
  sig_verify->add_option("--signature", sig)->required();

  std::string audit_db, audit_key, audit_checkpoint_file;
  std::optional<std::string> audit_public_key;
  auto* audit = app.add_subcommand("audit", "The tamper-evident audit chain");
  audit->require_subcommand(1);
  auto* audit_verify = audit->add_subcommand(
      "verify", "Re-walk the chain (exit 0 intact, 1 broken); with --checkpoint, also prove it "
                "still holds that signed head");
  audit_verify->add_option("--db", audit_db, "sqlite:PATH or postgresql://...")->required();
  auto* audit_verify_cp = audit_verify->add_option("--checkpoint", audit_checkpoint_file,
                                                   "a checkpoint from `aegis audit checkpoint`");
  audit_verify->add_option("--public-key", audit_public_key,
                           "the signer's Ed25519 key (base64) the checkpoint must be signed by")
      ->needs(audit_verify_cp);
  auto* audit_export = audit->add_subcommand("export", "Write the entries as JSON lines");
  audit_export->add_option("--db", audit_db, "sqlite:PATH")->required();
  auto* audit_cp = audit->add_subcommand(
      "checkpoint", "Sign the chain's head now: {entries, head_hash, time, public_key, signature}");
  audit_cp->add_option("--db", audit_db, "sqlite:PATH or postgresql://...")->required();
  audit_cp->add_option("--key", audit_key, "Ed25519 key file (aegis attest keygen)")->required();

  std::string attest_out, attest_db, attest_decision, attest_key, attest_file, attest_public_key;
  auto* attest = app.add_subcommand("attest", "Signed attestations of stored decisions (in-toto "
                                              "Statement v1 in a DSSE envelope, Ed25519)");
  attest->require_subcommand(1);
  auto* attest_keygen =
      attest->add_subcommand("keygen", "Create an Ed25519 attestation key file (mode 0600)");
  attest_keygen->add_option("-o,--output", attest_out, "key file to create (never overwritten)")
      ->required();
  auto* attest_export =
      attest->add_subcommand("export", "A stored decision's signed DSSE envelope, on stdout");
  attest_export->add_option("--db", attest_db, "sqlite:PATH or postgresql://...")->required();
  attest_export->add_option("--decision", attest_decision, "decision id")->required();
  attest_export->add_option("--key", attest_key, "Ed25519 key file")->required();
  auto* attest_verify =
      attest->add_subcommand("verify", "Check an envelope offline (exit 0 valid, 1 not)");
  attest_verify->add_option("file", attest_file, "envelope JSON (- for stdin)")->required();
  attest_verify->add_option("--public-key", attest_public_key, "Ed25519 key, base64")->required();

  ServeOptions so;
  auto* serve = app.add_subcommand("serve", "The HTTP API (decisions, workflows, overrides, "
                                            "drift, health, metrics)");
  serve->add_option("--listen", so.listen, "HOST:PORT (default 127.0.0.1:8080)");
  serve->add_option("-c,--config", so.config, "YAML: parameters, server.api_keys, custodians");
  serve->add_option("--db", so.db, "sqlite:PATH (default sqlite:aegis.db) or postgresql://...");
  auto* tls_cert = serve->add_option("--tls-cert", so.tls_cert, "PEM certificate: serve HTTPS");
  auto* tls_key = serve->add_option("--tls-key", so.tls_key, "PEM private key of --tls-cert");
  tls_cert->needs(tls_key);
  tls_key->needs(tls_cert);

  std::string report_input;
  std::optional<std::string> report_output, report_decision;
  auto* report = app.add_subcommand("report", "Charts of a decision file or a batch output, as "
                                              "one self-contained HTML file");
  report->add_option("input", report_input, "DECISION.json or BATCH.jsonl (- for stdin)")
      ->required();
  report->add_option("-o,--output", report_output, "HTML file to write (default: stdout)");
  report->add_option("--decision", report_decision,
                     "decision whose gate margins are drawn (default: the newest)");

  std::string apikey_actor, apikey_role;
  auto* apikey = app.add_subcommand("apikey", "API keys for aegis serve");
  apikey->require_subcommand(1);
  auto* apikey_new = apikey->add_subcommand("new", "Print a fresh key once and its config line");
  apikey_new->add_option("--actor", apikey_actor)->required();
  apikey_new->add_option("--role", apikey_role)->required();

  std::optional<std::string> metrics_db;
  auto* metrics = app.add_subcommand("metrics", "Prometheus text (replaying --db's decisions)");
  metrics->add_option("--db", metrics_db, "sqlite:PATH or postgresql://...");

  std::optional<std::string> mcp_config, mcp_db;
  std::string mcp_transport = "stdio", mcp_host = "127.0.0.1";
  int mcp_port = 8080;
  auto* mcp = app.add_subcommand("mcp", "MCP server for AI agents (JSON-RPC 2.0, stdio or HTTP)");
  mcp->add_option("--transport", mcp_transport, "stdio (default) or http")
      ->check(CLI::IsMember({"stdio", "http"}));
  mcp->add_option("--host", mcp_host, "HTTP listen address (default 127.0.0.1)");
  mcp->add_option("--port", mcp_port, "HTTP port (default 8080)")->check(CLI::Range(1, 65535));
  mcp->add_option("-c,--config", mcp_config, "YAML configuration (mcp_rate_limit, thresholds)");
  mcp->add_option("--db", mcp_db, "store decisions here (sqlite:PATH or postgresql://...)");

  const std::vector<std::string> kProviders = {"auto", "kms", "hsm", "environment", "in_memory"};
  std::string kem_out, kem_key_file, kem_public_key, kem_ciphertext, kek_provider = "auto",
                                                                      kek_wrapped, kek_out;
  std::optional<std::string> kem_eseed, kek_input, kek_kem_key;
  auto* kem = app.add_subcommand("kem", "X-Wing (ML-KEM-768 + X25519) keys, for tests and setup");
  kem->require_subcommand(1);
  auto* kem_keygen = kem->add_subcommand("keygen", "Create an X-Wing private key file (mode 0600)");
  kem_keygen->add_option("-o,--output", kem_out, "key file to create (never overwritten)")->required();
  auto* kem_pub = kem->add_subcommand("public-key", "The public key of a key file");
  kem_pub->add_option("--key-file", kem_key_file)->required();
  auto* kem_encap = kem->add_subcommand("encapsulate", "A ciphertext and shared secret for a public key");
  kem_encap->add_option("--public-key", kem_public_key, "base64, 1216 bytes")->required();
  kem_encap->add_option("--eseed-hex", kem_eseed, "64 bytes of given randomness (test vectors)");
  auto* kem_decap = kem->add_subcommand("decapsulate", "The shared secret of a ciphertext");
  kem_decap->add_option("--key-file", kem_key_file)->required();
  kem_decap->add_option("--ciphertext", kem_ciphertext, "base64, 1120 bytes")->required();

  auto* kek = app.add_subcommand("kek", "Key-encryption-key providers (KMS, HSM, environment)");
  kek->require_subcommand(1);
  auto* kek_status_cmd = kek->add_subcommand("status", "Per provider: configured, working, key id");
  auto* kek_wrap = kek->add_subcommand("wrap", "Wrap bytes under a provider's KEK");
  kek_wrap->add_option("--provider", kek_provider, "auto (default), kms, hsm, environment, in_memory")
      ->check(CLI::IsMember(kProviders));
  kek_wrap->add_option("-i,--input", kek_input, "file of bytes to wrap (- for stdin)");
  kek_wrap->add_option("--kem-key-file", kek_kem_key, "an X-Wing key file to wrap");
  auto* kek_unwrap = kek->add_subcommand("unwrap", "Unwrap a blob with a provider's KEK");
  kek_unwrap->add_option("--provider", kek_provider)->check(CLI::IsMember(kProviders));
  kek_unwrap->add_option("--wrapped", kek_wrapped, "base64")->required();
  auto* kek_provision = kek->add_subcommand(
      "provision", "A new X-Wing key wrapped by the provider; writes the environment lines");
  kek_provision->add_option("--provider", kek_provider, "kms, hsm or environment")
      ->check(CLI::IsMember(kProviders))
      ->required();
  kek_provision->add_option("-o,--output", kek_out, "file for the environment lines (mode 0600)")
      ->required();

  std::string telemetry_input = "-";
  auto* telemetry = app.add_subcommand("telemetry", "Telemetry events");
  telemetry->require_subcommand(1);
  auto* tel_decrypt = telemetry->add_subcommand(
      "decrypt", "Restore the encrypted personal fields (the provider's private key)");
  tel_decrypt->add_option("-i,--input", telemetry_input, "events: a JSON array, object or lines");
  tel_decrypt->add_option("--provider", kek_provider)->check(CLI::IsMember(kProviders));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitInvalid;
  }
  try {
    if (*evaluate) {
      if (ev.batch) {
        if (ev.format != "json") {
          return report_error(aegis::invalid_input("cli.usage", "format",
                                                   "--batch writes JSONL; --format text is not "
                                                   "available with it"));
        }
        return run_batch(ev);
      }
      if (ev.fields)
        return report_error(aegis::invalid_input("cli.usage", "fields",
                                                 "--fields chooses the fields of --batch lines; "
                                                 "use it with --batch"));
      return run_evaluate(ev);
    }
    if (*gate) {
      if (go.url && go.config)
        return report_error(aegis::invalid_input("cli.usage", "config",
                                                 "--config is for deciding here; the service at "
                                                 "--url decides with its own"));
      return run_gate(go);
    }
    if (*validate) return run_validate_config(config_path);
    if (*health) return run_health(health_format);
    if (*version) return run_version(version_format);
    if (*keygen) return run_keygen(key_out);
    if (*audit_verify)
      return *audit_verify_cp
                 ? run_audit_verify_checkpoint(audit_db, audit_checkpoint_file, audit_public_key)
                 : run_audit_verify(audit_db);
    if (*audit_cp) return run_audit_checkpoint(audit_db, audit_key);
    if (*attest_keygen) return run_attest_keygen(attest_out);
    if (*attest_export) return run_attest_export(attest_db, attest_decision, attest_key);
    if (*attest_verify) return run_attest_verify(attest_file, attest_public_key);
    if (*metrics) return run_metrics(metrics_db);
    if (*serve) return run_serve(so);
    if (*report) return run_report(report_input, report_output, report_decision);
    if (*apikey_new) return run_apikey_new(apikey_actor, apikey_role);
    if (*mcp) return run_mcp(mcp_config, mcp_db, mcp_transport, mcp_host, mcp_port);
    if (*audit_export) return run_audit_export(audit_db);
    if (*ov_hash) return run_override_hash(proposal_id, justification, failed_gates);
    if (*ov_sign) return run_override_sign(key_path, hash);
    if (*ov_verify) return run_override_verify(request, override_config);
    if (*sig_sign) return run_signature_sign(key_path, message);
    if (*sig_verify) return run_signature_verify(message, pubkey, address, sig);
    if (*kem_keygen) return run_kem_keygen(kem_out);
    if (*kem_pub) return run_kem_public_key(kem_key_file);
    if (*kem_encap) return run_kem_encapsulate(kem_public_key, kem_eseed);
    if (*kem_decap) return run_kem_decapsulate(kem_key_file, kem_ciphertext);
    if (*kek_status_cmd) return run_kek_status();
    if (*kek_wrap) return run_kek_wrap(kek_provider, kek_input, kek_kem_key);
    if (*kek_unwrap) return run_kek_unwrap(kek_provider, kek_wrapped);
    if (*kek_provision) return run_kek_provision(kek_provider, kek_out);
    if (*tel_decrypt) return run_telemetry_decrypt(kek_provider, telemetry_input);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aegis: internal error: %s\n", e.what());
    return kExitInternal;
  }
  return kExitInvalid;
}
