"""`aegis keygen`, `override hash|sign|verify`, `signature sign|verify`, end to end."""
import copy
import json
import os
import stat

import pytest


@pytest.fixture
def custody(aegis, tmp_path):
    keys = {}
    for name in ("risk", "sec"):
        path = tmp_path / f"{name}.key"
        r = aegis("keygen", "-o", str(path))
        assert r.code == 0, r.err
        out = r.json()
        assert "secret" not in r.out and "secret" not in r.err
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert out["address"].startswith("bc1p") and len(out["public_key"]) == 64
        keys[name] = dict(out, path=str(path))
    h = aegis("override", "hash", "--proposal-id", "prop-001", "--justification",
              "Emergency hotfix", "--failed-gates", "risk,novelty").json()["message_hash"]
    sigs = {n: aegis("override", "sign", "--key", keys[n]["path"], "--hash", h).json()
            for n in keys}
    request = {
        "proposal_id": "prop-001", "justification": "Emergency hotfix",
        "failed_gates": ["novelty", "risk"], "requested_by": "engineer-1",
        "signatures": [
            {"actor_id": "risk-lead-1", "role": "risk_lead",
             "signature": sigs["risk"]["signature"], "public_key": keys["risk"]["public_key"]},
            {"actor_id": "sec-lead-1", "role": "security_lead",
             "signature": sigs["sec"]["signature"], "public_key": keys["sec"]["public_key"]},
        ],
    }
    config = tmp_path / "aegis.yaml"
    config.write_text(
        "custodians:\n"
        f"  - {{actor_id: risk-lead-1, role: risk_lead, public_key: \"{keys['risk']['public_key']}\"}}\n"
        f"  - {{actor_id: sec-lead-1, role: security_lead, public_key: \"{keys['sec']['public_key']}\"}}\n")
    return keys, request, config, h


def verify(aegis, tmp_path, request, config):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    return aegis("override", "verify", str(path), "-c", str(config))


def test_two_custodians_approve(aegis, tmp_path, custody):
    _, request, config, h = custody
    r = verify(aegis, tmp_path, request, config)
    assert r.code == 0, r.out
    assert r.json()["approved"] is True and r.json()["message_hash"] == h
    # Reordered failed gates hash the same.
    req = copy.deepcopy(request)
    req["failed_gates"] = ["risk", "novelty"]
    assert verify(aegis, tmp_path, req, config).code == 0


def mutate(request, change):
    req = copy.deepcopy(request)
    change(req)
    return req


@pytest.mark.parametrize("name,change,reason", [
    ("proposal_id", lambda r: r.update(proposal_id="prop-002"), "bad_signature"),
    ("justification", lambda r: r.update(justification="Emergency hotfix."), "bad_signature"),
    ("extra gate", lambda r: r["failed_gates"].append("quality"), "bad_signature"),
    ("complexity", lambda r: r["failed_gates"].append("complexity"), "complexity_not_overridable"),
    ("requester signs", lambda r: r.update(requested_by="risk-lead-1"), "requester_signed"),
    ("swapped roles", lambda r: (r["signatures"][0].update(role="security_lead"),
                                 r["signatures"][1].update(role="risk_lead")), "not_a_custodian"),
    ("same actor twice", lambda r: r["signatures"][1].update(actor_id="risk-lead-1"), "same_actor"),
    ("same role twice", lambda r: r["signatures"][1].update(role="risk_lead"), "duplicate_role"),
    ("unknown role", lambda r: r["signatures"][1].update(role="admin"), "unknown_role"),
    ("wrong key", lambda r: r["signatures"][1].update(public_key=r["signatures"][0]["public_key"]),
     "key_not_registered"),
    ("malformed key", lambda r: r["signatures"][1].update(public_key="abcd"), "malformed_key"),
    ("tampered signature", lambda r: r["signatures"][1].update(
        signature=r["signatures"][1]["signature"][:-6] + ("AAAAAA" if not r["signatures"][1]["signature"].endswith("AAAAAA") else "BBBBBB")),
     None),
    ("not base64", lambda r: r["signatures"][1].update(signature="smp***"), "malformed_signature"),
    ("full variant", lambda r: r["signatures"][1].update(
        signature="ful" + r["signatures"][1]["signature"][3:]), "malformed_signature"),
    ("one signature", lambda r: r["signatures"].pop(), "incomplete"),
])
def test_any_single_change_fails_with_its_reason(aegis, tmp_path, custody, name, change, reason):
    _, request, config, _ = custody
    r = verify(aegis, tmp_path, mutate(request, change), config)
    assert r.code == 1, (name, r.out, r.err)
    out = r.json()
    assert out["approved"] is False
    if reason is None:  # a changed signature is either undecodable or does not verify
        assert out["reason"] in ("bad_signature", "malformed_signature")
    else:
        assert out["reason"] == reason, (name, out)


