"""Code blocks of ../shared/seed/python-sdk-reference.txt, copied verbatim as data.

Each entry is the text of one block exactly as the reference prints it; the tests exec them.
PLACEHOLDERS lists the only substitutions made before running: the reference writes `...` where a
real program has more data.
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

# The reference's `...` stands for more baseline data: 30+ observations.
PLACEHOLDERS = {
    "[0.1, 0.15, 0.12, 0.14, ...]": "[0.1, 0.15, 0.12, 0.14] * 8",
}

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
