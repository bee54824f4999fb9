"""`aegis evaluate`: decisions, exit codes, input errors, schemas."""
import json
import math
from pathlib import Path

import pytest
from scipy import stats

from conftest import SOURCE, EXAMPLES_BIN

EXAMPLES = {
    "safe_refactor.json": ("proceed", 0),
    "production_deploy.json": ("escalate", 2),
    "schema_migration.json": ("pause", 2),
    "sprawling_change.json": ("halt", 1),
    "agent_tool_call.json": ("halt", 1),
    "caching_with_utility.json": ("proceed", 0),
}


def test_issue_example_halts_naming_failing_gates(aegis, validate):
    r = aegis("evaluate", stdin='{"risk_proposed":0.3}')
    assert r.code == 1
    d = r.json()
    validate(d, "decision.schema.json")
    assert d["status"] == "halt"
    assert d["failing_gates"] == ["risk", "novelty"]
    assert "risk (value 1, threshold 0.95)" in d["rationale"]
    assert "novelty (value 0.1192, threshold 0.6)" in d["rationale"]
    assert d["decision_trace"]["x_R"] == 30


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples(aegis, validate, name):
    status, code = EXAMPLES[name]
    r = aegis("evaluate", "-i", str(SOURCE / "examples" / name))
    assert r.code == code, r.err
    d = r.json()
    validate(d, "decision.schema.json")
    assert d["status"] == status
    assert d["gates_failed"] == len(d["failing_gates"])


def test_utility_gate_present_only_with_utility(aegis):
    with_u = aegis("evaluate", "-i", str(SOURCE / "examples" / "caching_with_utility.json")).json()
    without = aegis("evaluate", "-i", str(SOURCE / "examples" / "safe_refactor.json")).json()
    assert "utility" in with_u["gate_evaluation"]["gates"]
    assert with_u["gates_passed"] == 6
    assert "utility" not in without["gate_evaluation"]["gates"]
    u = with_u["gate_evaluation"]["gates"]["utility"]
    # cost 100 + 2000*0.05 + 400; E[U] = 1500 - 0.3*300 - cost; LCB = E[U] - z*300/sqrt(12)
    eu = 1500 - 90 - 600
    lcb = eu - stats.norm.ppf(0.95) * 300 / math.sqrt(12)
    assert u["value"] == pytest.approx(lcb, rel=1e-12)
    assert u["confidence"] == pytest.approx(stats.norm.cdf(eu / (300 / math.sqrt(12))), rel=1e-12)


def test_text_format(aegis):
    r = aegis("evaluate", "--format", "text", stdin='{"risk_proposed":0.3}')
    assert r.code == 1
    assert r.out.startswith("HALT")
    assert "risk" in r.out and "FAIL" in r.out and "Rationale:" in r.out


def test_text_table_distance_is_positive_on_the_passing_side(aegis):
    # risk and profit pass below their threshold, the others above: the wire's margin
    # (value - threshold) has a different meaning per gate, the table's distance one meaning.
    ctx = {"risk_proposed": 0.3, "profit_baseline": 1, "profit_proposed": 1.2,
           "novelty_score": 0.9, "complexity_score": 0.4, "quality_score": 0.9}
    d = aegis("evaluate", stdin=json.dumps(ctx)).json()
    r = aegis("evaluate", "--format", "text", stdin=json.dumps(ctx))
    lines = r.out.splitlines()
    assert lines[1].split() == ["gate", "result", "value", "threshold", "distance"]
    rows = {l.split()[0]: l.split() for l in lines[2:7]}
    gates = d["gate_evaluation"]["gates"]
    assert set(rows) == set(gates)
    signs = set()
    for name, g in gates.items():
        distance = float(rows[name][4])
        assert (rows[name][1] == "pass") == g["passed"], name
        assert distance == pytest.approx((1 if g["passed"] else -1) * abs(g["margin"]), rel=1e-5,
                                         abs=1e-9), name
        signs.add((name, g["margin"] > 0, g["passed"]))
    # The example covers both meanings of a positive margin: a failing risk gate above its
    # threshold and a passing novelty gate above its own.
    assert ("risk", True, False) in signs and ("novelty", True, True) in signs
    assert ("complexity", False, False) in signs and ("profit", False, True) in signs


def test_shadow_exits_zero_and_marks_decision(aegis, validate):
    r = aegis("evaluate", "--shadow", stdin='{"risk_proposed":0.3}')
    assert r.code == 0
    d = r.json()
    validate(d, "decision.schema.json")
    assert d["status"] == "halt"
    assert d["shadow_result"]["shadow_only"] is True
    assert d["shadow_result"]["observation_values"] == [30, 0]
    r2 = aegis("evaluate", stdin='{"risk_proposed":0.3,"shadow":true}')
    assert r2.code == 0 and r2.json()["shadow_result"] is not None


def test_drift_baseline_file_and_field(aegis, validate, tmp_path):
    base = tmp_path / "base.json"
    base.write_text(json.dumps([0.1, 0.12, 0.11, 0.13] * 10))
    r = aegis("evaluate", "--shadow", "--drift-baseline", str(base), stdin='{"risk_proposed":0.12}')
    assert r.code == 0, r.err
    d = r.json()
    validate(d, "decision.schema.json")
    assert d["drift_result"]["status"] == "insufficient_data"
    assert d["drift_result"]["n_baseline"] == 40
    assert len(d["shadow_result"]["baseline_hash"]) == 64
    ctx = json.dumps({"risk_proposed": 0.12, "drift_baseline_data": [0.1] * 30})
    assert aegis("evaluate", stdin=ctx).json()["drift_result"]["n_baseline"] == 30
    both = aegis("evaluate", "--drift-baseline", str(base), stdin=ctx)
    assert both.code == 3
    assert both.json()["error"]["field"] == "drift_baseline_data"
    short = tmp_path / "short.json"
    short.write_text("[0.1, 0.2]")
    r = aegis("evaluate", "--drift-baseline", str(short), stdin='{"risk_proposed":0.1}')
    assert r.code == 3 and r.json()["error"]["detail"] == "drift.baseline"