def test_untrusted_custodian_outside_registry(aegis, tmp_path, custody):
    keys, request, config, h = custody
    other = tmp_path / "other.key"
    assert aegis("keygen", "-o", str(other)).code == 0
    o = aegis("override", "sign", "--key", str(other), "--hash", h).json()
    req = mutate(request, lambda r: r["signatures"][1].update(
        actor_id="intruder", signature=o["signature"], public_key=o["public_key"]))
    assert verify(aegis, tmp_path, req, config).json()["reason"] == "not_a_custodian"


def test_bad_input_exits_3(aegis, tmp_path, custody):
    keys, request, config, _ = custody
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert aegis("override", "verify", str(bad), "-c", str(config)).code == 3
    bad.write_text(json.dumps({"proposal_id": "p"}))
    assert aegis("override", "verify", str(bad), "-c", str(config)).code == 3
    assert aegis("override", "sign", "--key", keys["risk"]["path"], "--hash", "xyz").code == 3
    os.chmod(keys["risk"]["path"], 0o644)
    r = aegis("override", "sign", "--key", keys["risk"]["path"], "--hash", "0" * 64)
    assert r.code == 3 and r.json()["error"]["detail"] == "key_file.permissions"
    assert aegis("keygen", "-o", keys["sec"]["path"]).code == 3  # never overwrites
    r = aegis("override", "hash", "--proposal-id", "p", "--justification", "j",
              "--failed-gates", "complexity")
    assert r.code == 3


def test_plain_bip322_messages(aegis, custody):
    keys, _, _, _ = custody
    s = aegis("signature", "sign", "--key", keys["sec"]["path"], "--message", "hello").json()
    assert s["signature"].startswith("smp")
    ok = aegis("signature", "verify", "--message", "hello", "--address", s["address"],
               "--signature", s["signature"])
    assert ok.code == 0 and ok.json()["valid"] is True
    ok = aegis("signature", "verify", "--message", "hello", "--pubkey", keys["sec"]["public_key"],
               "--signature", s["signature"])
    assert ok.code == 0
    bad = aegis("signature", "verify", "--message", "hellO", "--address", s["address"],
                "--signature", s["signature"])
    assert bad.code == 1 and bad.json()["reason"] == "invalid signature"
    assert aegis("signature", "verify", "--message", "x", "--address", "bc1qnotp2tr",
                 "--signature", s["signature"]).code == 3
    # The official P2TR vector (legacy, unprefixed form).
    v = aegis("signature", "verify", "--message", "No prefix fallback", "--address",
              "bc1pss0zhytly75awhm6x2hhvd5lnzv3vssgrf9axfheq8ldyzn88ges79fler", "--signature",
              "AUCJYOwOjxYAvatTAGYaVlNXBVyFuc4MwNQkOuK2tl8xhfKDONd0NjfYyNSYcRqeCp8hsAnCEPHAVEkO9h6vbQ/R")
    assert v.code == 0
