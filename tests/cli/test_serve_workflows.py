"""`aegis serve` workflow routes: proposals, two-key overrides, consensus, drift, OpenAPI
conformance of every answer, hostile bodies, slow clients, TLS, and two servers on one
PostgreSQL approving one override."""
import http.client
import json
import os
import socket
import ssl
import subprocess
import threading
import time
import uuid

import pytest

from conftest import AEGIS
from serve_util import OpenApi, api_key_lines, call, free_port, serving

KEYS = {
    "k-proposer": ("ci-bot", "proposer"),
    "k-analyst-a": ("model-a", "analyst"),
    "k-analyst-b": ("model-b", "analyst"),
    "k-analyst-c": ("model-c", "analyst"),
    "k-approver": ("human-1", "approver"),
    "k-executor": ("deployer", "executor"),
    "k-calibrator": ("calib", "calibrator"),
    "k-risk": ("risk-lead-1", "risk_lead"),
    "k-sec": ("sec-lead-1", "security_lead"),
    "k-sec-2": ("sec-lead-2", "security_lead"),
    "k-rogue": ("rogue-lead", "risk_lead"),  # has sign_override, but is no custodian
    "k-admin": ("root", "admin"),  # every permission
}
SAFE = {"agent_id": "ci-bot", "session_id": "pr-4711", "phase": "commit",
        "proposal_summary": "Refactor the cache eviction policy", "estimated_impact": "low",
        "risk_baseline": 0.2, "risk_proposed": 0.21, "profit_baseline": 100,
        "profit_proposed": 104, "novelty_score": 0.8, "complexity_score": 0.85,
        "quality_score": 0.9, "quality_subscores": [0.9, 0.85, 0.95], "change_type": "refactor"}
RISKY = dict(SAFE, risk_proposed=0.9, proposal_summary="drop a table")


