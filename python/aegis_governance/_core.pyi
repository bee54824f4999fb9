"""Type stubs for the compiled AEGIS engine."""
import datetime
import enum
import os
from typing import Any, Callable, Optional, Protocol, Sequence, Union

__version__: str

class AegisValidationError(ValueError):
    code: str
    detail: str
    field: Optional[str]

class AegisNotFoundError(FileNotFoundError):
    code: str
    detail: str
    field: Optional[str]

class AegisPermissionError(PermissionError):
    code: str
    detail: str
    field: Optional[str]

class AegisConflictError(ValueError):
    code: str
    detail: str
    field: Optional[str]

class AegisInternalError(RuntimeError):
    code: str
    detail: str
    field: Optional[str]

class PCWPhase(str, enum.Enum):
    PLAN = "plan"
    COMMIT = "commit"
    WORK = "work"

class PCWStatus(str, enum.Enum):
    PROCEED = "proceed"
    PAUSE = "pause"
    HALT = "halt"
    ESCALATE = "escalate"

class GateType(str, enum.Enum):
    RISK = "risk"
    PROFIT = "profit"
    NOVELTY = "novelty"
    COMPLEXITY = "complexity"
    QUALITY = "quality"
    UTILITY = "utility"

class DriftStatus(str, enum.Enum):
    NORMAL = "normal"
    WARNING = "warning"
    CRITICAL = "critical"
    INSUFFICIENT_DATA = "insufficient_data"

class DriftAction(str, enum.Enum):
    NONE = "none"
    ALERT = "alert"
    ESCALATE = "escalate"

class KLDriftConfig:
    def __init__(self, *, tau_warning: float = 0.3, tau_critical: float = 0.5,
                 window_days: int = 30) -> None: ...
    @property
    def tau_warning(self) -> float: ...
    @property
    def tau_critical(self) -> float: ...
    @property
    def window_days(self) -> int: ...

class AegisConfig:
    def __init__(self, *, epsilon_R: float = 0.01, epsilon_P: float = 0.01,
                 risk_trigger_factor: float = 2.0, profit_trigger_factor: float = 2.0,
                 trigger_confidence_prob: float = 0.95, novelty_N0: float = 0.7,
                 novelty_k: float = 10.0, novelty_threshold: float = 0.6,
                 complexity_floor: float = 0.5, quality_min_score: float = 0.7,
                 quality_no_zero_subscore: bool = True, gamma: float = 0.3, kappa: float = 1.0,
                 phi_S: float = 100.0, phi_D: float = 2000.0, lcb_alpha: float = 0.05,
                 migration_budget: float = 5000.0, utility_threshold: float = 0.0,
                 kl_drift: KLDriftConfig = ..., telemetry_url: Optional[str] = None,
                 telemetry_allow_insecure: bool = False, mcp_rate_limit: int = 60) -> None: ...
    @staticmethod
    def default() -> AegisConfig: ...
    @staticmethod
    def from_yaml(path: Union[str, os.PathLike[str]]) -> AegisConfig: ...
    def create_gate_evaluator(self) -> GateEvaluator: ...
    def create_drift_monitor(self) -> DriftMonitor: ...
    def create_utility_calculator(self) -> UtilityCalculator: ...
    def to_dict(self) -> dict[str, Any]: ...
    @property
    def config_hash(self) -> str: ...
    @property
    def epsilon_R(self) -> float: ...
    @property
    def epsilon_P(self) -> float: ...
    @property
    def risk_trigger_factor(self) -> float: ...
    @property
    def profit_trigger_factor(self) -> float: ...
    @property
    def trigger_confidence_prob(self) -> float: ...
    @property
    def novelty_N0(self) -> float: ...
    @property
    def novelty_k(self) -> float: ...
    @property
    def novelty_threshold(self) -> float: ...
    @property
    def complexity_floor(self) -> float: ...
    @property
    def quality_min_score(self) -> float: ...
    @property
    def quality_no_zero_subscore(self) -> bool: ...
    @property
    def gamma(self) -> float: ...
    @property
    def kappa(self) -> float: ...
    @property
    def phi_S(self) -> float: ...
    @property
    def phi_D(self) -> float: ...
    @property
    def lcb_alpha(self) -> float: ...
    @property
    def migration_budget(self) -> float: ...
    @property
    def utility_threshold(self) -> float: ...
    @property
    def kl_drift(self) -> KLDriftConfig: ...
    @property
    def telemetry_url(self) -> Optional[str]: ...
    @property
    def telemetry_allow_insecure(self) -> bool: ...
    @property
    def mcp_rate_limit(self) -> int: ...

