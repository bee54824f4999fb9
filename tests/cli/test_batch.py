"""`aegis evaluate --batch`: streaming, bad lines, and agreement with an independent oracle."""
import json
import random

import pytest

import reference_impl
from random_contexts import random_context


def test_batch_agrees_with_independent_oracle(aegis, tmp_path, validate):
    rng = random.Random(7)
    contexts = [random_context(rng, i) for i in range(5000)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c) + "\n" for c in contexts))
    r = aegis("evaluate", "--batch", str(src))
    assert r.code == 0, r.err
    decisions = r.lines()
    assert len(decisions) == len(contexts)
    statuses = set()
    for i, (c, d) in enumerate(zip(contexts, decisions)):
        want = reference_impl.decide(c)
        statuses.add(d["status"])
        assert d["status"] == want["status"], (i, c, d["rationale"])
        assert d["failing_gates"] == want["failing"], i
        assert d["decision_trace"]["x_R"] == pytest.approx(want["x_R"], rel=1e-12, abs=1e-300)
        assert d["decision_trace"]["x_P"] == pytest.approx(want["x_P"], rel=1e-12, abs=1e-300)
        assert d["confidence"] == pytest.approx(want["confidence"], rel=1e-9, abs=1e-12)
        for name, (passed, value, _) in want["gates"].items():
            got = d["gate_evaluation"]["gates"][name]
            assert got["passed"] == passed, (i, name)
            assert got["value"] == pytest.approx(value, rel=1e-12, abs=1e-15), (i, name)
        assert d["override_eligible"] == (bool(want["failing"]) and "complexity" not in want["failing"])
        if i < 50:
            validate(d, "decision.schema.json")
    assert statuses == {"proceed", "pause", "halt", "escalate"}


def test_bad_lines_get_error_records_and_the_batch_goes_on(aegis, tmp_path, validate):
    good = '{"risk_baseline":0.1,"risk_proposed":0.1,"novelty_score":0.9}'
    lines = [good, "{broken", "", '{"risk_propsed":0.1}', good, '{"risk_proposed":2}', "   ", good]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines))  # no newline after the last line
    out = tmp_path / "out.jsonl"
    r = aegis("evaluate", "--batch", str(src), "-o", str(out))
    assert r.code == 3
    assert r.out == ""
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 6  # blank lines produce nothing
    errors = [rec for rec in records if "error" in rec]
    assert [e["line"] for e in errors] == [2, 4, 6]
    for e in errors:
        validate(e, "error.schema.json")
    assert errors[1]["error"]["field"] == "risk_propsed"
    assert errors[2]["error"]["field"] == "risk_proposed"
    assert [rec["status"] for rec in records if "status" in rec] == ["proceed"] * 3
    assert "6 lines, 3 decisions (proceed 3, pause 0, halt 0, escalate 0), 3 errors" in r.err


def test_oversize_line_is_an_error_record(aegis, tmp_path):
    big = '{"metadata":{"pad":"' + "x" * (3 << 20) + '"}}'
    src = tmp_path / "in.jsonl"
    src.write_text('{"risk_proposed":0.1}\n' + big + '\n{"risk_proposed":0.1}\n')
    r = aegis("evaluate", "--batch", str(src))
    assert r.code == 3
    recs = r.lines()
    assert len(recs) == 3
    assert recs[1]["line"] == 2 and recs[1]["error"]["code"] == "payload_too_large"
    assert "status" in recs[2]


def test_batch_from_stdin_with_shadow(aegis):
    r = aegis("evaluate", "--batch", "-", "--shadow", stdin='{"risk_proposed":0.9}\n' * 5)
    assert r.code == 0
    recs = r.lines()
    assert len(recs) == 5
    assert all(d["status"] == "halt" and d["shadow_result"]["shadow_only"] for d in recs)


def test_batch_drift_accumulates(aegis, tmp_path):
    base = tmp_path / "b.json"
    base.write_text(json.dumps([i / 100 for i in range(100)]))
    r = aegis("evaluate", "--batch", "-", "--drift-baseline", str(base),
              stdin='{"risk_proposed":0.95,"novelty_score":0.9}\n' * 12)
    recs = r.lines()
    assert [d["drift_result"]["n_current"] for d in recs] == list(range(1, 13))
    assert recs[8]["drift_result"]["status"] == "insufficient_data"
    assert recs[9]["drift_result"]["status"] == "critical"
    assert recs[9]["status"] == "halt" and recs[9]["failing_gates"][-1] == "drift"


def test_missing_batch_file(aegis, tmp_path):
    r = aegis("evaluate", "--batch", str(tmp_path / "none.jsonl"))
    assert r.code == 3
    assert r.json()["error"]["code"] == "not_found"
