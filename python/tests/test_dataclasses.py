"""Issue 14 (in progress): the value types behave as the reference's dataclasses, and numbers
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