class GateResult:
    gate_type: GateType
    passed: bool
    value: float
    threshold: float
    confidence: Optional[float]
    posterior_probability: Optional[float]
    note: str
    note_index: int
    @property
    def message(self) -> str: ...
    @property
    def margin(self) -> float: ...

class GateEvaluationResult:
    gates: dict[GateType, GateResult]
    all_passed: bool
    override_eligible: bool
    min_confidence: float
    def get_failures(self) -> list[GateResult]: ...

class Counterfactual:
    gate: GateType
    input: str
    current: float
    required: Optional[float]
    relation: str
    achievable: bool

class GateHeadroom:
    gate: GateType
    input: str
    current: float
    limit: Optional[float]
    relation: str

class UtilityComponents:
    expected_benefit: float
    benefit_std: float
    n_samples: int
    disruption_probability: float
    migration_cost: float
    def __init__(self, expected_benefit: float, benefit_std: float = 0.0, n_samples: int = 1,
                 disruption_probability: float = 0.0, migration_cost: float = 0.0) -> None: ...

class UtilityResult:
    components: UtilityComponents
    expected_utility: float
    standard_error: float
    lcb: float
    cost: float
    z: float
    within_budget: bool

class UtilityCalculator:
    def __init__(self, config: Optional[AegisConfig] = None) -> None: ...
    def compute(self, components: UtilityComponents) -> UtilityResult: ...
    @property
    def z(self) -> float: ...

class BayesianPosterior:
    def __init__(self, prior_mean: float = 0.0, prior_std: float = 1.0,
                 likelihood_std: float = 0.5) -> None: ...
    def update(self, observations: Union[float, Sequence[float]]) -> tuple[float, float]: ...
    def probability_exceeds(self, threshold: float,
                            observations: Union[float, Sequence[float]]) -> float: ...
    prior_mean: float
    prior_std: float
    likelihood_std: float

class GateEvaluator:
    def __init__(self, config: Optional[AegisConfig] = None) -> None: ...
    @property
    def config(self) -> AegisConfig: ...
    def evaluate_risk_gate(self, baseline: float, proposed: float) -> GateResult: ...
    def evaluate_profit_gate(self, baseline: float, proposed: float) -> GateResult: ...
    def evaluate_novelty_gate(self, novelty_score: float) -> GateResult: ...
    def evaluate_complexity_gate(self, complexity_score: float) -> GateResult: ...
    def evaluate_quality_gate(self, quality_score: float,
                              quality_subscores: Sequence[float] = ...) -> GateResult: ...
    def evaluate_utility_gate(self, utility_result: UtilityResult) -> GateResult: ...
    def evaluate_all(self, risk_baseline: float = 0.0, risk_proposed: float = 0.0,
                     profit_baseline: float = 0.0, profit_proposed: float = 0.0,
                     novelty_score: float = 0.5, complexity_score: float = 0.5,
                     quality_score: float = 0.7, quality_subscores: Sequence[float] = ...,
                     utility_result: Optional[UtilityResult] = None) -> GateEvaluationResult: ...

class ComplexityDecomposer:
    def __init__(self, components: Sequence[tuple[str, float, float]]) -> None: ...
    @staticmethod
    def ci_preset() -> ComplexityDecomposer: ...
    def decompose(self, measures: dict[str, float]) -> dict[str, Any]: ...

class DriftResult:
    status: DriftStatus
    action: DriftAction
    kl_divergence: float
    n_baseline: int
    n_current: int
    tau_warning: float
    tau_critical: float
    @property
    def message(self) -> str: ...

class DriftMonitor:
    def __init__(self, config: Optional[KLDriftConfig] = None,
                 clock: Optional[Callable[[], datetime.datetime]] = None) -> None: ...
    def set_baseline(self, values: Sequence[float]) -> None: ...
    @property
    def has_baseline(self) -> bool: ...
    @property
    def baseline_hash(self) -> Optional[str]: ...
    def add_observation(self, value: float,
                        timestamp: Optional[datetime.datetime] = None) -> None: ...
    def evaluate(self) -> DriftResult: ...
    def check(self, values: Sequence[float]) -> DriftResult: ...
    @property
    def window_size(self) -> int: ...

