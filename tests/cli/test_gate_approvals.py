"""`aegis gate` honours approvals bound to the exact context: the whole loop against a real
`aegis serve` (HALT → override requested → two custodians sign → the same context passes, once),
and every way it must not pass: a changed context, a partly signed or expired override, a
complexity HALT, an ESCALATE approved by one plain approver. Also decided here with --db."""
import json
import os
import subprocess
import time

import pytest

from conftest import AEGIS
from serve_util import call, serving
from test_serve_workflows import RISKY, SAFE, sign, write_config

PAUSE = dict(SAFE, estimated_impact="high", proposal_summary="rotate the signing keys")
ESCALATE = dict(RISKY, estimated_impact="high", proposal_summary="drop the audit table")
COMPLEX = dict(SAFE, complexity_score=0.1, proposal_summary="rewrite everything at once")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("gate-approvals")
    config = write_config(d)
    # A security lead who may also approve proposals: enough for an ESCALATE on its own.
    config.write_text(config.read_text() + "rbac:\n  actors:\n    sec-lead-1: [security_lead, approver]\n")
    db = f"sqlite:{d / 'wf.db'}"
    with serving(config, db) as base:
        yield base, d, config, db


def gate(env, tmp_path, context, *args, summary=True):
    base, d, config, db = env
    path = tmp_path / "context.json"
    path.write_text(json.dumps(context))
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    run_env.update(AEGIS_API_KEY="k-proposer", GITHUB_ACTIONS="true",
                   GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
                   GITHUB_OUTPUT=str(tmp_path / "output.txt"))
    for name in ("summary.md", "output.txt"):
        (tmp_path / name).unlink(missing_ok=True)
    where = list(args) or ["--url", base]
    r = subprocess.run([AEGIS, "gate", "-i", str(path), "--format", "json", *where],
                       capture_output=True, text=True, env=run_env, timeout=60)
    lines = [line for line in r.stdout.splitlines() if line.startswith("{")]
    return r.returncode, json.loads(lines[0]) if lines else r.stdout + r.stderr


def api(env, method, path, key, body=None):
    status, _, text = call(env[0], method, path, body=body, key=key)
    return status, json.loads(text) if text else None


def analysed_proposal(env, context):
    status, p = api(env, "POST", "/v1/proposals", "k-proposer", {"context": context})
    assert status == 201, p
    pid = p["proposal_id"]
    assert api(env, "POST", f"/v1/proposals/{pid}/submit", "k-proposer")[0] == 200
    status, p = api(env, "POST", f"/v1/proposals/{pid}/analyze", "k-analyst-a")
    assert status == 200, p
    return p


def override(env, pid, signers=("risk", "sec"), ttl=None):
    body = {"proposal_id": pid, "justification": "hotfix for the outage"}
    if ttl:
        body["ttl_seconds"] = ttl
    status, o = api(env, "POST", "/v1/overrides", "k-proposer", body)
    assert status == 201, o
    keys = {"risk": ("k-risk", "risk_lead", "risk.key"), "sec": ("k-sec", "security_lead", "sec.key")}
    for who in signers:
        key, role, key_file = keys[who]
        status, o = api(env, "POST", f"/v1/overrides/{o['override_id']}/signatures", key,
                        {"role": role, "signature": sign(env[1] / key_file, o["message_hash"])})
        assert status == 200, o
    return o


def test_the_whole_loop_halt_override_two_signatures_then_the_same_context_passes_once(env, tmp_path):
    code, v = gate(env, tmp_path, RISKY)
    assert code == 1 and v["status"] == "halt" and v["outcome"] == "halt"
    p = analysed_proposal(env, RISKY)
    assert p["state"] == "rejected"
    o = override(env, p["proposal_id"])
    assert o["state"] == "approved"

    code, v = gate(env, tmp_path, RISKY)
    assert code == 0, v
    assert v["status"] == "halt" and v["outcome"] == "overridden" and v["exit_code"] == 0
    a = v["approval"]
    assert a["override_id"] == o["override_id"] and a["proposal_id"] == p["proposal_id"]
    assert {c["role"] for c in a["custodians"]} == {"risk_lead", "security_lead"}
    summary = (tmp_path / "summary.md").read_text()
    assert "HALT, OVERRIDDEN" in summary and o["override_id"] in summary
    assert "signed by risk-lead-1" in summary and "sec-lead-1" in summary and "until" in summary
    assert "outcome=overridden" in (tmp_path / "output.txt").read_text()
    # The proposal was used: executing, by the gate; the same context fails again.
    status, used = api(env, "GET", f"/v1/proposals/{p['proposal_id']}", "k-proposer")
    assert used["state"] == "executing"
    assert used["history"][-1]["actor_id"] == "aegis-gate:ci-bot"
    code, v = gate(env, tmp_path, RISKY)
    assert code == 1 and v["outcome"] == "halt"