def test_config_changes_the_decision(aegis, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("parameters:\n  novelty_gate: {N0: 0.4}\n  epsilon_R: 1.0\n")
    r = aegis("evaluate", "-c", str(cfg), stdin='{"risk_proposed":0.3}')
    d = r.json()
    assert d["status"] == "proceed", d["rationale"]
    assert r.code == 0
    default_hash = aegis("version", "--format", "json").json()["default_config_hash"]
    assert d["decision_trace"]["config_hash"] != default_hash


@pytest.mark.parametrize("stdin,field,detail", [
    ("", "", "json.empty"),
    ("not json", "", "json.syntax"),
    ("[]", "", "json.not_object"),
    ('{"risk_proposed": NaN}', "", "json.syntax"),
    ('{"risk_proposed": 1e999}', "risk_proposed", "json.number_out_of_range"),
    ('{"risk_proposed": 1.5}', "risk_proposed", "context.out_of_range"),
    ('{"risk_proposed": -0.1}', "risk_proposed", "context.out_of_range"),
    ('{"risk_proposed": "0.3"}', "risk_proposed", "json.wrong_type"),
    ('{"profit_baseline": true}', "profit_baseline", "json.wrong_type"),
    ('{"novelty_score": 7}', "novelty_score", "context.out_of_range"),
    ('{"estimated_impact": "huge"}', "estimated_impact", "context.unknown_value"),
    ('{"phase": "deploy"}', "phase", "context.unknown_value"),
    ('{"risk_propsed": 0.3}', "risk_propsed", "json.unknown_field"),
    ('{"risk": 0.3, "risk": 0.4}', "risk", "json.duplicate_key"),
    ('{"quality_subscores": [0.5, null]}', "quality_subscores[1]", "json.wrong_type"),
])
def test_invalid_input_names_field_and_exits_3(aegis, validate, stdin, field, detail):
    r = aegis("evaluate", stdin=stdin)
    assert r.code == 3
    e = r.json()
    validate(e, "error.schema.json")
    assert e["error"]["code"] == "invalid_input"
    assert e["error"]["detail"] == detail
    assert e["error"].get("field", "") == field
    assert "proceed" not in r.out
    assert r.err.startswith("aegis: error:")


def test_invalid_utf8_and_depth_and_size(aegis):
    import subprocess
    from conftest import AEGIS
    p = subprocess.run([AEGIS, "evaluate"], input=b'{"agent_id":"\xc3\x28"}', capture_output=True)
    assert p.returncode == 3
    assert json.loads(p.stdout)["error"]["detail"] == "json.invalid_utf8"
    deep = '{"metadata":' + '{"a":' * 70 + "1" + "}" * 71
    r = aegis("evaluate", stdin=deep)
    assert r.code == 3 and r.json()["error"]["detail"] == "json.too_deep"
    big = '{"metadata":{"pad":"' + "x" * (1 << 20) + '"}}'
    r = aegis("evaluate", stdin=big)
    assert r.code == 3 and r.json()["error"]["code"] == "payload_too_large"


def test_missing_input_file_and_config(aegis, tmp_path):
    r = aegis("evaluate", "-i", str(tmp_path / "nope.json"))
    assert r.code == 3 and r.json()["error"]["code"] == "not_found"
    r = aegis("evaluate", "-c", str(tmp_path / "nope.yaml"), stdin="{}")
    assert r.code == 3 and r.json()["error"]["detail"] == "config.not_found"
    bad = tmp_path / "bad.yaml"
    bad.write_text("complexity_floor: 0.2\n")
    r = aegis("evaluate", "-c", str(bad), stdin="{}")
    assert r.code == 3
    assert r.json()["error"]["field"] == "complexity_floor"
    assert str(bad) in r.json()["error"]["message"]


def test_usage_errors_exit_3(aegis):
    assert aegis("evaluate", "--format", "xml", stdin="{}").code == 3
    assert aegis("frobnicate").code == 3
    assert aegis().code == 3


def test_quick_start_twin():
    import subprocess
    out = subprocess.run([str(EXAMPLES_BIN / "quick_start")], capture_output=True, text=True,
                         check=True).stdout
    # risk 0.3 from a 0 baseline (x_R = 30) and the default novelty 0.5 fail; medium impact and
    # reversible → HALT, so the snippet's "Safe to proceed" is not printed.
    assert "Safe to proceed" not in out
    assert "Status: halt" in out
    assert "Failing gates: risk novelty" in out


def test_pcw_decide_twin():
    import subprocess
    out = subprocess.run([str(EXAMPLES_BIN / "pcw_decide_example")], capture_output=True,
                         text=True, check=True).stdout
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    # novelty 0.3 fails (G = 0.018) on a high-impact change → ESCALATE.
    assert lines["Status"] == "escalate"
    # confidence = min gate confidence = 1 − P(Δ ≥ 2 | x_R = 0.5) from the risk gate.
    p_risk = stats.norm.sf(2.0, loc=0.8 * 0.5, scale=math.sqrt(0.2))
    assert float(lines["Confidence"]) == pytest.approx(1 - p_risk, rel=1e-5)
    assert "novelty (value 0.01799, threshold 0.6)" in lines["Rationale"]
    assert "Escalate to the Risk Lead" in lines["Next steps"]
