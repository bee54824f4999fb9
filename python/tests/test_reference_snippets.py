"""The reference's code blocks run unchanged and give what SPEC.md says."""
import contextlib
import io
import math
import os

import pytest
from scipy import stats

import reference_snippets as S
from conftest import SOURCE


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


def run(*blocks, namespace=None):
    ns = {} if namespace is None else namespace
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            for placeholder, real in S.PLACEHOLDERS.items():
                block = block.replace(placeholder, real)
            exec(compile(restore_indentation(block), "<reference>", "exec"), ns)
    return ns, out.getvalue()


def test_quick_start():
    ns, out = run(S.QUICK_START)
    d = ns["decision"]
    # risk 0.3 from a 0 baseline: x_R = 30 fails the risk gate; novelty 0.5 fails; medium,
    # reversible → HALT, eligible for a two-key override.
    assert d.status == ns["PCWStatus"].HALT
    assert d.failing_gates == ["risk", "novelty"]
    assert d.override_eligible and d.override_requires == ["risk_lead", "security_lead"]
    assert out == ""


def test_aegis_config_blocks():
    cwd = os.getcwd()
    os.chdir(SOURCE)
    try:
        ns, _ = run(S.AEGIS_CONFIG_IMPORT, S.AEGIS_CONFIG_DEFAULT)
        default_hash = ns["config"].config_hash
        ns, _ = run(S.AEGIS_CONFIG_FROM_YAML, namespace=ns)
        assert ns["config"].config_hash == default_hash
        ns, _ = run(S.CREATE_GATE_EVALUATOR, S.CREATE_DRIFT_MONITOR, S.CREATE_UTILITY_CALCULATOR,
                    namespace=ns)
    finally:
        os.chdir(cwd)
    r = ns["result"]
    # x_R = (0.3 - 0.1)/0.1 = 2 → μ = 1.6, σ = √0.2: P(Δ ≥ 2) = 1 − Φ(0.4/√0.2)
    assert r.value == pytest.approx(stats.norm.sf(2, loc=1.6, scale=math.sqrt(0.2)), rel=1e-12)
    assert r.passed
    assert ns["monitor"].has_baseline
    assert ns["calculator"].z == pytest.approx(stats.norm.ppf(0.95), rel=1e-14)


def test_pcw_decide_example():
    ns, out = run(S.PCW_DECIDE)
    d = ns["decision"]
    p_risk = stats.norm.sf(2, loc=0.8 * 0.5, scale=math.sqrt(0.2))
    assert out.splitlines()[0] == "Status: escalate"
    assert out.splitlines()[1] == f"Confidence: {1 - p_risk}" or \
        float(out.splitlines()[1].split(": ")[1]) == pytest.approx(1 - p_risk, rel=1e-12)
    assert d.failing_gates == ["novelty"]
    assert d.drift_result.status.value == "insufficient_data"
    assert "Escalate to the Risk Lead" in d.next_steps[0]


def test_quick_risk_check():
    _, out = run(S.QUICK_RISK_CHECK)
    assert out == "Safe to proceed\n"


def test_require_human_approval():
    _, out = run(S.REQUIRE_HUMAN_APPROVAL)
    assert out == "Human approval required before proceeding\n"


def test_gate_evaluator_block():
    from aegis_governance import UtilityCalculator, UtilityComponents
    # The block passes `utility_result=utility_result` without defining it: supply one.
    u = UtilityCalculator().compute(UtilityComponents(expected_benefit=1000, benefit_std=100,
                                                      n_samples=10))
    ns, out = run(S.GATE_EVALUATOR, namespace={"utility_result": u})
    assert out == "All gates passed\n"
    assert ns["novelty_result"].value == pytest.approx(1 / (1 + math.exp(-10 * 0.15)), rel=1e-14)
    assert ns["profit_result"].passed and ns["quality_result"].passed
    ns, out = run(S.GATE_EVALUATOR, namespace={"utility_result": None})
    assert out == "All gates passed\n"
    assert len(ns["full_result"].gates) == 5
