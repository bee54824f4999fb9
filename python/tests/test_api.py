"""The module's API: names, types, immutability, errors."""
import datetime
import gc
import math

import pytest

import aegis_governance as ag
from conftest import SOURCE
from aegis_governance import (AegisConfig, GateType, KLDriftConfig, PCWContext, PCWPhase,
                              PCWStatus, pcw_decide)

REFERENCE_NAMES = """AegisConfig KLDriftConfig pcw_decide quick_risk_check require_human_approval
PCWContext PCWDecision PCWPhase PCWStatus ShadowResult GateEvaluator GateType GateResult
GateEvaluationResult BayesianPosterior ComplexityDecomposer DriftMonitor DriftResult DriftStatus
DriftAction UtilityCalculator UtilityResult UtilityComponents __version__""".split()


def ctx(**kw):
    base = dict(agent_id="a", session_id="s", phase=PCWPhase.PLAN, proposal_summary="p",
                estimated_impact="low", risk_baseline=0.2, risk_proposed=0.2, novelty_score=0.8,
                complexity_score=0.8, quality_score=0.8)
    base.update(kw)
    return PCWContext(**base)


def test_star_import_exposes_every_engine_name():
    ns = {}
    exec("from aegis_governance import *", ns)
    missing = [n for n in REFERENCE_NAMES if n not in ns]
    assert not missing
    assert ag.__version__ == "0.1.0"


def test_enums_have_lower_case_values():
    assert PCWStatus.PROCEED.value == "proceed"
    assert [s.value for s in PCWStatus] == ["proceed", "pause", "halt", "escalate"]
    assert PCWPhase("commit") is PCWPhase.COMMIT
    assert GateType.COMPLEXITY.value == "complexity"
    assert ag.DriftStatus.INSUFFICIENT_DATA.value == "insufficient_data"


def test_config_is_immutable_and_validated():
    c = AegisConfig.default()
    with pytest.raises(AttributeError):
        c.gamma = 0.5
    assert c.gamma == 0.3 and c.kl_drift.window_days == 30
    c2 = AegisConfig(gamma=0.5, kl_drift=KLDriftConfig(tau_warning=0.1, tau_critical=0.2))
    assert c2.gamma == 0.5 and c2.config_hash != c.config_hash
    assert AegisConfig() == c
    with pytest.raises(ValueError) as e:
        AegisConfig(complexity_floor=0.4)
    assert e.value.field == "complexity_floor"
    with pytest.raises(ValueError) as e:
        AegisConfig(gamma="high")
    assert e.value.field == "gamma"
    with pytest.raises(TypeError):
        AegisConfig(gama=0.2)
    with pytest.raises(FileNotFoundError):
        AegisConfig.from_yaml("/nonexistent/aegis.yaml")


def test_config_from_yaml_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("parameters:\n  lcb_alpha: 0.9\n")
    with pytest.raises(ValueError) as e:
        AegisConfig.from_yaml(bad)
    assert e.value.field == "lcb_alpha" and str(bad) in str(e.value)


def test_config_from_yaml_warns_of_unknown_keys_with_the_nearest_one(tmp_path):
    """The reference ignores unknown keys; we keep that, but say so, with a suggestion."""
    cfg = tmp_path / "c.yaml"
    cfg.write_text("novelty_treshold: 0.5\nparameters:\n  gamma: 0.5\ntelemetry: {}\n"
                   "custodians:\n  - {actor: a, role: risk_lead, public_key: x}\n")
    with pytest.warns(UserWarning) as caught:
        config = AegisConfig.from_yaml(cfg)
    messages = [str(w.message) for w in caught]
    assert any("novelty_treshold" in m and "did you mean 'novelty_threshold'" in m
               for m in messages), messages
    assert any("'telemetry'" in m for m in messages)  # a section nothing reads
    assert any("custodians[0].actor" in m and "did you mean 'actor_id'" in m for m in messages)
    assert config.gamma == 0.5 and config.novelty_threshold == AegisConfig.default().novelty_threshold


