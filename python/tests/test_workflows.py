"""Actors, RBAC, proposals, consensus, calibration and the store from Python."""
import json

import pytest

import aegis_governance as ag


def ctx(risk=0.2, impact="low"):
    return ag.PCWContext(agent_id="agent-1", session_id="s", phase=ag.PCWPhase.PLAN,
                         proposal_summary="p", estimated_impact=impact, risk_baseline=0.2,
                         risk_proposed=risk, novelty_score=0.8, complexity_score=0.8,
                         quality_score=0.8)


def test_rbac_and_actors():
    r = ag.RBACEnforcer()
    r.assign("agent-1", ag.ActorRole.ANALYST)
    with pytest.raises(PermissionError):
        ag.pcw_decide(ctx(), rbac_enforcer=r)
    r.assign("agent-1", ag.ActorRole.PROPOSER)
    assert ag.pcw_decide(ctx(), rbac_enforcer=r).status is ag.PCWStatus.PROCEED
    assert ag.Proposer("p", "P").capabilities.can("propose")
    assert ag.Approver("r", "R", True).role is ag.ActorRole.RISK_LEAD
    assert isinstance(ag.Approver("r", "R", True), ag.Actor)


def test_proposal_lifecycle_persisted_in_the_store(tmp_path):
    store = ag.Store.open(f"sqlite:{tmp_path / 'wf.db'}")
    w = ag.ProposalWorkflow("p-1", ctx(0.2, "high"), "alice")
    w.submit("alice", "ready")
    assert w.analyze("bob").status is ag.PCWStatus.PAUSE
    assert w.state is ag.ProposalState.UNDER_REVIEW
    v = store.save_object("proposal", "p-1", w.to_json(), 0)
    state, version = store.load_object("proposal", "p-1")
    restored = ag.ProposalWorkflow.from_json(state)
    restored.approve("dora", "ok")
    store.save_object("proposal", "p-1", restored.to_json(), version)
    with pytest.raises(ValueError) as e:  # a stale writer
        store.save_object("proposal", "p-1", w.to_json(), v)
    assert e.value.code == "conflict"
    with pytest.raises(ValueError) as e:  # an illegal transition names the states
        restored.submit("alice")
    assert "approved" in str(e.value)
    assert [h["to_state"] for h in restored.history][-1] is ag.ProposalState.APPROVED
    assert store.verify_chain()["intact"] is True


def test_the_proposer_cannot_approve_its_own_proposal():
    r = ag.RBACEnforcer()
    r.assign("root", ag.ActorRole.ADMIN)
    w = ag.ProposalWorkflow("p-2", ctx(0.2, "high"), "root", rbac=r)
    w.submit("root")
    assert w.analyze("root").status is ag.PCWStatus.PAUSE
    with pytest.raises(PermissionError) as e:
        w.approve("root", "mine")
    assert e.value.detail == "proposal.self_approval"
    assert w.state is ag.ProposalState.UNDER_REVIEW
    r.assign("dora", ag.ActorRole.APPROVER)
    w.approve("dora", "reviewed")
    assert w.state is ag.ProposalState.APPROVED


def test_consensus_and_calibration():
    c = ag.ConsensusWorkflow("c", min_voters=3)
    for voter, outcome in [("a", ag.VoteOutcome.APPROVE), ("b", ag.VoteOutcome.APPROVE),
                           ("c", ag.VoteOutcome.REJECT)]:
        c.vote(voter, outcome, confidence=0.9)
    with pytest.raises(ValueError):
        c.vote("a", ag.VoteOutcome.REJECT)
    r = c.close()
    assert r.outcome is ag.ConsensusStatus.APPROVED and r.approvals == 2
    restored = ag.ConsensusWorkflow.from_json(c.to_json())
    assert restored.result.outcome is ag.ConsensusStatus.APPROVED
    for load in (ag.ConsensusWorkflow.from_json, ag.ProposalWorkflow.from_json):
        with pytest.raises(ValueError):
            load("not json")
        with pytest.raises(ValueError):
            load("{}")

    base = ag.AegisConfig.default()
    p = ag.Calibrator("cal", "C").propose(base, "novelty_threshold", 0.55, "too strict")
    new, record = ag.Governance("gov", "G").apply(base, p, ag.Actor("appr", "A", ag.ActorRole.APPROVER))
    assert new.novelty_threshold == 0.55 and record.old_config_hash == base.config_hash
    with pytest.raises(PermissionError):
        ag.Governance("gov", "G").apply(base, p, ag.Actor("cal", "Self", ag.ActorRole.APPROVER))
    with pytest.raises(ValueError):
        ag.Calibrator("cal", "C").propose(base, "complexity_floor", 0.4, "looser")


def test_store_records_decisions(tmp_path):
    store = ag.Store.open(f"sqlite:{tmp_path / 'd.db'}")
    ds = [ag.pcw_decide(ctx()) for _ in range(3)]
    assert store.record_decisions(ds) == 3
    assert json.loads(store.get_decision(ds[1].decision_id))["decision_id"] == ds[1].decision_id
    assert store.get_decision("missing") is None
    entries = store.entries()
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[1]["prev_hash"] == entries[0]["entry_hash"]
    with pytest.raises(ValueError):
        ag.Store.open("mysql://x")


def test_afa_bridge():
    bridge = ag.AFABridge()
    r = bridge.evaluate(ag.DecisionRequest("req-1", "cand-7", "rebalance",
                                           metrics={"risk_proposed": 0.3}))
    assert r.request_id == "req-1" and r.status is ag.PCWStatus.HALT and r.approved is False
    assert r.failing_gates == ["risk", "novelty"]
    with pytest.raises(ValueError) as e:
        bridge.evaluate(ag.DecisionRequest("req-2", "c", "f", metrics={"risk_proposed": 2}))
    assert e.value.field == "metrics.risk_proposed"


def test_prometheus_exporter_through_pcw_decide():
    p = ag.PrometheusExporter()
    ag.pcw_decide(ctx(), prometheus_exporter=p)
    ag.pcw_decide(ctx(0.9), prometheus_exporter=p)
    t = p.text()
    assert 'aegis_decisions_total{phase="plan",shadow="false",status="proceed"} 1' in t
    assert 'aegis_decisions_total{phase="plan",shadow="false",status="halt"} 1' in t
