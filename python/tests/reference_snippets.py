"""Code blocks of the reference Python SDK's documentation, copied verbatim as data.

Each entry is the text of one block exactly as the reference prints it (BLOCKS lists them in the
reference's order); the tests exec them. PLACEHOLDERS lists the only substitutions made before
running: where the reference writes `...` or `b"..."`, a real program has real data. Names the
reference leaves undefined (`risk_sig_b64`, `risk_public_key`, `utility_result`, ...) are given
real values by the test that runs the block.
"""

QUICK_START = '''from aegis_governance import pcw_decide, PCWContext, PCWPhase, PCWStatus, AegisConfig
config = AegisConfig.default()
evaluator = config.create_gate_evaluator()
decision = pcw_decide(
PCWContext(
agent_id="my-agent",
session_id="session-1",
phase=PCWPhase.PLAN,
proposal_summary="Add caching layer",
estimated_impact="medium",
risk_proposed=0.3,
complexity_score=0.6,
),
gate_evaluator=evaluator,
)
if decision.status == PCWStatus.PROCEED:
print("Safe to proceed")'''

AEGIS_CONFIG_IMPORT = '''from aegis_governance import AegisConfig'''

AEGIS_CONFIG_DEFAULT = '''config = AegisConfig.default()'''

# The reference prints this block's import fused with the table heading after it
# ("PCWPhaseFields"), as it does AegisConfig's ("AegisConfigFields").
PCW_CONTEXT_IMPORT = '''from aegis_governance import PCWContext, PCWPhase'''

AEGIS_CONFIG_FROM_YAML = '''config = AegisConfig.from_yaml("schema/interface-contract.yaml")'''

CREATE_GATE_EVALUATOR = '''evaluator = config.create_gate_evaluator()
result = evaluator.evaluate_risk_gate(baseline=0.1, proposed=0.3)'''

CREATE_DRIFT_MONITOR = '''monitor = config.create_drift_monitor()
monitor.set_baseline([0.1, 0.15, 0.12, 0.14, ...]) # 30+ observations'''

CREATE_UTILITY_CALCULATOR = '''calculator = config.create_utility_calculator()'''

PCW_DECIDE = '''from aegis_governance import (
pcw_decide, PCWContext, PCWPhase, PCWStatus, AegisConfig
)
config = AegisConfig.default()
evaluator = config.create_gate_evaluator()
drift_monitor = config.create_drift_monitor()
drift_monitor.set_baseline([0.1, 0.12, 0.11, 0.13] * 10)
decision = pcw_decide(
PCWContext(
agent_id="deploy-bot",
session_id="deploy-123",
phase=PCWPhase.COMMIT,
proposal_summary="Deploy v2.5 to production",
estimated_impact="high",
risk_baseline=0.1,
risk_proposed=0.15,
profit_baseline=1000.0,
profit_proposed=1200.0,
novelty_score=0.3,
complexity_score=0.8,
quality_score=0.9,
requires_human_approval=True,
),
gate_evaluator=evaluator,
drift_monitor=drift_monitor,
)
print(f"Status: {decision.status.value}")
print(f"Confidence: {decision.confidence}")
print(f"Rationale: {decision.rationale}")
print(f"Next steps: {decision.next_steps}")
if decision.status == PCWStatus.PROCEED:
# Safe to continue
pass
elif decision.status == PCWStatus.HALT:
# Must stop -- check rationale
pass
elif decision.status in (PCWStatus.PAUSE, PCWStatus.ESCALATE):
# Requires human review
pass'''

QUICK_RISK_CHECK = '''from aegis_governance import quick_risk_check
if quick_risk_check("my-agent", "Update config file", risk_score=0.1):
print("Safe to proceed")'''

REQUIRE_HUMAN_APPROVAL = '''from aegis_governance import require_human_approval, PCWContext, PCWPhase
ctx = PCWContext(
agent_id="agent-1",
session_id="sess-1",
phase=PCWPhase.PLAN,
proposal_summary="Delete production database",
estimated_impact="critical",
reversible=False,
)
if require_human_approval(ctx):
print("Human approval required before proceeding")'''

