"""Issue 14: the value types behave as the reference's dataclasses, and numbers
are read the way Python passes them."""
import copy
import dataclasses
import decimal
import fractions
import json
import pickle

import numpy as np
import pytest

import aegis_governance as ag


def ctx(**kw):
    return ag.PCWContext("a", "s", ag.PCWPhase.PLAN, "p", "low", **kw)


def test_context_is_a_dataclass_with_positional_construction():
    c = ctx(risk_proposed=0.3)
    assert dataclasses.is_dataclass(c)
    assert [f.name for f in dataclasses.fields(c)][:5] == [
        "agent_id", "session_id", "phase", "proposal_summary", "estimated_impact"]
    r = dataclasses.replace(c, risk_proposed=0.1)
    assert r.risk_proposed == 0.1 and r != c and r == dataclasses.replace(c, risk_proposed=0.1)
    assert copy.deepcopy(c) == c == pickle.loads(pickle.dumps(c)) == copy.copy(c)
    assert dataclasses.asdict(c)["risk_proposed"] == 0.3
    assert "risk_proposed=0.3" in repr(c)


def test_in_place_changes_reach_the_next_decision():
    c = ctx(novelty_score=0.9)
    assert "quality" not in ag.pcw_decide(c).failing_gates
    c.quality_subscores.append(0.0)
    assert "quality" in ag.pcw_decide(c).failing_gates
    c.metadata["team"] = "infra"
    assert c.to_dict()["metadata"] == {"team": "infra"}
    # Every function that takes a context reads it again: a workflow, a telemetry emitter, a
    # batch, the approval check.
    w = ag.ProposalWorkflow("p-1", c, "alice")
    w.submit("alice")
    assert "quality" in w.analyze("bob").failing_gates
    assert "quality" in ag.pcw_decide_batch([c])[0].failing_gates
    c.quality_subscores.clear()
    c.risk_proposed = 0.9
    assert ag.require_human_approval(c)


def test_config_is_frozen_and_hashable():
    cfg = ag.AegisConfig(0.02)
    assert cfg.epsilon_R == 0.02
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.kappa = 2.0
    assert dataclasses.replace(cfg, kappa=2.0).kappa == 2.0
    assert hash(cfg) == hash(ag.AegisConfig(epsilon_R=0.02)) and cfg == ag.AegisConfig(epsilon_R=0.02)
    assert pickle.loads(pickle.dumps(ag.KLDriftConfig(0.2, 0.4, 7))) == ag.KLDriftConfig(0.2, 0.4, 7)


def test_decisions_round_trip_and_serialise():
    d = ag.pcw_decide(ctx(risk_proposed=0.3, quality_subscores=[0.7, 0.0]))
    # The zero subscore the quality gate names survives the round trip.
    assert "quality_subscores[1] is 0" in pickle.loads(pickle.dumps(d)).gate_evaluation.gates[
        ag.GateType.QUALITY].message
    assert copy.deepcopy(d) == d == pickle.loads(pickle.dumps(d))
    assert json.loads(json.dumps(d.to_dict()))["status"] == "halt"
    assert dataclasses.asdict(d)["gate_evaluation"]["all_passed"] is False
    g = d.gate_evaluation.gates[ag.GateType.RISK]
    assert dataclasses.replace(g, value=0.5).value == 0.5


def test_numbers_the_way_python_takes_them():
    c = ctx(risk_baseline=0.25, risk_proposed=np.float32(0.25), novelty_score=decimal.Decimal("0.9"),
            quality_score=fractions.Fraction(4, 5), quality_subscores=np.array([0.8, 0.9]),
            reversible=np.bool_(True))
    assert c.quality_score == 0.8 and ag.pcw_decide(c).failing_gates == []
    assert ag.GateEvaluator().evaluate_risk_gate(np.float64(0.1), decimal.Decimal("0.2")).passed
    with pytest.raises(ValueError, match="risk_proposed"):
        ctx(risk_proposed=True)
    with pytest.raises(ValueError, match="reversible"):
        ctx(reversible=1)