def test_config_from_yaml_reads_a_whole_aegis_config_without_a_warning():
    """Its sections (server:, rbac:, custodians:, mcp:) are AEGIS's, not unknown keys."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = AegisConfig.from_yaml(SOURCE / "examples" / "aegis.yaml")
    assert config.novelty_threshold == 0.6


def test_context_defaults_and_fields():
    c = PCWContext(agent_id="a", session_id="s", phase=PCWPhase.WORK, proposal_summary="p",
                   estimated_impact="high")
    assert c.novelty_score == 0.5 and c.quality_subscores == [0.7, 0.7, 0.7]
    assert c.reversible is True and c.metadata == {} and c.utility_result is None
    c.metadata = {"ticket": "OPS-1", "n": [1, 2.5, None, {"x": True}]}
    assert c.metadata == {"ticket": "OPS-1", "n": [1, 2.5, None, {"x": True}]}
    c.phase = "commit"
    assert c.phase is PCWPhase.COMMIT
    with pytest.raises(TypeError):
        PCWContext(agent_id="a")
    with pytest.raises(TypeError):
        ctx(risk_propsed=0.1)


@pytest.mark.parametrize("field,value", [
    ("risk_proposed", float("nan")), ("risk_proposed", 1.5), ("risk_baseline", -0.1),
    ("profit_baseline", float("inf")), ("novelty_score", 2), ("complexity_score", -1),
    ("quality_score", float("-inf")), ("estimated_impact", "huge"), ("agent_id", ""),
])
def test_invalid_values_raise_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError) as e:
        pcw_decide(ctx(**{field: value}))
    assert e.value.field == field
    assert field in str(e.value)


@pytest.mark.parametrize("field,value", [
    ("risk_proposed", "0.3"), ("reversible", 1), ("quality_subscores", [0.5, "x"]),
    ("metadata", {"x": object()}), ("metadata", {"x": float("nan")}), ("phase", "deploy"),
])
def test_wrong_types_raise_value_error_naming_the_field(field, value):
    with pytest.raises(ValueError) as e:
        ctx(**{field: value})
    assert e.value.field.startswith(field)


def test_self_referencing_or_deep_metadata_is_a_value_error():
    d = {}
    d["self"] = d
    with pytest.raises(ValueError) as e:
        ctx(metadata=d)
    assert e.value.detail == "context.too_deep"
    deep = {}
    node = deep
    for _ in range(10_000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(ValueError):
        ctx(metadata=deep)


def test_decision_fields():
    d = pcw_decide(ctx(), shadow_mode=True)
    assert d.status is PCWStatus.PROCEED
    assert isinstance(d.timestamp, datetime.datetime)
    assert d.timestamp.tzinfo is not None and d.timestamp.utcoffset() == datetime.timedelta(0)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - d.timestamp).total_seconds()) < 60
    assert d.timestamp.microsecond % 1000 == 0
    assert d.shadow_result.shadow_only is True
    assert d.shadow_result.observation_values == [0.0, 0.0]
    assert d.decision_trace.config_hash == AegisConfig.default().config_hash
    g = d.gate_evaluation.gates[GateType.RISK]
    assert g.margin == pytest.approx(g.value - g.threshold)
    assert "risk gate passed" in g.message
    assert d.gate_evaluation.get_failures() == []
    assert "PCWStatus.PROCEED" in repr(d)


def test_keyword_only_arguments():
    with pytest.raises(TypeError):
        pcw_decide(ctx(), None, None, None, True)


def test_side_channels_and_rbac():
    seen = []

    class Emitter:
        def on_decision(self, context, decision):
            seen.append((context.agent_id, decision.status))

    class Broken:
        def on_decision(self, context, decision):
            raise RuntimeError("down")

    d = pcw_decide(ctx(), telemetry_emitter=Emitter(), prometheus_exporter=Broken())
    assert d.status is PCWStatus.PROCEED
    assert seen == [("a", PCWStatus.PROCEED)]

    class Deny:
        def has_permission(self, actor, permission):
            return False

    with pytest.raises(PermissionError):
        pcw_decide(ctx(), rbac_enforcer=Deny())


def test_drift_monitor_with_injected_clock():
    now = [datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)]
    m = ag.DriftMonitor(KLDriftConfig(window_days=1), clock=lambda: now[0])
    m.set_baseline([i / 100 for i in range(100)])
    for _ in range(12):
        m.add_observation(0.95)
    assert m.evaluate().status is ag.DriftStatus.CRITICAL
    now[0] += datetime.timedelta(hours=25)
    assert m.evaluate().status is ag.DriftStatus.INSUFFICIENT_DATA
    with pytest.raises(ValueError):
        m.set_baseline([0.1] * 29)


def test_gate_engine_names():
    e = ag.GateEvaluator()
    assert e.evaluate_risk_gate(baseline=0.1, proposed=0.3).gate_type is GateType.RISK
    assert not e.evaluate_quality_gate(quality_score=0.9, quality_subscores=[0.0]).passed
    b = ag.BayesianPosterior()
    mean, std = b.update([1.0])
    assert mean == pytest.approx(0.8) and std == pytest.approx(math.sqrt(0.2))
    br = ag.ComplexityDecomposer.ci_preset().decompose(
        {"files_changed": 25, "modules_touched": 10, "lines_changed": 500, "new_dependencies": 0})
    assert br["complexity_score"] == pytest.approx(1 - 1.75 / 4)
    assert br["dominant_component"] == "modules_touched"


def test_no_reference_leaks_over_a_million_calls():
    """Memory stays flat across 1,000,000 pcw_decide calls (RSS read from /proc)."""
    def rss_kib():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    c = ctx(metadata={"k": "v"})
    ev = ag.GateEvaluator()
    for _ in range(20000):
        pcw_decide(c, ev)
    gc.collect()
    before = rss_kib()
    for _ in range(1_000_000):
        d = pcw_decide(c, ev)
        d.gate_evaluation.gates
    gc.collect()
    growth = rss_kib() - before
    # A leak of even one 64-byte object per call would be ~60 MiB.
    assert growth < 4096, f"RSS grew by {growth} KiB"


def test_type_stubs_cover_the_module():
    import ast
    from pathlib import Path
    stub = Path(ag.__file__).with_name("_core.pyi")
    tree = ast.parse(stub.read_text())
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    stubbed |= {t.target.id for t in tree.body if isinstance(t, ast.AnnAssign)}
    public = {n for n in dir(ag._core) if not n.startswith("_")} | {"__version__"}
    assert public - stubbed == set()
