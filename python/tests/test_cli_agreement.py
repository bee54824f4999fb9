"""Python and the `aegis` command give identical decisions on the same 10,000 contexts."""
import json
import os
import random
import subprocess

import pytest

import aegis_governance as ag
from conftest import BUILD
from random_contexts import random_context

AEGIS = os.environ.get("AEGIS_BIN", str(BUILD / "aegis"))


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