GATE_EVALUATOR = '''from aegis_governance import GateEvaluator, AegisConfig
config = AegisConfig.default()
evaluator = config.create_gate_evaluator()
# Evaluate individual gates
risk_result = evaluator.evaluate_risk_gate(baseline=0.1, proposed=0.3)
profit_result = evaluator.evaluate_profit_gate(baseline=100, proposed=120)
novelty_result = evaluator.evaluate_novelty_gate(novelty_score=0.85)
complexity_result = evaluator.evaluate_complexity_gate(complexity_score=0.7)
quality_result = evaluator.evaluate_quality_gate(
quality_score=0.8, quality_subscores=[0.9, 0.7, 0.8]
)
# Evaluate all gates at once
full_result = evaluator.evaluate_all(
risk_baseline=0.1,
risk_proposed=0.15,
profit_baseline=100,
profit_proposed=120,
novelty_score=0.85,
complexity_score=0.7,
quality_score=0.8,
quality_subscores=[0.9, 0.7, 0.8],
utility_result=utility_result,
)
if full_result.all_passed:
print("All gates passed")
else:
for failure in full_result.get_failures():
print(f"FAILED: {failure.gate_type.value} "
f"(value={failure.value:.3f}, threshold={failure.threshold:.3f})")'''

APPROVER = '''from aegis_governance import Approver
from crypto.bip322_provider import BIP322Provider
approver = Approver(
actor_id="risk-lead-1",
name="Risk Lead",
is_risk_lead=True,
signature_verifier=BIP322Provider(),
)
result = approver.authorize_override(
proposal_id="prop-001",
failed_gates=["risk"],
justification="Emergency hotfix required",
signature=risk_sig_b64, # base64-encoded BIP-322 signature
public_key=risk_public_key, # 32-byte x-only public key
)'''

DUAL_SIGNATURE = '''from aegis_governance import DualSignatureValidator, OverrideWorkflow
# Create validator and message hash
validator = DualSignatureValidator()
msg_hash = validator.create_message_hash(
proposal_id="prop-001",
justification="Emergency hotfix",
failed_gates=["risk"],
)
# Use OverrideWorkflow for full two-key flow
workflow = OverrideWorkflow(
proposal_id="prop-001",
justification="Emergency hotfix",
failed_gates=["risk"],
requested_by="engineer-1",
)
# Each custodian adds their signature
workflow.add_signature("risk-lead-1", "risk_lead", risk_sig_b64, risk_pub_b64)
workflow.add_signature("sec-lead-1", "security_lead", sec_sig_b64, sec_pub_b64)
result = workflow.get_result()
if result.approved:
print(f"Override approved until {result.expires_at}")'''

HTTP_EVENT_SINK = '''from aegis_governance import HTTPEventSink
sink = HTTPEventSink(
url="https://telemetry.example.com/events",
headers={"Authorization": "Bearer ${TOKEN}"},
timeout=10,
)'''

BATCH_HTTP_SINK = '''from aegis_governance import BatchHTTPSink
sink = BatchHTTPSink(
url="https://telemetry.example.com/events/batch",
batch_size=100,
flush_interval_seconds=60,
max_retries=1,
)'''

HTTP_SINK_FACTORY = '''from aegis_governance import http_sink
# Single-event sink (no batching)
sink = http_sink(url="https://telemetry.example.com/events")
# Batching sink
sink = http_sink(
url="https://telemetry.example.com/events",
batch_size=50,
)'''