class PCWContext:
    agent_id: str
    session_id: str
    phase: PCWPhase
    proposal_summary: str
    estimated_impact: str
    risk_baseline: float
    risk_proposed: float
    profit_baseline: float
    profit_proposed: float
    novelty_score: float
    complexity_score: float
    quality_score: float
    quality_subscores: list[float]
    utility_result: Optional[UtilityResult]
    requires_human_approval: bool
    time_sensitive: bool
    reversible: bool
    metadata: dict[str, Any]
    def __init__(self, *, agent_id: str, session_id: str, phase: PCWPhase,
                 proposal_summary: str, estimated_impact: str, risk_baseline: float = 0.0,
                 risk_proposed: float = 0.0, profit_baseline: float = 0.0,
                 profit_proposed: float = 0.0, novelty_score: float = 0.5,
                 complexity_score: float = 0.5, quality_score: float = 0.7,
                 quality_subscores: Sequence[float] = ...,
                 utility_result: Optional[UtilityResult] = None,
                 requires_human_approval: bool = False, time_sensitive: bool = False,
                 reversible: bool = True, metadata: Optional[dict[str, Any]] = None) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...

class DecisionTrace:
    config_hash: str
    engine_version: str
    phase: PCWPhase
    x_R: float
    x_P: float
    evaluation_time_ns: int
    @property
    def gate_results(self) -> dict[GateType, GateResult]: ...

class ShadowResult:
    drift_result: Optional[DriftResult]
    observation_values: list[float]
    baseline_hash: Optional[str]
    shadow_only: bool

class PCWDecision:
    status: PCWStatus
    confidence: float
    gates_passed: int
    gates_failed: int
    failing_gates: list[str]
    rationale: str
    next_steps: list[str]
    constraints: list[str]
    decision_id: str
    @property
    def timestamp(self) -> datetime.datetime: ...
    override_eligible: bool
    override_requires: list[str]
    gate_evaluation: Optional[GateEvaluationResult]
    decision_trace: Optional[DecisionTrace]
    shadow_result: Optional[ShadowResult]
    drift_result: Optional[DriftResult]
    counterfactuals: list[Counterfactual]
    headroom: list[GateHeadroom]
    def to_json(self) -> str: ...

def pcw_decide(context: PCWContext, gate_evaluator: Optional[GateEvaluator] = None,
               prometheus_exporter: Any = None, rbac_enforcer: Any = None, *,
               shadow_mode: bool = False, drift_monitor: Optional[DriftMonitor] = None,
               telemetry_emitter: Any = None) -> PCWDecision: ...
def pcw_decide_batch(contexts: Sequence[PCWContext], gate_evaluator: Optional[GateEvaluator] = None,
                     *, shadow_mode: bool = False,
                     drift_monitor: Optional[DriftMonitor] = None) -> list[PCWDecision]: ...
def quick_risk_check(agent_id: str, action_description: str, risk_score: float,
                     threshold: float = 0.5) -> bool: ...
def require_human_approval(context: PCWContext,
                           gate_evaluator: Optional[GateEvaluator] = None) -> bool: ...

class OverrideState(str, enum.Enum):
    PENDING = "pending"
    PARTIAL = "partial"
    APPROVED = "approved"
    REJECTED = "rejected"

class OverrideRejection(str, enum.Enum):
    NONE = "none"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED_SIGNATURE = "malformed_signature"
    MALFORMED_KEY = "malformed_key"
    UNKNOWN_ROLE = "unknown_role"
    DUPLICATE_ROLE = "duplicate_role"
    SAME_ACTOR = "same_actor"
    SAME_KEY = "same_key"
    REQUESTER_SIGNED = "requester_signed"
    COMPLEXITY_NOT_OVERRIDABLE = "complexity_not_overridable"
    EXPIRED = "expired"
    NOT_A_CUSTODIAN = "not_a_custodian"
    KEY_NOT_REGISTERED = "key_not_registered"
    ALREADY_FINAL = "already_final"

class SecretKey:
    @staticmethod
    def generate() -> SecretKey: ...
    @property
    def public_key(self) -> str: ...

class SignatureVerifier:
    def __init__(self) -> None: ...
    def verify(self, message: str, signature: str, public_key: str) -> bool: ...
    @property
    def algorithm_name(self) -> str: ...