def keygen(path):
    r = subprocess.run([AEGIS, "keygen", "-o", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def sign(key_path, message_hash):
    r = subprocess.run([AEGIS, "override", "sign", "--key", str(key_path), "--hash", message_hash],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["signature"]


def write_config(d):
    risk, sec, sec2 = keygen(d / "risk.key"), keygen(d / "sec.key"), keygen(d / "sec2.key")
    (d / "aegis.yaml").write_text(
        "server:\n  rate_limit_per_minute: 0\n  max_body_bytes: 65536\n"
        "  max_connections_per_peer: 1000\n  api_keys:\n"
        + api_key_lines(KEYS)
        + "custodians:\n"
        f"  - {{actor_id: risk-lead-1, role: risk_lead, public_key: \"{risk['public_key']}\"}}\n"
        f"  - {{actor_id: sec-lead-1, role: security_lead, public_key: \"{sec['public_key']}\"}}\n"
        f"  - {{actor_id: sec-lead-2, role: security_lead, public_key: \"{sec2['public_key']}\"}}\n")
    return d / "aegis.yaml"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("wf")
    config = write_config(d)
    with serving(config, f"sqlite:{d / 'wf.db'}") as base:
        yield base, d, OpenApi(base)


class Client:
    def __init__(self, base, api):
        self.base, self.api = base, api

    def __call__(self, method, template, key, body=None, raw=None, **ids):
        status, _, text = call(self.base, method, template.format(**ids), body=body, key=key,
                               raw=raw)
        return status, self.api.check(method, template.split("?")[0], status, text)


@pytest.fixture
def c(env):
    base, _, api = env
    return Client(base, api)


def new_proposal(c, context, key="k-proposer"):
    status, p = c("POST", "/v1/proposals", key, {"context": context})
    assert status == 201, p
    return p["proposal_id"]


def step(c, pid, action, key, body=None):
    return c("POST", "/v1/proposals/{proposal_id}/{action}", key, body, proposal_id=pid,
             action=action)


def proceeds(base):
    text = call(base, "GET", "/metrics", key="k-analyst-a")[2]
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith("aegis_decisions_total{") and 'status="proceed"' in line)


def test_proposal_lifecycle_to_completion(c, env):
    pid = new_proposal(c, SAFE)
    status, p = c("GET", "/v1/proposals/{proposal_id}", "k-analyst-a", proposal_id=pid)
    assert status == 200 and p["state"] == "draft" and p["proposer_id"] == "ci-bot"
    assert step(c, pid, "submit", "k-proposer")[1]["state"] == "submitted"
    before = proceeds(env[0])
    status, p = step(c, pid, "analyze", "k-analyst-a")
    assert status == 200 and p["state"] == "approved" and p["decision_status"] == "proceed"
    assert proceeds(env[0]) == before + 1  # counted in /metrics like any decision
    decision_id = p["decision"]["decision_id"]
    status, d = c("GET", "/v1/decisions/{decision_id}", "k-analyst-a", decision_id=decision_id)
    assert status == 200 and d == p["decision"]  # the decision joined the audit chain
    assert step(c, pid, "execute", "k-executor")[1]["state"] == "executing"
    status, p = step(c, pid, "complete", "k-executor", {"reason": "rolled out"})
    assert p["state"] == "completed" and p["version"] == 5
    assert [(t["from"], t["to"], t["actor_id"]) for t in p["history"]] == [
        ("draft", "submitted", "ci-bot"), ("submitted", "under_review", "model-a"),
        ("under_review", "approved", "model-a"), ("approved", "executing", "deployer"),
        ("executing", "completed", "deployer")]
    assert p["history"][-1]["reason"] == "rolled out"


def test_proposal_errors(c):
    pid = new_proposal(c, SAFE)
    status, e = step(c, pid, "execute", "k-executor")
    assert status == 409 and "draft" in e["error"]["message"]
    assert step(c, pid, "analyze", "k-proposer")[0] == 403  # proposers may not analyze
    assert step(c, pid, "approve", "k-analyst-a")[0] == 403
    assert step(c, pid, "launch", "k-proposer")[0] == 404
    assert step(c, "no-such-proposal", "submit", "k-proposer")[0] == 404
    status, e = c("POST", "/v1/proposals", "k-proposer", {"proposal_id": pid, "context": SAFE})
    assert status == 409
    status, e = c("POST", "/v1/proposals", "k-proposer", {"context": dict(SAFE, risk_proposed=2)})
    assert status == 422 and e["error"]["field"] == "risk_proposed"
    status, e = c("POST", "/v1/proposals", "k-proposer", {"context": SAFE, "extra": 1})
    assert status == 400 and e["error"]["field"] == "extra"
    status, e = c("POST", "/v1/proposals", "k-proposer", {"proposal_id": "a/b", "context": SAFE})
    assert status == 422 and e["error"]["field"] == "proposal_id"
    status, e = c("POST", "/v1/proposals", "k-proposer", {})
    assert status == 422 and e["error"]["field"] == "context"
    assert c("POST", "/v1/proposals", None, {"context": SAFE})[0] == 401
    assert step(c, pid, "withdraw", "k-proposer")[1]["state"] == "withdrawn"


def test_halted_proposal_approved_by_two_key_override(c, env):
    _, d, _ = env
    pid = new_proposal(c, RISKY)
    step(c, pid, "submit", "k-proposer")
    status, p = step(c, pid, "analyze", "k-analyst-a")
    assert p["state"] == "rejected" and p["decision_status"] == "halt"
    failing = p["failing_gates"]
    assert "risk" in failing
    status, o = c("POST", "/v1/overrides", "k-proposer",
                  {"proposal_id": pid, "justification": "incident fix", "ttl_seconds": 3600})
    assert status == 201 and o["state"] == "pending" and o["failed_gates"] == failing
    oid, h = o["override_id"], o["message_hash"]
    sign_path = "/v1/overrides/{override_id}/signatures"
    status, o = c("POST", sign_path, "k-risk",
                  {"role": "risk_lead", "signature": sign(d / "risk.key", h)}, override_id=oid)
    assert status == 200 and o["state"] == "partial" and o["approved"] is False
    status, e = step(c, pid, "approve", "k-approver", {"override_id": oid})
    assert status == 403 and e["error"]["detail"] == "proposal.override_not_approved"
    status, o = c("POST", sign_path, "k-sec",
                  {"role": "security_lead", "signature": sign(d / "sec.key", h)}, override_id=oid)
    assert status == 200 and o["state"] == "approved" and o["approved"] is True
    assert [s["actor_id"] for s in o["signatures"]] == ["risk-lead-1", "sec-lead-1"]
    status, o = c("POST", sign_path, "k-sec-2",
                  {"role": "security_lead", "signature": sign(d / "sec2.key", h)}, override_id=oid)
    assert status == 409  # already final
    status, p = step(c, pid, "approve", "k-approver", {"override_id": oid})
    assert status == 200 and p["state"] == "approved"
    assert p["history"][-1]["reason"] == "two-key override approved"
    status, o = c("GET", "/v1/overrides/{override_id}", "k-analyst-a", override_id=oid)
    assert o["approved"] is True and o["version"] == 3


def test_the_proposer_cannot_approve_its_own_proposal_whatever_its_role(c, env):
    _, d, _ = env
    for context, state in ((dict(SAFE, estimated_impact="high"), "under_review"),
                           (dict(RISKY, estimated_impact="high"), "escalated")):
        pid = new_proposal(c, context, key="k-admin")
        step(c, pid, "submit", "k-admin")
        assert step(c, pid, "analyze", "k-admin")[1]["state"] == state
        status, e = step(c, pid, "approve", "k-admin", {"reason": "mine"})
        assert status == 403 and e["error"]["detail"] == "proposal.self_approval", e
        status, p = step(c, pid, "approve", "k-approver")
        assert status == 200 and p["state"] == "approved"
    # Nor through a two-key override.
    pid = new_proposal(c, RISKY, key="k-admin")
    step(c, pid, "submit", "k-admin")
    assert step(c, pid, "analyze", "k-analyst-a")[1]["state"] == "rejected"
    status, o = c("POST", "/v1/overrides", "k-admin", {"proposal_id": pid, "justification": "fix"})
    oid, h = o["override_id"], o["message_hash"]
    for key, role, key_file in (("k-risk", "risk_lead", "risk.key"),
                                ("k-sec", "security_lead", "sec.key")):
        status, o = c("POST", "/v1/overrides/{override_id}/signatures", key,
                      {"role": role, "signature": sign(d / key_file, h)}, override_id=oid)
        assert status == 200
    assert o["approved"] is True
    status, e = step(c, pid, "approve", "k-admin", {"override_id": oid})
    assert status == 403 and e["error"]["detail"] == "proposal.self_approval", e
    status, p = step(c, pid, "approve", "k-approver", {"override_id": oid})
    assert status == 200 and p["state"] == "approved"
    # An engine PROCEED during analyze is not a human approval: the proposer may analyze.
    pid = new_proposal(c, SAFE, key="k-admin")
    step(c, pid, "submit", "k-admin")
    assert step(c, pid, "analyze", "k-admin")[1]["state"] == "approved"


def test_override_refusals(c, env):
    _, d, _ = env
    pid = new_proposal(c, RISKY)
    body = {"proposal_id": pid, "justification": "j", "failed_gates": ["risk"]}
    status, o = c("POST", "/v1/overrides", "k-proposer", body)
    assert status == 201
    sign_path = "/v1/overrides/{override_id}/signatures"
    # A signature over another message is refused, and the refusal rejects the override.
    wrong = sign(d / "risk.key", "0" * 64)
    status, e = c("POST", sign_path, "k-risk", {"role": "risk_lead", "signature": wrong},
                  override_id=o["override_id"])
    assert status == 422 and e["error"]["detail"] == "override.bad_signature"
    assert e["override"]["state"] == "rejected"
    status, o2 = c("GET", "/v1/overrides/{override_id}", "k-proposer", override_id=o["override_id"])
    assert o2["state"] == "rejected" and o2["reason"] == "bad_signature"
    # A custodian signing in a role it is not registered for.
    status, o = c("POST", "/v1/overrides", "k-proposer", body)
    status, e = c("POST", sign_path, "k-risk",
                  {"role": "security_lead", "signature": sign(d / "risk.key", o["message_hash"])},
                  override_id=o["override_id"])
    # One detail, one status: a refused signature is answered with its detail's status.
    assert status == 403 and e["error"]["detail"] == "override.not_a_custodian"
    assert e["override"]["state"] == "rejected"
    # Not a custodian at all: refused without touching the override.
    status, o = c("POST", "/v1/overrides", "k-proposer", body)
    status, e = c("POST", sign_path, "k-rogue", {"role": "risk_lead", "signature": wrong},
                  override_id=o["override_id"])
    assert status == 403 and e["error"]["detail"] == "override.not_a_custodian"
    assert c("GET", "/v1/overrides/{override_id}", "k-proposer",
             override_id=o["override_id"])[1]["state"] == "pending"
    # Not allowed to sign at all, unknown override, complexity, bad fields.
    assert c("POST", sign_path, "k-approver", {"role": "risk_lead", "signature": wrong},
             override_id=o["override_id"])[0] == 403
    assert c("POST", sign_path, "k-risk", {"role": "risk_lead", "signature": wrong},
             override_id="nope")[0] == 404
    status, o = c("POST", "/v1/overrides", "k-proposer", dict(body, failed_gates=["complexity"]))
    assert status == 201 and o["state"] == "rejected" and o["reason"] == "complexity_not_overridable"
    status, e = c("POST", "/v1/overrides", "k-proposer", dict(body, ttl_seconds=0))
    assert status == 422 and e["error"]["field"] == "ttl_seconds"
    status, e = c("POST", "/v1/overrides", "k-proposer", {"proposal_id": "unknown", "justification": "j"})
    assert status == 422 and e["error"]["field"] == "failed_gates"
    assert c("POST", "/v1/overrides", "k-risk", body)[0] == 403


def halted_proposal(c):
    pid = new_proposal(c, RISKY)
    step(c, pid, "submit", "k-proposer")
    assert step(c, pid, "analyze", "k-analyst-a")[1]["state"] == "rejected"
    return pid


SIGN_PATH = "/v1/overrides/{override_id}/signatures"


def sign_both(c, d, oid, h, expect=200):
    out = []
    for key, role, key_file in (("k-risk", "risk_lead", "risk.key"),
                                ("k-sec", "security_lead", "sec.key")):
        status, o = c("POST", SIGN_PATH, key, {"role": role, "signature": sign(d / key_file, h)},
                      override_id=oid)
        assert status == expect, o
        out.append(o)
    return out


def test_override_signatures_replayed_from_an_expired_override_are_refused(c, env):
    """The probe's replay: signatures made for an expired override, posted to a new override
    with the same proposal, justification and gates, must not approve the proposal."""
    _, d, _ = env
    pid = halted_proposal(c)
    body = {"proposal_id": pid, "justification": "J"}
    status, old = c("POST", "/v1/overrides", "k-proposer", dict(body, ttl_seconds=1))
    assert status == 201
    old_sigs = [sign(d / "risk.key", old["message_hash"]), sign(d / "sec.key", old["message_hash"])]
    time.sleep(2)
    status, new = c("POST", "/v1/overrides", "k-proposer", body)
    assert status == 201 and new["message_hash"] != old["message_hash"]
    status, e = c("POST", SIGN_PATH, "k-risk", {"role": "risk_lead", "signature": old_sigs[0]},
                  override_id=new["override_id"])
    assert status == 422 and e["error"]["detail"] == "override.bad_signature"
    status, e = step(c, pid, "approve", "k-approver", {"override_id": new["override_id"]})
    assert status == 403 and e["error"]["detail"] == "proposal.override_not_approved"
    # The expired override itself takes no signature and approves nothing.
    status, e = c("POST", SIGN_PATH, "k-risk", {"role": "risk_lead", "signature": old_sigs[0]},
                  override_id=old["override_id"])
    assert status == 409 and e["error"]["detail"] == "override.already_final"
    status, e = step(c, pid, "approve", "k-approver", {"override_id": old["override_id"]})
    assert status == 403


def test_override_signatures_count_for_one_override_only(c, env, tmp_path):
    _, d, _ = env
    pid = halted_proposal(c)
    body = {"proposal_id": pid, "justification": "J"}
    # A fully approved override's signatures replayed onto a twin override.
    status, first = c("POST", "/v1/overrides", "k-proposer", body)
    sign_both(c, d, first["override_id"], first["message_hash"])
    status, twin = c("POST", "/v1/overrides", "k-proposer", body)
    assert twin["message_hash"] != first["message_hash"]
    status, e = c("POST", SIGN_PATH, "k-risk",
                  {"role": "risk_lead", "signature": sign(d / "risk.key", first["message_hash"])},
                  override_id=twin["override_id"])
    assert status == 422 and e["error"]["detail"] == "override.bad_signature"
    # The reference's message (offline `override hash`) is not a stored override's message.
    status, third = c("POST", "/v1/overrides", "k-proposer", body)
    r = subprocess.run([AEGIS, "override", "hash", "--proposal-id", pid, "--justification", "J",
                        "--failed-gates", ",".join(third["failed_gates"])],
                       capture_output=True, text=True)
    reference = json.loads(r.stdout)["message_hash"]
    assert reference != third["message_hash"]
    status, e = c("POST", SIGN_PATH, "k-risk",
                  {"role": "risk_lead", "signature": sign(d / "risk.key", reference)},
                  override_id=third["override_id"])
    assert status == 422 and e["error"]["detail"] == "override.bad_signature"
    # A custodian recomputes the stored override's message from its fields before signing.
    status, fourth = c("POST", "/v1/overrides", "k-proposer", body)
    binding = fourth["binding"]
    assert len(binding["context_hash"]) == 64 and binding["override_id"] == fourth["override_id"]
    r = subprocess.run([AEGIS, "override", "hash", "--proposal-id", pid, "--justification", "J",
                        "--failed-gates", ",".join(fourth["failed_gates"]),
                        "--override-id", fourth["override_id"],
                        "--expires-at-ms", str(fourth["expires_at_ms"]),
                        "--context-hash", binding["context_hash"]], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["message_hash"] == fourth["message_hash"]
    # The first override still approves its own proposal, once.
    status, p = step(c, pid, "approve", "k-approver", {"override_id": first["override_id"]})
    assert status == 200 and p["state"] == "approved"


def test_override_requested_before_its_proposal_cannot_approve_it(c, env):
    _, d, _ = env
    pid = "later-" + uuid.uuid4().hex
    status, o = c("POST", "/v1/overrides", "k-proposer",
                  {"proposal_id": pid, "justification": "J", "failed_gates": ["risk"]})
    assert status == 201 and o["binding"]["context_hash"] == ""
    sign_both(c, d, o["override_id"], o["message_hash"])
    status, p = c("POST", "/v1/proposals", "k-proposer", {"proposal_id": pid, "context": RISKY})
    assert status == 201
    step(c, pid, "submit", "k-proposer")
    assert step(c, pid, "analyze", "k-analyst-a")[1]["state"] == "rejected"
    status, e = step(c, pid, "approve", "k-approver", {"override_id": o["override_id"]})
    assert status == 403 and e["error"]["detail"] == "proposal.override_mismatch"


# Every misuse of a stored override: (signer key, role, key file, what is signed, expected detail).
MISUSE = [
    ("k-risk", "security_lead", "risk.key", "own", "override.not_a_custodian"),
    ("k-risk", "risk_lead", "sec.key", "own", "override.bad_signature"),
    ("k-risk", "risk_lead", "risk.key", "zeros", "override.bad_signature"),
    ("k-risk", "risk_lead", "risk.key", "reference", "override.bad_signature"),
    ("k-risk", "risk_lead", "risk.key", "other", "override.bad_signature"),
    ("k-risk", "risk_lead", "risk.key", "truncated", "override.malformed_signature"),
    ("k-risk", "risk_lead", "risk.key", "empty", "api.invalid"),  # refused before the override
    ("k-risk", "risk_lead", "risk.key", "not-base64", "override.malformed_signature"),
    ("k-risk", "risk_lead", "risk.key", "bad-key", "override.malformed_key"),
    ("k-risk", "risk_lead", "risk.key", "other-key", "override.key_not_registered"),
    ("k-risk", "auditor", "risk.key", "own", "override.unknown_role"),
    ("k-sec", "risk_lead", "sec.key", "own", "override.not_a_custodian"),
    ("k-sec-2", "security_lead", "sec.key", "own", "override.bad_signature"),
    ("k-sec", "security_lead", "sec.key", "other", "override.bad_signature"),
    ("k-sec", "security_lead", "sec.key", "reference", "override.bad_signature"),
    ("k-rogue", "risk_lead", "risk.key", "own", "override.not_a_custodian"),
    ("k-approver", "risk_lead", "risk.key", "own", "rbac.denied"),
    ("k-proposer", "risk_lead", "risk.key", "own", "rbac.denied"),
    (None, "risk_lead", "risk.key", "own", "server.unauthorized"),
    ("k-sec", "security_lead", "risk.key", "own", "override.bad_signature"),
    ("k-sec", "security_lead", "sec2.key", "own", "override.bad_signature"),
    ("k-sec-2", "security_lead", "sec2.key", "other", "override.bad_signature"),
    ("k-risk", "risk_lead", "risk.key", "other-proposal", "override.bad_signature"),
    ("k-risk", "risk_lead", "risk.key", "sig-as-key", "override.malformed_key"),
    ("k-sec", "security_lead", "sec.key", "not-base64", "override.malformed_signature"),
    ("k-sec", "security_lead", "sec.key", "empty", "api.invalid"),
]


@pytest.mark.parametrize("key,role,key_file,what,detail", MISUSE)
def test_every_override_misuse_is_refused(c, env, key, role, key_file, what, detail):
    _, d, _ = env
    pid = halted_proposal(c)
    status, o = c("POST", "/v1/overrides", "k-proposer", {"proposal_id": pid, "justification": "J"})
    _, other = c("POST", "/v1/overrides", "k-proposer", {"proposal_id": pid, "justification": "J"})
    h = o["message_hash"]
    reference = json.loads(subprocess.run(
        [AEGIS, "override", "hash", "--proposal-id", pid, "--justification", "J",
         "--failed-gates", ",".join(o["failed_gates"])], capture_output=True, text=True).stdout)
    signed = {"own": h, "zeros": "0" * 64, "reference": reference["message_hash"],
              "other": other["message_hash"]}.get(what, h)
    if what == "other-proposal":  # an override of another proposal, same justification
        _, elsewhere = c("POST", "/v1/overrides", "k-proposer",
                         {"proposal_id": halted_proposal(c), "justification": "J"})
        signed = elsewhere["message_hash"]
    sig = sign(d / key_file, signed)
    body = {"role": role, "signature": sig}
    if what == "truncated":
        body["signature"] = sig[: len(sig) // 2]
    elif what == "empty":
        body["signature"] = ""
    elif what == "not-base64":
        body["signature"] = "!" * 40
    elif what == "bad-key":
        body["public_key"] = "zz" * 32
    elif what == "sig-as-key":
        body["public_key"] = sig
    elif what == "other-key":
        body["public_key"] = keygen(d / f"k-{uuid.uuid4().hex}.key")["public_key"]
    status, e = c("POST", SIGN_PATH, key, body, override_id=o["override_id"])
    assert status in (401, 403, 422) and e["error"]["detail"] == detail, e
    status, e = step(c, pid, "approve", "k-approver", {"override_id": o["override_id"]})
    assert status == 403 and e["error"]["detail"] == "proposal.override_not_approved"


def test_consensus(c):
    cid = "vote-" + uuid.uuid4().hex
    status, v = c("POST", "/v1/consensus", "k-proposer", {"consensus_id": cid, "min_voters": 3})
    assert status == 201 and v["outcome"] == "open"
    path = "/v1/consensus/{consensus_id}/votes"
    for key, outcome in (("k-analyst-a", "approve"), ("k-analyst-b", "approve"),
                         ("k-analyst-c", "reject")):
        status, v = c("POST", path, key, {"outcome": outcome, "confidence": 0.8}, consensus_id=cid)
        assert status == 200
    assert v["approvals"] == 2 and v["rejections"] == 1
    assert c("POST", path, "k-analyst-a", {"outcome": "reject"}, consensus_id=cid)[0] == 409
    assert c("POST", path, "k-proposer", {"outcome": "approve"}, consensus_id=cid)[0] == 403
    status, e = c("POST", path, "k-analyst-a", {"outcome": "maybe"}, consensus_id=cid)
    assert status == 422 and e["error"]["field"] == "outcome"
    status, v = c("POST", "/v1/consensus/{consensus_id}/close", "k-approver", consensus_id=cid)
    assert status == 200 and v["outcome"] == "approved"
    status, v = c("GET", "/v1/consensus/{consensus_id}", "k-analyst-a", consensus_id=cid)
    assert v["outcome"] == "approved" and [x["voter_id"] for x in v["votes"]] == [
        "model-a", "model-b", "model-c"]
    status, v = c("POST", "/v1/consensus", "k-proposer", {"min_voters": 5})
    status, v = c("POST", "/v1/consensus/{consensus_id}/close", "k-approver",
                  consensus_id=v["consensus_id"])
    assert v["outcome"] == "no_quorum"
    status, e = c("POST", "/v1/consensus", "k-proposer", {"min_voters": 0})
    assert status == 422 and e["error"]["field"] == "min_voters"


def test_drift(c, env):
    base, _, _ = env
    status, s = c("GET", "/v1/drift", "k-analyst-a")
    assert status == 200 and s["has_baseline"] is False and s["status"] == "insufficient_data"
    baseline = [i / 100 for i in range(100)]
    assert c("POST", "/v1/drift/baseline", "k-proposer", {"values": baseline})[0] == 403
    status, e = c("POST", "/v1/drift/baseline", "k-calibrator", {"values": [0.1] * 5})
    assert status == 422 and e["error"]["detail"].startswith("drift.")
    status, s = c("POST", "/v1/drift/baseline", "k-calibrator", {"values": baseline})
    assert status == 200 and s["has_baseline"] is True and len(s["baseline_hash"]) == 64
    status, s = c("POST", "/v1/drift/observations", "k-proposer", {"values": [0.99] * 40})
    assert status == 200 and s["status"] == "critical" and s["n_current"] == 40
    status, e = c("POST", "/v1/drift/observations", "k-proposer", {"values": [0.5, "x"]})
    assert status == 422 and e["error"]["field"] == "values[1]"
    metrics = call(base, "GET", "/metrics", key="k-analyst-a")[2]
    kl = [line for line in metrics.splitlines() if line.startswith("aegis_drift_kl_divergence")]
    assert kl and float(kl[0].split()[-1]) == pytest.approx(s["kl_divergence"])


def test_lists_of_proposals_overrides_and_drift_for_the_console(c, env):
    _, d, _ = env
    ids = [new_proposal(c, SAFE) for _ in range(3)]
    step(c, ids[1], "submit", "k-proposer")
    status, listed = c("GET", "/v1/proposals?state=submitted&limit=1000", "k-analyst-a")
    assert status == 200 and ids[1] in [p["proposal_id"] for p in listed["proposals"]]
    assert all(p["state"] == "submitted" for p in listed["proposals"])
    assert not {ids[0], ids[2]} & {p["proposal_id"] for p in listed["proposals"]}
    # Newest change first, a page at a time, every proposal once.
    seen, cursor = [], None
    while True:
        status, page = c("GET", "/v1/proposals?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                         "k-analyst-a")
        assert status == 200 and len(page["proposals"]) <= 2
        seen += [p["proposal_id"] for p in page["proposals"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) and seen.index(ids[1]) < seen.index(ids[2]) < seen.index(ids[0])
    assert c("GET", "/v1/proposals?state=done", "k-analyst-a")[0] == 400  # as every malformed query (json.query)
    assert c("GET", "/v1/proposals?page=2", "k-analyst-a")[0] == 400
    # An override signed by one custodian: present and missing signatures.
    pid = new_proposal(c, RISKY)
    step(c, pid, "submit", "k-proposer")
    step(c, pid, "analyze", "k-analyst-a")
    status, o = c("POST", "/v1/overrides", "k-proposer",
                  {"proposal_id": pid, "justification": "listed", "ttl_seconds": 3600})
    oid = o["override_id"]
    c("POST", "/v1/overrides/{override_id}/signatures", "k-risk",
      {"role": "risk_lead", "signature": sign(d / "risk.key", o["message_hash"])}, override_id=oid)
    status, listed = c("GET", "/v1/overrides?state=partial", "k-analyst-a")
    mine = [x for x in listed["overrides"] if x["override_id"] == oid]
    assert status == 200 and len(mine) == 1
    assert [s["role"] for s in mine[0]["signatures"]] == ["risk_lead"]
    assert mine[0]["signatures_missing"] == ["security_lead"]
    status, pending = c("GET", "/v1/overrides?state=pending", "k-analyst-a")
    assert oid not in [x["override_id"] for x in pending["overrides"]]
    status, still_open = c("GET", "/v1/overrides?state=open&limit=1000", "k-analyst-a")
    assert oid in [x["override_id"] for x in still_open["overrides"]]
    assert {x["state"] for x in still_open["overrides"]} <= {"pending", "partial"}
    assert c("GET", "/v1/overrides?state=closed", "k-analyst-a")[0] == 400
    # Drift over time: each evaluation of observations, oldest first, with the thresholds.
    c("POST", "/v1/drift/baseline", "k-calibrator", {"values": [i / 100 for i in range(100)]})
    status, before = c("GET", "/v1/drift/history", "k-analyst-a")
    for v in (0.5, 0.99):
        c("POST", "/v1/drift/observations", "k-proposer", {"values": [v] * 40})
    status, h = c("GET", "/v1/drift/history", "k-analyst-a")
    assert status == 200 and len(h["points"]) == len(before["points"]) + 2
    last = h["points"][-1]
    status, now = c("GET", "/v1/drift", "k-analyst-a")
    assert last["kl_divergence"] == now["kl_divergence"] and last["status"] == now["status"]
    assert h["tau_warning"] < h["tau_critical"]
    times = [p["time"] for p in h["points"]]
    assert times == sorted(times)
    status, later = c("GET", "/v1/drift/history?since=" + last["time"], "k-analyst-a")
    assert later["points"] and all(p["time"] >= last["time"] for p in later["points"])
    assert c("GET", "/v1/drift/history?since=today", "k-analyst-a")[0] == 400


def test_every_route_answers_as_the_openapi_document_says(c, env):
    base, _, api = env
    paths = api.doc["paths"]
    for route in ("/v1/evaluate", "/evaluate", "/v1/evaluate/batch", "/v1/risk-check",
                  "/v1/decisions", "/v1/decisions/{decision_id}", "/v1/proposals",
                  "/v1/proposals/{proposal_id}", "/v1/proposals/{proposal_id}/{action}",
                  "/v1/overrides", "/v1/overrides/{override_id}/signatures",
                  "/v1/overrides/{override_id}", "/v1/consensus",
                  "/v1/consensus/{consensus_id}/votes", "/v1/consensus/{consensus_id}/close",
                  "/v1/consensus/{consensus_id}", "/v1/drift/baseline",
                  "/v1/drift/observations", "/v1/drift", "/v1/drift/history",
                  "/v1/afa/decide", "/health",
                  "/metrics", "/openapi.json", "/", "/v1/dashboard"):
        assert route in paths, route
    status, d = c("POST", "/v1/evaluate", "k-proposer", {"risk_proposed": 0.3, "shadow": True})
    assert status == 200 and d["shadow_result"] is not None
    drift = {"risk_proposed": 0.3, "drift_baseline_data": [0.3] * 40}
    status, d = c("POST", "/evaluate", "k-proposer", drift)
    assert status == 200 and d["drift_result"]["n_baseline"] == 40
    status, out = c("POST", "/v1/evaluate/batch", "k-proposer", [{"risk_proposed": 0.3}, {"risk": 5}])
    assert status == 200 and out[1]["index"] == 1
    status, _ = c("POST", "/v1/risk-check", "k-proposer",
                  {"action_description": "x", "risk_score": 0.7, "threshold": 0.5})
    assert status == 200
    assert c("POST", "/v1/risk-check", "k-proposer", {"action_description": "x",
                                                      "risk_score": 0.7, "threshold": "high"})[0] == 422
    status, listed = c("GET", "/v1/decisions", "k-analyst-a")
    assert status == 200 and listed["decisions"]
    status, e = c("GET", "/v1/decisions?limit=0", "k-analyst-a")
    assert status == 400 and e["error"]["field"] == "limit"
    status, _ = c("POST", "/v1/afa/decide", "k-proposer",
                  {"request_id": "r", "candidate_id": "c", "function_name": "f",
                   "metrics": {"risk_proposed": 0.1}})
    assert status == 200
    assert c("GET", "/health", None)[0] == 200
    assert c("POST", "/v1/evaluate", "k-analyst-a", {"risk_proposed": 0.3})[0] == 403
    assert c("POST", "/v1/evaluate", None, {"risk_proposed": 0.3})[0] == 401


HOSTILE = [
    b"{not json",
    b'{"values": ["NaN"]}',
    b'{"values": [Infinity]}',
    b'{"reason": "\xc3\x28"}',
    b'{"a":' * 200 + b"1" + b"}" * 200,
    b"[" * 100000,
    b'{"reason": "x", "reason": "y"}',
    b"\x00\xff\xfe",
]
POSTS = ["/v1/evaluate", "/v1/evaluate/batch", "/v1/risk-check", "/v1/proposals",
         "/v1/overrides", "/v1/consensus", "/v1/drift/baseline", "/v1/drift/observations",
         "/v1/afa/decide"]


def test_hostile_bodies_are_4xx_on_every_route_and_the_server_keeps_serving(env):
    base = env[0]
    pid = "p-" + uuid.uuid4().hex
    status, _, _ = call(base, "POST", "/v1/proposals", {"proposal_id": pid, "context": SAFE},
                        key="k-proposer")
    for raw in HOSTILE:
        for path in POSTS + [f"/v1/proposals/{pid}/submit"]:
            status, _, text = call(base, "POST", path, raw=raw, key="k-proposer")
            if path.endswith("/batch") and status == 200:  # NDJSON: one error record per line
                assert all("error" in item for item in json.loads(text)), text
                continue
            assert 400 <= status < 500, (path, raw[:20], status, text)
            assert '"proceed"' not in text
    assert call(base, "GET", "/health")[0] == 200


def test_slow_and_half_open_clients_do_not_block_others(env):
    base = env[0]
    port = int(base.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]  # half-open: silent
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(200)]
    for s in slow:  # slowloris: a header line that never ends
        s.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    stop = threading.Event()

    def drip():
        while not stop.is_set():
            for s in slow:
                try:
                    s.sendall(b"a")
                except OSError:
                    pass
            time.sleep(0.5)

    t = threading.Thread(target=drip)
    t.start()
    try:
        # Meanwhile others are served; a stalled worker pool would make these wait for the
        # stalled clients' 5 s timeout.
        for _ in range(20):
            status, _, _ = call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.2}, key="k-proposer")
            assert status == 200
        # The server drops silent clients after its read timeout.
        idle[0].settimeout(20)
        assert idle[0].recv(1024) == b""
    finally:
        stop.set()
        t.join()
        for s in idle + slow:
            s.close()


def test_tls(tmp_path, env):
    _, d, _ = env
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.create_default_context(cafile=str(cert))
    with serving(d / "aegis.yaml", f"sqlite:{tmp_path / 'tls.db'}", "--tls-cert", str(cert),
                 "--tls-key", str(key), scheme="https") as base:
        status, _, text = call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.2},
                               key="k-proposer", context=context)
        assert status == 200 and json.loads(text)["status"]
        with pytest.raises((OSError, http.client.HTTPException)):  # plain HTTP gets no answer
            call(base.replace("https", "http"), "GET", "/health")
    r = subprocess.run([AEGIS, "serve", "--listen", f"127.0.0.1:{free_port()}", "--db",
                        f"sqlite:{tmp_path / 'x.db'}", "--tls-cert", str(tmp_path / "none.pem"),
                        "--tls-key", str(key)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 3 and "--tls-cert" in r.stderr
    r = subprocess.run([AEGIS, "serve", "--tls-cert", str(cert)], capture_output=True, text=True)
    assert r.returncode != 0 and "--tls-key" in r.stderr


@pytest.fixture
def pg_db():
    url_file = os.environ.get("AEGIS_PG_URL_FILE")
    if not url_file or not os.path.exists(url_file):
        pytest.fail("AEGIS_PG_URL_FILE names no running PostgreSQL (ctest starts one)")
    base = open(url_file).read().strip()
    name = "serve_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    return f"{base}/{name}"


def test_two_servers_on_one_postgresql_approve_one_override(env, pg_db):
    _, d, _ = env
    with serving(d / "aegis.yaml", pg_db) as a, serving(d / "aegis.yaml", pg_db) as b:
        pid = "pg-" + uuid.uuid4().hex
        assert call(a, "POST", "/v1/proposals", {"proposal_id": pid, "context": RISKY},
                    key="k-proposer")[0] == 201
        assert call(b, "POST", f"/v1/proposals/{pid}/submit", key="k-proposer")[0] == 200
        status, _, text = call(a, "POST", f"/v1/proposals/{pid}/analyze", key="k-analyst-a")
        assert json.loads(text)["state"] == "rejected"
        status, _, text = call(b, "POST", "/v1/overrides",
                               {"proposal_id": pid, "justification": "hotfix"}, key="k-proposer")
        o = json.loads(text)
        oid, h = o["override_id"], o["message_hash"]
        status, _, text = call(a, "POST", f"/v1/overrides/{oid}/signatures",
                               {"role": "risk_lead", "signature": sign(d / "risk.key", h)},
                               key="k-risk")
        assert status == 200 and json.loads(text)["state"] == "partial"
        status, _, text = call(b, "POST", f"/v1/overrides/{oid}/signatures",
                               {"role": "security_lead", "signature": sign(d / "sec.key", h)},
                               key="k-sec")
        assert status == 200 and json.loads(text)["approved"] is True
        status, _, text = call(a, "GET", f"/v1/overrides/{oid}", key="k-analyst-a")
        assert json.loads(text)["state"] == "approved" and json.loads(text)["version"] == 3
        status, _, text = call(a, "POST", f"/v1/proposals/{pid}/approve", {"override_id": oid},
                               key="k-approver")
        assert status == 200 and json.loads(text)["state"] == "approved"
        # A step based on a stale read loses: both servers race to execute; one wins.
        results = []
        threads = [threading.Thread(target=lambda s=s: results.append(
            call(s, "POST", f"/v1/proposals/{pid}/execute", key="k-executor")[0])) for s in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [200, 409]
    r = subprocess.run([AEGIS, "audit", "verify", "--db", pg_db], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["entries"] >= 8


def test_dashboard_page_and_fragment(env):
    base = env[0]
    status, headers, html = call(base, "GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "connect-src 'self'" in csp
    # Nothing fetched from elsewhere: the one address is the SVG namespace, a name, not a place.
    page = html.replace("'http://www.w3.org/2000/svg'", "")
    assert "http://" not in page and "https://" not in page
    assert call(base, "GET", "/v1/dashboard")[0] == 401
    status, headers, fragment = call(base, "GET", "/v1/dashboard", key="k-analyst-a")
    assert status == 200 and 'id="chart-status-mix"' in fragment and "<script" not in fragment
