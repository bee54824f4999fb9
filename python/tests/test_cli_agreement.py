"""Python and the `aegis` command give identical decisions on the same 10,000 contexts."""
import json
import os
import random
import subprocess

import pytest

import aegis_governance as ag
from conftest import BUILD

AEGIS = os.environ.get("AEGIS_BIN", str(BUILD / "aegis"))


def random_context(rng, i):
    c = {
        "agent_id": f"agent-{i % 13}",
        "session_id": f"s-{i}",
        "phase": rng.choice(["plan", "commit", "work"]),
        "proposal_summary": "generated",
        "estimated_impact": rng.choice(["low", "medium", "high", "critical"]),
        "risk_baseline": rng.choice([0.0, rng.random(), rng.random() * 0.05]),
        "risk_proposed": rng.random(),
        "profit_baseline": rng.uniform(-2000, 2000),
        "profit_proposed": rng.uniform(-2000, 2000),
        "novelty_score": rng.random(),
        "complexity_score": rng.random(),
        "quality_score": rng.random(),
        "quality_subscores": [rng.choice([0.0, rng.random()]) for _ in range(rng.randrange(5))],
        "reversible": rng.random() < 0.8,
        "requires_human_approval": rng.random() < 0.1,
        "time_sensitive": rng.random() < 0.1,
    }
    if rng.random() < 0.3:
        c["utility"] = {"expected_benefit": rng.uniform(-500, 5000),
                        "benefit_std": rng.choice([0.0, rng.uniform(0, 1000)]),
                        "n_samples": rng.randrange(1, 50),
                        "disruption_probability": rng.random(),
                        "migration_cost": rng.uniform(0, 6000)}
    return c


def python_decide(c, calculator, evaluator):
    fields = dict(c)
    fields["phase"] = ag.PCWPhase(fields["phase"])
    u = fields.pop("utility", None)
    if u is not None:
        fields["utility_result"] = calculator.compute(ag.UtilityComponents(**u))
    return ag.pcw_decide(ag.PCWContext(**fields), evaluator)


def test_python_and_cli_agree(tmp_path):
    rng = random.Random(7)
    contexts = [random_context(rng, i) for i in range(10_000)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c) + "\n" for c in contexts))
    out = subprocess.run([AEGIS, "evaluate", "--batch", str(src)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    cli = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(cli) == len(contexts)
    calculator = ag.UtilityCalculator()
    evaluator = ag.GateEvaluator()
    statuses = set()
    for c, want in zip(contexts, cli):
        d = python_decide(c, calculator, evaluator)
        statuses.add(d.status.value)
        assert d.status.value == want["status"], c
        assert d.failing_gates == want["failing_gates"]
        assert d.confidence == pytest.approx(want["confidence"], rel=1e-12, abs=0)
        assert d.rationale == want["rationale"]
        gates = d.gate_evaluation.gates
        assert {g.value for g in gates} == set(want["gate_evaluation"]["gates"])
        for g, r in gates.items():
            w = want["gate_evaluation"]["gates"][g.value]
            assert r.passed == w["passed"]
            assert r.value == pytest.approx(w["value"], rel=1e-12, abs=0)
            assert r.threshold == w["threshold"]
    assert statuses == {"proceed", "pause", "halt", "escalate"}