class BIP322Provider(SignatureVerifier):
    def __init__(self) -> None: ...
    @staticmethod
    def generate_keypair() -> tuple[SecretKey, str, str]: ...
    @staticmethod
    def sign(message: str, secret_key: Union[SecretKey, bytes]) -> str: ...

def create_message_hash(proposal_id: str, justification: str, failed_gates: Sequence[str]) -> str: ...

class DualSignatureValidator:
    def __init__(self) -> None: ...
    @staticmethod
    def create_message_hash(proposal_id: str, justification: str,
                            failed_gates: Sequence[str]) -> str: ...
    @staticmethod
    def validate(message_hash: str, risk_signature: str, risk_public_key: str | bytes,
                 security_signature: str,
                 security_public_key: str | bytes) -> OverrideRejection: ...

class CustodianRegistry:
    def __init__(self, custodians: Sequence[tuple[str, str, str]]) -> None: ...
    @staticmethod
    def from_yaml(path: Union[str, os.PathLike[str]]) -> CustodianRegistry: ...
    def __len__(self) -> int: ...

class OverrideResult:
    approved: bool
    state: OverrideState
    @property
    def expires_at(self) -> datetime.datetime: ...
    @property
    def signatures(self) -> list[dict[str, Any]]: ...
    reason: OverrideRejection
    reason_message: str

class OverrideWorkflow:
    def __init__(self, proposal_id: str, justification: str, failed_gates: Sequence[str],
                 requested_by: str, ttl: Union[None, float, datetime.timedelta] = None,
                 registry: Optional[CustodianRegistry] = None,
                 clock: Optional[Callable[[], datetime.datetime]] = None) -> None: ...
    def add_signature(self, actor_id: str, role: str, signature: str,
                      public_key: str | bytes) -> OverrideRejection: ...
    def get_result(self) -> OverrideResult: ...
    @property
    def message_hash(self) -> str: ...
    @property
    def state(self) -> OverrideState: ...
    @property
    def proposal_id(self) -> str: ...
    @property
    def failed_gates(self) -> list[str]: ...
    @property
    def requested_by(self) -> str: ...

class AuthorizationResult:
    authorized: bool
    message_hash: str
    reason: str
    def __bool__(self) -> bool: ...

class Approver(Actor):
    def __init__(self, actor_id: str, name: str, is_risk_lead: bool,
                 signature_verifier: Optional[SignatureVerifier] = None) -> None: ...
    def authorize_override(self, proposal_id: str, failed_gates: Sequence[str],
                           justification: str, signature: str,
                           public_key: str | bytes) -> AuthorizationResult: ...

class ActorRole(str, enum.Enum):
    PROPOSER = "proposer"
    ANALYST = "analyst"
    APPROVER = "approver"
    EXECUTOR = "executor"
    CALIBRATOR = "calibrator"
    RISK_LEAD = "risk_lead"
    SECURITY_LEAD = "security_lead"
    ADMIN = "admin"

class ProposalState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    ESCALATED = "escalated"
    EXECUTING = "executing"
    COMPLETED = "completed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"

