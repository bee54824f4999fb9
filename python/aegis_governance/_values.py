"""The dataclass fields of the engine's value types, in the reference's order.

Where the reference lists a type's fields, they come in its order; where it gives none (marked
below), in the C++ struct's order. Fields this project adds come last, with defaults.
"""
import dataclasses
from datetime import datetime, timezone
from typing import Any, Optional

from . import _core as c
from ._dataclasses import REQUIRED, dataclass_like


dataclass_like(c.KLDriftConfig, [
    ("tau_warning", float, 0.3),
    ("tau_critical", float, 0.5),
    ("window_days", int, 30),
], frozen=True, native_kwargs=True)

dataclass_like(c.AegisConfig, [
    ("epsilon_R", float, 0.01),
    ("epsilon_P", float, 0.01),
    ("risk_trigger_factor", float, 2.0),
    ("profit_trigger_factor", float, 2.0),
    ("trigger_confidence_prob", float, 0.95),
    ("novelty_N0", float, 0.7),
    ("novelty_k", float, 10.0),
    ("novelty_threshold", float, 0.6),
    ("complexity_floor", float, 0.5),
    ("quality_min_score", float, 0.7),
    ("quality_no_zero_subscore", bool, True),
    ("gamma", float, 0.3),
    ("kappa", float, 1.0),
    ("phi_S", float, 100.0),
    ("phi_D", float, 2000.0),
    ("lcb_alpha", float, 0.05),
    ("migration_budget", float, 5000.0),
    ("utility_threshold", float, 0.0),
    ("kl_drift", c.KLDriftConfig, c.KLDriftConfig),
    ("telemetry_url", Optional[str], None),
    ("mcp_rate_limit", int, 60),
    # added by this project
    ("telemetry_allow_insecure", bool, False),
    ("telemetry_encryption_public_key", Optional[str], None),
    ("telemetry_encryption_epoch_events", int, 10_000),
    ("telemetry_encryption_epoch_seconds", int, 300),
], frozen=True, native_kwargs=True)

def _context_fields():
    """PCWContext's fields from the engine's one table of them (C++ kContextFields)."""
    fields = []
    for name, kind, default in c._context_fields():
        if kind in ("text", "phase"):
            fields.append((name, c.PCWPhase if kind == "phase" else str, REQUIRED))
        elif kind == "number":
            fields.append((name, float, default))
        elif kind == "flag":
            fields.append((name, bool, default))
        elif kind == "numbers":
            fields.append((name, list, dataclasses.field(default_factory=lambda d=default: list(d))))
        elif kind == "utility":
            fields.append((name, Optional[c.UtilityResult], None))
        elif kind == "object":
            fields.append((name, dict, dict))
        else:
            raise RuntimeError(f"context field {name}: unknown kind {kind}")
    return fields


dataclass_like(c.PCWContext, _context_fields(), native_kwargs=True,
               keep=("quality_subscores", "metadata"))

dataclass_like(c.GateResult, [
    ("gate_type", c.GateType, REQUIRED),
    ("passed", bool, REQUIRED),
    ("value", float, REQUIRED),
    ("threshold", float, REQUIRED),
    ("confidence", Optional[float], None),
    ("posterior_probability", Optional[float], None),
    ("message", Optional[str], None),
    # added by this project: what the message says beyond value and threshold
    ("note", str, "none"),
    ("note_index", int, -1),
], derived=("message",))

dataclass_like(c.GateEvaluationResult, [
    ("gates", dict, REQUIRED),
    ("all_passed", bool, REQUIRED),
    ("override_eligible", bool, REQUIRED),
    ("min_confidence", float, REQUIRED),
])

dataclass_like(c.UtilityComponents, [
    ("expected_benefit", float, REQUIRED),
    ("benefit_std", float, 0.0),
    ("n_samples", int, 1),
    ("disruption_probability", float, 0.0),
    ("migration_cost", float, 0.0),
], native_kwargs=True)

# Not listed by the reference: the C++ struct's order.
dataclass_like(c.UtilityResult, [
    ("components", c.UtilityComponents, REQUIRED),
    ("expected_utility", float, REQUIRED),
    ("standard_error", float, REQUIRED),
    ("lcb", float, REQUIRED),
    ("cost", float, REQUIRED),
    ("z", float, REQUIRED),
    ("within_budget", bool, True),
])