def every_listed_type():
    """One real instance of each type the issue lists, made the way a program gets it."""
    monitor = ag.AegisConfig.default().create_drift_monitor()
    monitor.set_baseline([0.1, 0.12, 0.11, 0.13] * 10)
    d = ag.pcw_decide(ctx(risk_proposed=0.3, quality_subscores=[0.8, 0.9]),
                      drift_monitor=monitor)
    shadow = ag.pcw_decide(ctx(), shadow_mode=True, drift_monitor=monitor).shadow_result
    components = ag.UtilityComponents(1000.0, 100.0, 10, 0.1, 50.0)
    request = ag.DecisionRequest("req-1", "cand-7", "rebalance", metrics={"risk_proposed": 0.3})
    consensus = ag.ConsensusWorkflow("c", min_voters=2)
    consensus.vote("a", ag.VoteOutcome.APPROVE, confidence=0.9)
    consensus.vote("b", ag.VoteOutcome.REJECT, confidence=0.6)
    override = ag.OverrideWorkflow("prop-1", "hotfix", ["risk"], "engineer-1")
    sk, pub, _ = ag.BIP322Provider.generate_keypair()
    override.add_signature("risk-lead-1", "risk_lead",
                           ag.BIP322Provider.sign(override.message_hash, sk), bytes.fromhex(pub))
    return {
        "AegisConfig": ag.AegisConfig.default(),
        "KLDriftConfig": ag.KLDriftConfig(0.2, 0.4, 7),
        "PCWContext": ctx(risk_proposed=0.3, metadata={"team": "infra"}),
        "PCWDecision": d,
        "ShadowResult": shadow,
        "GateResult": d.gate_evaluation.gates[ag.GateType.RISK],
        "GateEvaluationResult": d.gate_evaluation,
        "DecisionTrace": d.decision_trace,
        "DriftResult": d.drift_result,
        "UtilityResult": ag.UtilityCalculator().compute(components),
        "UtilityComponents": components,
        "DecisionRequest": request,
        "DecisionResponse": ag.AFABridge().evaluate(request),
        "ConsensusResult": consensus.close(),
        "OverrideResult": override.get_result(),
        "KEKMetadata": ag.InMemoryKEKProvider().metadata(),
    }


@pytest.mark.parametrize("name", list(every_listed_type()))
def test_each_listed_type_behaves_as_a_dataclass(name):
    obj = every_listed_type()[name]
    cls = type(obj)
    assert cls.__name__ == name and dataclasses.is_dataclass(obj)
    fields = [f.name for f in dataclasses.fields(obj)]
    assert fields
    values = [getattr(obj, f) for f in fields]
    assert cls(*values) == obj  # positional, in the documented field order
    assert cls(**dict(zip(fields, values))) == obj
    assert dataclasses.replace(obj) == obj
    assert copy.copy(obj) == obj and copy.deepcopy(obj) == obj
    assert pickle.loads(pickle.dumps(obj)) == obj
    as_dict = dataclasses.asdict(obj)
    assert list(as_dict) == fields
    assert repr(obj).startswith(f"{name}({fields[0]}=")
    # a changed field makes a different value
    first = fields[0]
    changed = {str: lambda v: v + "-x", bool: lambda v: not v, int: lambda v: v + 1,
               float: lambda v: v / 2 if v else 0.25}  # stays valid (halved)
    kind = next((k for k in changed if type(values[0]) is k), None)
    if kind is not None:
        other = dataclasses.replace(obj, **{first: changed[kind](values[0])})
        assert other != obj and getattr(other, first) == changed[kind](values[0])
    frozen = name in ("AegisConfig", "KLDriftConfig")
    if frozen:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, first, values[0])
        assert hash(obj) == hash(copy.deepcopy(obj))