class VoteOutcome(str, enum.Enum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"

class ConsensusStatus(str, enum.Enum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"

class ActorCapabilities:
    permissions: set[str]
    def can(self, permission: str) -> bool: ...

class Actor:
    def __init__(self, actor_id: str, name: str, role: ActorRole) -> None: ...
    @property
    def actor_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> ActorRole: ...
    @property
    def capabilities(self) -> ActorCapabilities: ...

class Proposer(Actor):
    def __init__(self, actor_id: str, name: str) -> None: ...

class Analyst(Actor):
    def __init__(self, actor_id: str, name: str) -> None: ...

class Executor(Actor):
    def __init__(self, actor_id: str, name: str) -> None: ...

class CalibrationProposal:
    parameter: str
    current_value: float
    proposed_value: float
    justification: str
    proposed_by: str

class CalibrationRecord:
    proposal: CalibrationProposal
    approved_by: str
    old_config_hash: str
    new_config_hash: str

class Calibrator(Actor):
    def __init__(self, actor_id: str, name: str) -> None: ...
    def propose(self, config: AegisConfig, parameter: str, value: float,
                justification: str) -> CalibrationProposal: ...

class Governance(Actor):
    def __init__(self, actor_id: str, name: str) -> None: ...
    def apply(self, config: AegisConfig, proposal: CalibrationProposal,
              approver: Actor) -> tuple[AegisConfig, CalibrationRecord]: ...

class RBACEnforcer:
    def __init__(self) -> None: ...
    @staticmethod
    def from_yaml(path: Union[str, os.PathLike[str]]) -> RBACEnforcer: ...
    def assign(self, actor_id: str, role: ActorRole) -> None: ...
    def set_role_permissions(self, role: ActorRole, permissions: set[str]) -> None: ...
    def has_permission(self, actor_id: str, permission: str) -> bool: ...
    def require(self, actor_id: str, permission: str) -> None: ...
    def permissions(self, role: ActorRole) -> set[str]: ...

class ProposalWorkflow:
    def __init__(self, proposal_id: str, context: PCWContext, proposer_id: str,
                 rbac: Optional[RBACEnforcer] = None,
                 clock: Optional[Callable[[], datetime.datetime]] = None) -> None: ...
    def submit(self, actor_id: str, reason: str = "") -> None: ...
    def analyze(self, actor_id: str, gate_evaluator: Optional[GateEvaluator] = None) -> PCWDecision: ...
    def approve(self, actor_id: str, reason: str) -> None: ...
    def reject(self, actor_id: str, reason: str) -> None: ...
    def approve_with_override(self, actor_id: str, override_workflow: OverrideWorkflow) -> None: ...
    def execute(self, actor_id: str, reason: str = "") -> None: ...
    def complete(self, actor_id: str, reason: str = "") -> None: ...
    def fail(self, actor_id: str, reason: str) -> None: ...
    def withdraw(self, actor_id: str, reason: str = "") -> None: ...
    @property
    def proposal_id(self) -> str: ...
    @property
    def state(self) -> ProposalState: ...
    @property
    def history(self) -> list[dict[str, Any]]: ...
    @property
    def decision_status(self) -> Optional[PCWStatus]: ...
    @property
    def decision_json(self) -> str: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str, rbac: Optional[RBACEnforcer] = None) -> ProposalWorkflow: ...

class Vote:
    voter_id: str
    outcome: VoteOutcome
    confidence: Optional[float]

class ConsensusResult:
    outcome: ConsensusStatus
    approvals: int
    rejections: int
    abstentions: int
    agreement: float
    votes: list[Vote]

class ConsensusWorkflow:
    def __init__(self, consensus_id: str, min_voters: int = 3,
                 electorate: Sequence[str] = ...) -> None: ...
    def vote(self, voter_id: str, outcome: VoteOutcome,
             confidence: Optional[float] = None) -> ConsensusResult: ...
    def close(self) -> ConsensusResult: ...
    @property
    def result(self) -> ConsensusResult: ...
    def to_json(self) -> str: ...
    @staticmethod
    def from_json(text: str) -> ConsensusWorkflow: ...

class _PythonSink(Protocol):
    def emit(self, event: dict[str, Any]) -> None: ...

class Store:
    @staticmethod
    def open(url: str) -> Store: ...
    def record_decisions(self, decisions: Sequence[PCWDecision]) -> int: ...
    def get_decision(self, decision_id: str) -> Optional[str]: ...
    def save_object(self, type: str, id: str, state: str, expected_version: int) -> int: ...
    def load_object(self, type: str, id: str) -> Optional[tuple[str, int]]: ...
    def verify_chain(self) -> dict[str, Any]: ...
    def entries(self) -> list[dict[str, Any]]: ...

class DecisionRequest:
    def __init__(self, request_id: str, candidate_id: str, function_name: str,
                 proposal_summary: str = "", metrics: dict[str, Any] = ...,
                 metadata: dict[str, Any] = ...) -> None: ...
    request_id: str
    candidate_id: str
    function_name: str
    proposal_summary: str
    @property
    def metrics(self) -> dict[str, Any]: ...
    @property
    def metadata(self) -> dict[str, Any]: ...

class DecisionResponse:
    request_id: str
    decision_id: str
    status: PCWStatus
    approved: bool
    confidence: float
    failing_gates: list[str]
    rationale: str

class AFABridge:
    def __init__(self, config: Optional[AegisConfig] = None, store: Optional[Store] = None) -> None: ...
    def evaluate(self, request: DecisionRequest) -> DecisionResponse: ...

class PrometheusExporter:
    def __init__(self) -> None: ...
    def record_override(self, outcome: str) -> None: ...
    def record_http_request(self, route: str, code: int) -> None: ...
    def text(self) -> str: ...

class EventSink:
    @property
    def stats(self) -> dict[str, int]: ...
    def emit(self, event: dict[str, Any]) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...

class HttpSink(EventSink):
    @property
    def url(self) -> str: ...

class HTTPEventSink(HttpSink):
    def __init__(self, url: str, headers: Optional[dict[str, str]] = None, timeout: float = 10,
                 allow_insecure: bool = False) -> None: ...

class BatchHTTPSink(HttpSink):
    def __init__(self, url: str, headers: Optional[dict[str, str]] = None, timeout: float = 10,
                 batch_size: int = 100, flush_interval_seconds: float = 60, max_retries: int = 1,
                 retry_delay_seconds: float = 1.0, allow_insecure: bool = False) -> None: ...

def http_sink(url: str, batch_size: Optional[int] = None, headers: Optional[dict[str, str]] = None,
              timeout: float = 10, allow_insecure: bool = False) -> EventSink: ...

class TelemetryEmitter:
    def __init__(self, source: str, encryption_public_key: bytes | str | None = ...) -> None: ...
    @property
    def encrypting(self) -> bool: ...
    @property
    def source(self) -> str: ...
    @property
    def lost(self) -> int: ...
    def add_sink(self, sink: EventSink | _PythonSink) -> None: ...
    def on_decision(self, context: PCWContext, decision: PCWDecision) -> None: ...
    def emit(self, event_type: str, payload: Optional[dict[str, Any]] = None, agent_id: str = "",
             session_id: str = "", decision_id: str = "") -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


# Key management (docs/keys.md)
KMS_KEK_AVAILABLE: bool
HSM_KEK_AVAILABLE: bool
HYBRID_KEM_AVAILABLE: bool

class KEKMetadata:
    def __init__(self, provider_type: str, key_id: str, algorithm: str) -> None: ...
    provider_type: str
    key_id: str
    algorithm: str

class KEKProvider:
    def wrap(self, plaintext: bytes) -> bytes: ...
    def unwrap(self, wrapped: bytes) -> bytes: ...
    def metadata(self) -> KEKMetadata: ...
    def public_key(self) -> bytes | None: ...
    def private_key(self) -> bytes: ...
    def is_configured(self) -> bool: ...
    def missing(self) -> list[str]: ...
    def self_test(self) -> bool: ...

class InMemoryKEKProvider(KEKProvider):
    def __init__(self, private_key: bytes | None = ...) -> None: ...

class EnvironmentKEKProvider(KEKProvider):
    def __init__(self) -> None: ...
    @staticmethod
    def from_environment() -> EnvironmentKEKProvider: ...

class HSMKEKProvider(KEKProvider):
    def __init__(self, pkcs11_lib: str, token_label: str, pin: str, wrapping_key_label: str,
                 wrapped_private_key: bytes | None = ..., public_key_bytes: bytes | None = ...,
                 pool_size: int = ...) -> None: ...
    @staticmethod
    def from_environment() -> HSMKEKProvider: ...

class AWSKMSKEKProvider(KEKProvider):
    def __init__(self, kms_key_id: str, wrapped_private_key: bytes | None = ...,
                 public_key_bytes: bytes | None = ...) -> None: ...
    @staticmethod
    def from_environment() -> AWSKMSKEKProvider: ...

def get_kek_provider(provider_type: str = ...) -> KEKProvider: ...

class HybridKEM:
    @staticmethod
    def generate_keypair() -> tuple[bytes, bytes]: ...
    @staticmethod
    def public_key(private_key: bytes) -> bytes: ...
    @staticmethod
    def encapsulate(public_key: bytes, eseed: bytes | None = ...) -> tuple[bytes, bytes]: ...
    @staticmethod
    def decapsulate(private_key: bytes, ciphertext: bytes) -> bytes: ...

def hpke_seal(public_key: bytes, plaintext: bytes, info: bytes = ..., aad: bytes = ...) -> tuple[bytes, bytes]: ...
def hpke_open(private_key: bytes, enc: bytes, ciphertext: bytes, info: bytes = ..., aad: bytes = ...) -> bytes: ...
def decrypt_telemetry_event(event: dict, private_key: bytes) -> dict: ...