dataclass_like(c.DriftResult, [  # not listed by the reference
    ("status", c.DriftStatus, REQUIRED),
    ("action", c.DriftAction, REQUIRED),
    ("kl_divergence", float, REQUIRED),
    ("n_baseline", int, REQUIRED),
    ("n_current", int, REQUIRED),
    ("tau_warning", float, REQUIRED),
    ("tau_critical", float, REQUIRED),
    ("message", Optional[str], None),
], derived=("message",))

dataclass_like(c.DecisionTrace, [  # not listed by the reference
    ("config_hash", str, REQUIRED),
    ("engine_version", str, REQUIRED),
    ("x_R", float, REQUIRED),
    ("x_P", float, REQUIRED),
    ("gate_results", dict, REQUIRED),
    ("evaluation_time_ns", int, REQUIRED),
    ("phase", c.PCWPhase, c.PCWPhase.PLAN),
])

dataclass_like(c.ShadowResult, [
    ("drift_result", Optional[c.DriftResult], None),
    ("observation_values", list, list),
    ("baseline_hash", Optional[str], None),
    ("shadow_only", bool, True),
])

dataclass_like(c.Counterfactual, [  # added by this project
    ("gate", c.GateType, REQUIRED),
    ("input", str, REQUIRED),
    ("current", float, REQUIRED),
    ("required", Optional[float], REQUIRED),
    ("relation", str, REQUIRED),
])

dataclass_like(c.GateHeadroom, [  # added by this project
    ("gate", c.GateType, REQUIRED),
    ("input", str, REQUIRED),
    ("current", float, REQUIRED),
    ("limit", Optional[float], REQUIRED),
    ("relation", str, REQUIRED),
])

dataclass_like(c.PCWDecision, [
    ("status", c.PCWStatus, REQUIRED),
    ("confidence", float, REQUIRED),
    ("gates_passed", int, REQUIRED),
    ("gates_failed", int, REQUIRED),
    ("failing_gates", list, REQUIRED),
    ("rationale", str, REQUIRED),
    ("next_steps", list, REQUIRED),
    ("constraints", list, REQUIRED),
    ("decision_id", str, REQUIRED),
    ("timestamp", Any, REQUIRED),
    ("override_eligible", bool, REQUIRED),
    ("override_requires", list, REQUIRED),
    ("gate_evaluation", Optional[c.GateEvaluationResult], None),
    ("decision_trace", Optional[c.DecisionTrace], None),
    ("shadow_result", Optional[c.ShadowResult], None),
    ("drift_result", Optional[c.DriftResult], None),
    # added by this project
    ("counterfactuals", list, list),
    ("headroom", list, list),
])

dataclass_like(c.DecisionRequest, [  # the reference's AFA request (docs/interfaces.md#afa-bridge)
    ("request_id", str, REQUIRED),
    ("candidate_id", str, REQUIRED),
    ("function_name", str, REQUIRED),
    ("proposal_summary", str, ""),
    ("metrics", dict, dict),
    ("metadata", dict, dict),
], native_kwargs=True)

dataclass_like(c.DecisionResponse, [
    ("request_id", str, REQUIRED),
    ("decision_id", str, REQUIRED),
    ("status", c.PCWStatus, REQUIRED),
    ("approved", bool, REQUIRED),
    ("confidence", float, REQUIRED),
    ("failing_gates", list, REQUIRED),
    ("rationale", str, REQUIRED),
])

dataclass_like(c.Vote, [  # not listed by the reference
    ("voter_id", str, REQUIRED),
    ("outcome", c.VoteOutcome, REQUIRED),
    ("confidence", Optional[float], None),
    ("at", datetime, dataclasses.field(default_factory=lambda: datetime.now(timezone.utc))),
])

dataclass_like(c.ConsensusResult, [  # not listed by the reference
    ("outcome", c.ConsensusStatus, REQUIRED),
    ("approvals", int, REQUIRED),
    ("rejections", int, REQUIRED),
    ("abstentions", int, REQUIRED),
    ("agreement", float, REQUIRED),
    ("votes", list, list),
])

dataclass_like(c.OverrideResult, [  # not listed by the reference
    ("approved", bool, REQUIRED),
    ("state", c.OverrideState, REQUIRED),
    ("expires_at", Any, REQUIRED),
    ("signatures", list, list),
    ("reason", c.OverrideRejection, c.OverrideRejection.NONE),
    ("reason_message", str, ""),
])

dataclass_like(c.KEKMetadata, [
    ("provider_type", str, REQUIRED),
    ("key_id", str, REQUIRED),
    ("algorithm", str, REQUIRED),
], native_kwargs=True)