def test_an_approval_does_not_carry_to_a_changed_context(env, tmp_path):
    context = dict(RISKY, proposal_summary="drop the sessions table")
    p = analysed_proposal(env, context)
    override(env, p["proposal_id"])
    code, v = gate(env, tmp_path, dict(context, risk_proposed=0.91))
    assert code == 1 and v["outcome"] == "halt"
    # The session id is a run's own: it does not change what was approved.
    code, v = gate(env, tmp_path, dict(context, session_id="another-run"))
    assert code == 0 and v["outcome"] == "overridden"


def test_a_partly_signed_or_expired_override_does_not_pass(env, tmp_path):
    partly = dict(RISKY, proposal_summary="drop the cache table")
    override(env, analysed_proposal(env, partly)["proposal_id"], signers=("risk",))
    assert gate(env, tmp_path, partly)[0] == 1
    expired = dict(RISKY, proposal_summary="drop the queue table")
    o = override(env, analysed_proposal(env, expired)["proposal_id"], ttl=5)
    assert o["state"] == "approved"
    time.sleep(max(0.0, o["expires_at_ms"] / 1000 - time.time()) + 0.3)  # until it has expired
    code, v = gate(env, tmp_path, expired)
    assert code == 1 and v["outcome"] == "halt"


def test_a_complexity_halt_never_passes(env, tmp_path):
    p = analysed_proposal(env, COMPLEX)
    assert "complexity" in p["failing_gates"]
    status, o = api(env, "POST", "/v1/overrides", "k-proposer",
                    {"proposal_id": p["proposal_id"], "justification": "trust me"})
    assert status == 201 and o["state"] == "rejected"
    code, v = gate(env, tmp_path, COMPLEX)
    assert code == 1 and v["outcome"] == "halt"


def test_an_approved_pause_passes_and_an_escalate_needs_what_the_policy_names(env, tmp_path):
    code, v = gate(env, tmp_path, PAUSE)
    assert code == 2 and v["status"] == "pause"
    p = analysed_proposal(env, PAUSE)
    assert p["decision_status"] == "pause"
    status, p = api(env, "POST", f"/v1/proposals/{p['proposal_id']}/approve", "k-approver",
                    {"reason": "reviewed"})
    assert status == 200 and p["state"] == "approved", p
    code, v = gate(env, tmp_path, PAUSE)
    assert code == 0 and v["outcome"] == "approved"
    assert v["approval"]["approvers"] == ["human-1"] and v["approval"]["expires_at"]
    assert "approved by human-1" in (tmp_path / "summary.md").read_text()

    # An ESCALATE approved by one approver is not enough (two, or a security lead).
    p = analysed_proposal(env, ESCALATE)
    assert p["decision_status"] == "escalate"
    assert api(env, "POST", f"/v1/proposals/{p['proposal_id']}/approve", "k-approver")[0] == 200
    assert gate(env, tmp_path, ESCALATE)[0] == 2
    q = analysed_proposal(env, dict(ESCALATE, proposal_summary="drop the audit table now"))
    assert api(env, "POST", f"/v1/proposals/{q['proposal_id']}/approve", "k-sec")[0] == 200
    code, v = gate(env, tmp_path, dict(ESCALATE, proposal_summary="drop the audit table now"))
    assert code == 0 and v["approval"]["approvers"] == ["sec-lead-1"]


def test_decided_here_with_db_the_same_approvals_count(env, tmp_path):
    _, _, config, db = env
    context = dict(RISKY, proposal_summary="drop the ledger table")
    assert gate(env, tmp_path, context, "--db", db, "-c", str(config))[0] == 1
    override(env, analysed_proposal(env, context)["proposal_id"])
    code, v = gate(env, tmp_path, context, "--db", db, "-c", str(config))
    assert code == 0 and v["outcome"] == "overridden"
    # Without --db or --url only a PROCEED passes.
    assert gate(env, tmp_path, dict(context, proposal_summary="x"), "-c", str(config))[0] == 1