TELEMETRY_WIRING = '''from aegis_governance import pcw_decide, PCWContext, PCWPhase, AegisConfig
from aegis_governance import HTTPEventSink
from telemetry.emitter import TelemetryEmitter
# Create emitter with HTTP sink
emitter = TelemetryEmitter(source="my-service")
emitter.add_sink(HTTPEventSink(
url="https://telemetry.example.com/events",
allow_insecure=False,
))
config = AegisConfig.default()
decision = pcw_decide(
PCWContext(
agent_id="agent-1",
session_id="sess-1",
phase=PCWPhase.PLAN,
proposal_summary="Example",
estimated_impact="medium",
),
gate_evaluator=config.create_gate_evaluator(),
telemetry_emitter=emitter,
)'''

GET_KEK_PROVIDER = '''from aegis_governance import get_kek_provider
provider = get_kek_provider() # auto-detect
provider = get_kek_provider("kms") # force AWS KMS
provider = get_kek_provider("hsm") # force PKCS#11 HSM'''

AWS_KMS_PROVIDER = '''from aegis_governance import AWSKMSKEKProvider
# From explicit parameters
provider = AWSKMSKEKProvider(
kms_key_id="arn:aws:kms:us-west-2:123456789012:key/...",
wrapped_private_key=b"...",
public_key_bytes=b"...",
)
# From environment variables (recommended)
provider = AWSKMSKEKProvider.from_environment()'''

HSM_PROVIDER = '''from aegis_governance import HSMKEKProvider
# From environment variables (recommended)
provider = HSMKEKProvider.from_environment()'''

AVAILABILITY_FLAGS = '''from aegis_governance import KMS_KEK_AVAILABLE, HSM_KEK_AVAILABLE, HYBRID_KEM_AVAILABLE
if KMS_KEK_AVAILABLE:
provider = get_kek_provider("kms")'''

PLACEHOLDERS = {
    # more baseline data: 30+ observations
    "[0.1, 0.15, 0.12, 0.14, ...]": "[0.1, 0.15, 0.12, 0.14] * 8",
    # the local KMS endpoint's key (tests/kek/kms_server.py) in the reference's region
    "arn:aws:kms:us-west-2:123456789012:key/...":
        "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    # the KMS-wrapped HybridKEM private key and its public key, made by the test
    'wrapped_private_key=b"..."': "wrapped_private_key=kms_wrapped_private_key",
    'public_key_bytes=b"..."': "public_key_bytes=hybrid_kem_public_key",
}

# Every block, in the reference's order.
BLOCKS = ["QUICK_START", "AEGIS_CONFIG_IMPORT", "AEGIS_CONFIG_DEFAULT", "AEGIS_CONFIG_FROM_YAML",
          "CREATE_GATE_EVALUATOR", "CREATE_DRIFT_MONITOR", "CREATE_UTILITY_CALCULATOR",
          "PCW_CONTEXT_IMPORT", "PCW_DECIDE", "QUICK_RISK_CHECK", "REQUIRE_HUMAN_APPROVAL",
          "GATE_EVALUATOR",
          "HTTP_EVENT_SINK", "BATCH_HTTP_SINK", "HTTP_SINK_FACTORY", "TELEMETRY_WIRING",
          "GET_KEK_PROVIDER", "AWS_KMS_PROVIDER", "HSM_PROVIDER", "AVAILABILITY_FLAGS", "APPROVER",
          "DUAL_SIGNATURE"]


def restore_indentation(block):
    """The reference document lost its code indentation when it was flattened to text. This puts
    it back mechanically: a line ending in ':' outside brackets opens a block, elif/else/except
    close one level first; nothing else is touched."""
    out, depth, level = [], 0, 0
    for line in block.splitlines():
        stripped = line.strip()
        if depth == 0 and stripped.startswith(("elif ", "else:", "except", "finally:")):
            level -= 1
        out.append("    " * level + stripped if depth == 0 else "    " * (level + 1) + stripped)
        code = stripped.split("#", 1)[0] if not stripped.startswith(("f\"", "\"")) else stripped
        depth += code.count("(") + code.count("[") - code.count(")") - code.count("]")
        if depth == 0 and code.rstrip().endswith(":"):
            level += 1
    return "\n".join(out)
