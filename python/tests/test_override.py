"""Two-key overrides from Python: the reference's blocks with real keys, and the rejections."""
import base64
import datetime

import pytest

import aegis_governance as ag
from test_reference_snippets import run
import reference_snippets as S

def keys():
    risk, risk_pub, _ = ag.BIP322Provider.generate_keypair()
    sec, sec_pub, _ = ag.BIP322Provider.generate_keypair()
    return risk, risk_pub, sec, sec_pub


def test_approver_block_with_real_keys():
    risk, risk_pub, _, _ = keys()
    h = ag.create_message_hash("prop-001", "Emergency hotfix required", ["risk"])
    ns, _ = run(S.APPROVER, namespace={"risk_sig_b64": ag.BIP322Provider.sign(h, risk),
                                       "risk_public_key": risk_pub})
    assert ns["result"].authorized is True
    assert ns["result"].message_hash == h
    ns, _ = run(S.APPROVER, namespace={"risk_sig_b64": ag.BIP322Provider.sign("other", risk),
                                       "risk_public_key": risk_pub})
    assert ns["result"].authorized is False and ns["result"].reason == "bad_signature"


def test_dual_signature_block_with_real_keys():
    risk, risk_pub, sec, sec_pub = keys()
    h = ag.create_message_hash("prop-001", "Emergency hotfix", ["risk"])
    b64 = lambda hexkey: base64.b64encode(bytes.fromhex(hexkey)).decode()  # noqa: E731
    ns, out = run(S.DUAL_SIGNATURE, namespace={
        "risk_sig_b64": ag.BIP322Provider.sign(h, risk), "risk_pub_b64": b64(risk_pub),
        "sec_sig_b64": ag.BIP322Provider.sign(h, sec), "sec_pub_b64": b64(sec_pub)})
    assert ns["msg_hash"] == h == ns["workflow"].message_hash
    r = ns["result"]
    assert r.approved and r.state is ag.OverrideState.APPROVED
    assert out.startswith("Override approved until ")
    assert r.expires_at.tzinfo is not None


def test_rejections_are_named():
    risk, risk_pub, sec, sec_pub = keys()
    reg = ag.CustodianRegistry([("risk-lead-1", "risk_lead", risk_pub),
                                ("sec-lead-1", "security_lead", sec_pub)])
    now = [datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)]
    w = ag.OverrideWorkflow("prop-001", "j", ["risk"], "engineer-1", ttl=3600, registry=reg,
                            clock=lambda: now[0])
    assert w.add_signature("risk-lead-1", "risk_lead", ag.BIP322Provider.sign(w.message_hash, risk),
                           risk_pub) is ag.OverrideRejection.NONE
    assert w.state is ag.OverrideState.PARTIAL
    now[0] += datetime.timedelta(hours=2)
    assert w.get_result().reason is ag.OverrideRejection.EXPIRED
    w2 = ag.OverrideWorkflow("prop-001", "j", ["risk", "complexity"], "engineer-1")
    assert w2.get_result().reason is ag.OverrideRejection.COMPLEXITY_NOT_OVERRIDABLE
    w3 = ag.OverrideWorkflow("prop-001", "j", ["risk"], "engineer-1", registry=reg)
    assert w3.add_signature("sec-lead-1", "security_lead",
                            ag.BIP322Provider.sign(w3.message_hash, risk), risk_pub) \
        is ag.OverrideRejection.KEY_NOT_REGISTERED
    assert ag.DualSignatureValidator.validate(
        w.message_hash, ag.BIP322Provider.sign(w.message_hash, risk), risk_pub,
        ag.BIP322Provider.sign(w.message_hash, sec), sec_pub) is ag.OverrideRejection.NONE
    with pytest.raises(ValueError):
        ag.OverrideWorkflow("", "j", ["risk"], "engineer-1")
    assert "hidden" in repr(risk)


def test_python_signature_verifier():
    class AcceptNothing(ag.SignatureVerifier):
        def verify(self, message, signature, public_key):
            return False

        @property
        def algorithm_name(self):
            return "none"

    risk, risk_pub, _, _ = keys()
    a = ag.Approver("risk-lead-1", "Risk Lead", True, AcceptNothing())
    h = ag.create_message_hash("p", "j", ["risk"])
    assert not a.authorize_override("p", ["risk"], "j", ag.BIP322Provider.sign(h, risk), risk_pub)
    assert ag.Approver("r", "R", True).authorize_override(
        "p", ["risk"], "j", ag.BIP322Provider.sign(h, risk), risk_pub).authorized
