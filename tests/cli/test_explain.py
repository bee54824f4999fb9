"""Explain and prove (issue 13): what-if on the command line and over HTTP, signed attestations
checked by an independent verifier (Python `cryptography`'s Ed25519 over a PAE computed here),
and signed audit checkpoints against cut and rewritten chains."""
import base64
import hashlib
import json
import sqlite3
import subprocess

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import serve_util
from conftest import AEGIS, run
from serve_util import api_key_lines, call, serving

HALT = {"risk_baseline": 0.1, "risk_proposed": 0.5, "novelty_score": 0.9,
        "utility": {"expected_benefit": 100, "benefit_std": 20, "n_samples": 4,
                    "migration_cost": 10}}
KEY = "k-explain"
READER = "k-reader"


def comparable(decision):
    """A decision without what differs between two runs of the same context."""
    d = dict(decision)
    for k in ("decision_id", "timestamp"):
        d.pop(k)
    d["decision_trace"] = {k: v for k, v in d["decision_trace"].items() if k != "evaluation_time_ns"}
    return d


def decided_db(tmp_path, name, n):
    """A SQLite store holding `n` decisions of HALT, and the context file."""
    db = tmp_path / name
    ctx = tmp_path / "c.json"
    ctx.write_text(json.dumps(HALT))
    for _ in range(n):
        run("evaluate", "-i", str(ctx), "--db", f"sqlite:{db}")
    return db, ctx


def audit_count(db):
    with sqlite3.connect(db) as c:
        return c.execute("SELECT COUNT(*) FROM audit").fetchone()[0]


# ---- what-if ------------------------------------------------------------------------------------

def test_what_if_equals_a_fresh_evaluation_of_the_merged_context(tmp_path, validate):
    ctx = tmp_path / "c.json"
    ctx.write_text(json.dumps(HALT))
    changes = {"risk_proposed": 0.02, "utility": {"expected_benefit": 900}}
    r = run("evaluate", "-i", str(ctx), "--what-if", json.dumps(changes))
    assert r.code == 0, r.out + r.err  # the changed decision's exit code: proceed
    answer = r.json()
    merged = json.loads(json.dumps(HALT))
    merged["risk_proposed"] = 0.02
    merged["utility"]["expected_benefit"] = 900  # merged, not replaced: the other fields stay
    (tmp_path / "m.json").write_text(json.dumps(merged))
    fresh = run("evaluate", "-i", str(tmp_path / "m.json"))
    assert comparable(answer["decision"]) == comparable(fresh.json())
    validate(answer["decision"], "decision.schema.json")
    original = run("evaluate", "-i", str(ctx)).json()
    assert answer["original"]["status"] == original["status"] == "halt"
    assert answer["diff"]["status"] == {"from": "halt", "to": "proceed"}
    assert answer["diff"]["gates"]["risk"]["passed"] == {"from": False, "to": True}
    assert answer["diff"]["gates"]["utility"]["value"]["from"] == \
        original["gate_evaluation"]["gates"]["utility"]["value"]
    assert answer["changes"] == changes and answer["recorded"] is False

    # K=V form: the same patch, and a change that keeps it failing exits as a HALT.
    kv = run("evaluate", "-i", str(ctx), "--what-if",
             "risk_proposed=0.02,utility.expected_benefit=900")
    assert comparable(kv.json()["decision"]) == comparable(answer["decision"])
    still = run("evaluate", "-i", str(ctx), "--what-if", "novelty_score=0.95")
    assert still.code == 1 and still.json()["decision"]["status"] == "halt"


@pytest.mark.parametrize("change, field", [
    ('{"risk_proposd": 0.1}', "changes.risk_proposd"),
    ('{"risk_proposed": 2}', "changes.risk_proposed"),
    ('{"utility": {"n_samples": 0}}', "changes.utility.n_samples"),
    ('{"quality_subscores": [0.5, "x"]}', "changes.quality_subscores[1]"),
    ("novelty_score=high", "changes.novelty_score"),
    ("=3", "what_if"),
])
def test_bad_changes_are_errors_naming_the_field(tmp_path, change, field):
    ctx = tmp_path / "c.json"
    ctx.write_text(json.dumps(HALT))
    r = run("evaluate", "-i", str(ctx), "--what-if", change)
    assert r.code == 3, r.out
    assert r.json()["error"]["field"] == field


def test_what_if_records_only_when_asked(tmp_path):
    db = tmp_path / "w.db"
    ctx = tmp_path / "c.json"
    ctx.write_text(json.dumps(HALT))
    assert run("evaluate", "-i", str(ctx), "--db", f"sqlite:{db}").code == 1
    assert audit_count(db) == 1
    r = run("evaluate", "-i", str(ctx), "--db", f"sqlite:{db}", "--what-if", "risk_proposed=0.02")
    assert r.code == 1 and audit_count(db) == 1  # nothing recorded
    r = run("evaluate", "-i", str(ctx), "--db", f"sqlite:{db}", "--what-if", "risk_proposed=0.02",
            "--record")
    assert r.json()["recorded"] is True and audit_count(db) == 2
    with sqlite3.connect(db) as c:
        body = c.execute("SELECT body FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert json.loads(body) == r.json()["decision"]
    no_db = run("evaluate", "-i", str(ctx), "--what-if", "risk_proposed=0.02", "--record")
    assert no_db.code == 3 and no_db.json()["error"]["field"] == "record"


def test_what_if_over_http(tmp_path):
    db = tmp_path / "h.db"
    (tmp_path / "c.yaml").write_text("server:\n  rate_limit_per_minute: 0\n  api_keys:\n" +
                                     api_key_lines({KEY: ("ci", "proposer"),
                                                    READER: ("eve", "analyst")}))
    with serving(tmp_path / "c.yaml", f"sqlite:{db}") as base:
        api = serve_util.OpenApi(base)
        body = {"context": HALT, "changes": {"risk_proposed": 0.02, "utility": {"expected_benefit": 900}}}
        status, _, text = call(base, "POST", "/v1/evaluate/what-if", body, key=KEY)
        assert status == 200, text
        answer = api.check("POST", "/v1/evaluate/what-if", status, text)
        assert answer["decision"]["status"] == "proceed" and answer["recorded"] is False
        status, _, text = call(base, "GET", "/v1/decisions", key=KEY)
        assert json.loads(text)["decisions"] == []  # nothing recorded
        status, _, text = call(base, "POST", "/v1/evaluate/what-if", {**body, "record": True},
                               key=KEY)
        recorded = json.loads(text)
        assert recorded["recorded"] is True
        status, _, text = call(base, "GET", f"/v1/decisions/{recorded['decision']['decision_id']}",
                               key=KEY)
        assert status == 200 and json.loads(text) == recorded["decision"]
        for bad, field in [({"context": HALT}, "changes"),
                           ({"context": HALT, "changes": {"nope": 1}}, "changes.nope"),
                           ({"context": {"risk_proposed": -1}, "changes": {}}, "context.risk_proposed"),
                           ({"context": HALT, "changes": [], "record": False}, "changes"),
                           ({"context": HALT, "changes": {}, "record": "yes"}, "record")]:
            status, _, text = call(base, "POST", "/v1/evaluate/what-if", bad, key=KEY)
            assert status in (400, 422), (bad, text)
            assert json.loads(text)["error"]["field"] == field, text
        status, _, _ = call(base, "POST", "/v1/evaluate/what-if", body, key=READER)
        assert status == 403  # analysts cannot decide


# ---- attestations -------------------------------------------------------------------------------

def pae(payload_type, payload):
    """DSSE v1 pre-authentication encoding, written from the DSSE specification."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def independent_verify(envelope, public_key_b64):
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64))
    payload = base64.b64decode(envelope["payload"])
    for s in envelope["signatures"]:
        try:
            key.verify(base64.b64decode(s["sig"]), pae(envelope["payloadType"], payload))
            return True
        except InvalidSignature:
            pass
    return False


@pytest.fixture
def attested(tmp_path):
    db, _ = decided_db(tmp_path, "a.db", 3)
    keygen = run("attest", "keygen", "-o", str(tmp_path / "att.key"))
    assert keygen.code == 0
    public_key = keygen.json()["public_key"]
    assert set(keygen.json()) == {"public_key"}
    assert (tmp_path / "att.key").stat().st_mode & 0o777 == 0o600
    assert public_key not in (tmp_path / "att.key").read_text()
    with sqlite3.connect(db) as c:
        seq, decision_id, body, entry_hash = c.execute(
            "SELECT seq, id, body, entry_hash FROM audit ORDER BY seq LIMIT 1 OFFSET 1").fetchone()
    r = run("attest", "export", "--db", f"sqlite:{db}", "--decision", decision_id, "--key",
            str(tmp_path / "att.key"))
    assert r.code == 0, r.err
    return dict(tmp=tmp_path, db=db, key=public_key, envelope=r.json(), seq=seq,
                decision_id=decision_id, body=body, entry_hash=entry_hash)


def test_an_attestation_verifies_independently_and_names_the_stored_decision(attested):
    env = attested["envelope"]
    assert env["payloadType"] == "application/vnd.in-toto+json"
    assert independent_verify(env, attested["key"])
    statement = json.loads(base64.b64decode(env["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://aegis-governance.dev/attestation/decision/v1"
    assert statement["subject"] == [{"name": attested["decision_id"], "digest": {
        "sha256": hashlib.sha256(attested["body"].encode()).hexdigest()}}]
    p = statement["predicate"]
    stored = json.loads(attested["body"])
    assert p["status"] == stored["status"] == "halt"
    assert p["config_hash"] == stored["decision_trace"]["config_hash"]
    assert p["audit"] == {"seq": attested["seq"], "entry_hash": attested["entry_hash"]}
    assert p["gates"]["risk"] == {k: stored["gate_evaluation"]["gates"]["risk"][k]
                                  for k in ("passed", "value", "threshold")}
    (attested["tmp"] / "env.json").write_text(json.dumps(env))
    ok = run("attest", "verify", str(attested["tmp"] / "env.json"), "--public-key", attested["key"])
    assert ok.code == 0 and ok.json()["valid"] is True
    assert ok.json()["decision_id"] == attested["decision_id"]


def tampered_envelopes(env):
    payload = bytearray(base64.b64decode(env["payload"]))
    payload[len(payload) // 2] ^= 0x01
    yield "payload byte", {**env, "payload": base64.b64encode(bytes(payload)).decode()}
    yield "payloadType", {**env, "payloadType": "application/json"}


def test_tampered_or_foreign_attestations_are_refused(attested):
    env, tmp = attested["envelope"], attested["tmp"]
    for what, bad in tampered_envelopes(env):
        assert not independent_verify(bad, attested["key"]), what
        (tmp / "bad.json").write_text(json.dumps(bad))
        r = run("attest", "verify", str(tmp / "bad.json"), "--public-key", attested["key"])
        assert r.code == 1 and r.json()["valid"] is False, what
        assert r.json()["problem"], what
    other = run("attest", "keygen", "-o", str(tmp / "other.key")).json()["public_key"]
    assert not independent_verify(env, other)
    (tmp / "env.json").write_text(json.dumps(env))
    r = run("attest", "verify", str(tmp / "env.json"), "--public-key", other)
    assert r.code == 1 and "no signature" in r.json()["problem"]
    # A signature by the other key over the same PAE is not one by ours.
    r = run("attest", "export", "--db", f"sqlite:{attested['db']}", "--decision",
            attested["decision_id"], "--key", str(tmp / "other.key"))
    (tmp / "env2.json").write_text(r.out)
    assert run("attest", "verify", str(tmp / "env2.json"), "--public-key", attested["key"]).code == 1
    assert run("attest", "verify", str(tmp / "env2.json"), "--public-key", other).code == 0
    # A payload signed by the key but of the wrong shape is refused, never a crash.
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    for statement in [{"_type": 5}, {"_type": "https://in-toto.io/Statement/v1",
                                     "predicateType": "https://aegis-governance.dev/attestation/decision/v1",
                                     "subject": [{"name": "d", "digest": {"sha256": 7}}]}, [1]]:
        payload = json.dumps(statement).encode()
        signed = {"payload": base64.b64encode(payload).decode(),
                  "payloadType": "application/vnd.in-toto+json",
                  "signatures": [{"sig": base64.b64encode(
                      key.sign(pae("application/vnd.in-toto+json", payload))).decode()}]}
        (tmp / "odd.json").write_text(json.dumps(signed))
        r = run("attest", "verify", str(tmp / "odd.json"), "--public-key",
                base64.b64encode(raw).decode())
        assert r.code == 1 and r.json()["valid"] is False, (statement, r.out, r.err)
    bad_key = run("attest", "verify", str(tmp / "env.json"), "--public-key", "AAAA")
    assert bad_key.code == 3 and bad_key.json()["error"]["field"] == "public_key"


def test_attestation_and_checkpoint_over_http(tmp_path):
    db = tmp_path / "h.db"
    keygen = run("attest", "keygen", "-o", str(tmp_path / "att.key")).json()
    base_yaml = "server:\n  rate_limit_per_minute: 0\n  api_keys:\n" + api_key_lines(
        {KEY: ("ci", "proposer")})
    (tmp_path / "plain.yaml").write_text(base_yaml)
    (tmp_path / "signed.yaml").write_text(
        base_yaml + f"  attestation_key_file: {tmp_path / 'att.key'}\n  checkpoint_every: 3\n")
    with serving(tmp_path / "plain.yaml", f"sqlite:{db}") as base:
        status, _, text = call(base, "POST", "/v1/evaluate", HALT, key=KEY)
        decision_id = json.loads(text)["decision_id"]
        status, _, text = call(base, "GET", f"/v1/decisions/{decision_id}/attestation", key=KEY)
        assert status == 404 and json.loads(text)["error"]["detail"] == "server.no_attestation_key"
        assert call(base, "GET", "/v1/audit/checkpoint", key=KEY)[0] == 404
    port = serve_util.free_port()
    proc = subprocess.Popen([AEGIS, "serve", "--listen", f"127.0.0.1:{port}", "-c",
                             str(tmp_path / "signed.yaml"), "--db", f"sqlite:{db}"],
                            stderr=subprocess.PIPE, text=True)
    try:
        serve_util.wait_for_port(port, proc)
        base = f"http://127.0.0.1:{port}"
        api = serve_util.OpenApi(base)
        status, _, text = call(base, "GET", "/v1/audit/checkpoint", key=KEY)
        assert status == 200
        first = api.check("GET", "/v1/audit/checkpoint", status, text)
        assert first["entries"] == 1  # signed at start
        status, _, text = call(base, "GET", f"/v1/decisions/{decision_id}/attestation", key=KEY)
        env = api.check("GET", "/v1/decisions/{decision_id}/attestation", status, text)
        assert independent_verify(env, keygen["public_key"])
        assert call(base, "GET", "/v1/decisions/nope/attestation", key=KEY)[0] == 404
        for _ in range(4):
            call(base, "POST", "/v1/evaluate", HALT, key=KEY)
        status, _, text = call(base, "GET", "/v1/audit/checkpoint", key=KEY)
        latest = json.loads(text)
        assert latest["entries"] >= 3 and latest["public_key"] == keygen["public_key"]
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    # The checkpoint of the chain as the server left it (5 entries) is printed at shutdown.
    last = [line for line in err.splitlines() if line.startswith("aegis: audit checkpoint ")]
    assert len(last) == 1
    final = json.loads(last[0][len("aegis: audit checkpoint "):])
    assert final["entries"] == 5
    (tmp_path / "final.json").write_text(json.dumps(final))
    v = run("audit", "verify", "--db", f"sqlite:{db}", "--checkpoint", str(tmp_path / "final.json"),
            "--public-key", keygen["public_key"])
    assert v.code == 0 and v.json()["holds"] is True


# ---- checkpoints --------------------------------------------------------------------------------

def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rehash_from(db, k, new_body_of):
    """Rewrites entries k.. with new bodies and re-hashes the chain from k (docs/audit.md#the-chain), so that the
    chain is self-consistent again: what an attacker with the database would do."""
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT a.seq, a.kind, a.id, a.time, a.body, a.prev_hash, k.agent_id, "
                         "k.session_id FROM audit a LEFT JOIN decision_keys k ON k.seq = a.seq "
                         "WHERE a.seq >= ? ORDER BY a.seq", (k,)).fetchall()
        prev = rows[0][5]
        for seq, kind, id_, time, body, _, agent, session in rows:
            body = new_body_of(seq, body)
            # {"agent_id"?,"body","id","kind","seq","session_id"?,"time"} in canonical JSON (a
            # decision's agent and session when it has them); the body is JSON text already.
            keyed = kind == "decision" and (agent or session)
            text = ((f'{{"agent_id":{json.dumps(agent or "", ensure_ascii=False)},'
                     if keyed else "{")
                    + f'"body":{body},"id":{json.dumps(id_)},"kind":{json.dumps(kind)},"seq":{seq},'
                    + (f'"session_id":{json.dumps(session or "", ensure_ascii=False)},'
                       if keyed else "")
                    + f'"time":{json.dumps(time)}}}')
            entry_hash = hashlib.sha256((prev + text).encode()).hexdigest()
            c.execute("UPDATE audit SET body = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
                      (body, prev, entry_hash, seq))
            if kind == "decision":  # the index must agree with the body too
                record = json.loads(body)
                c.execute("UPDATE decision_keys SET status = ?, failing_gates = ? WHERE seq = ?",
                          (record["status"], "," + "".join(g + "," for g in
                                                           record["failing_gates"]), seq))
            prev = entry_hash


@pytest.fixture
def checkpointed(tmp_path):
    db, ctx = decided_db(tmp_path, "c.db", 5)
    key = run("attest", "keygen", "-o", str(tmp_path / "cp.key")).json()["public_key"]
    r = run("audit", "checkpoint", "--db", f"sqlite:{db}", "--key", str(tmp_path / "cp.key"))
    assert r.code == 0, r.err
    cp = r.json()
    (tmp_path / "cp.json").write_text(r.out)
    return dict(tmp=tmp_path, db=db, ctx=ctx, key=key, cp=cp)


def verify(c, *extra):
    return run("audit", "verify", "--db", f"sqlite:{c['db']}", "--checkpoint",
               str(c["tmp"] / "cp.json"), *extra)


def test_a_checkpoint_is_signed_over_its_canonical_fields(checkpointed):
    cp = checkpointed["cp"]
    assert set(cp) == {"entries", "head_hash", "time", "public_key", "signature"}
    assert cp["entries"] == 5 and cp["public_key"] == checkpointed["key"]
    with sqlite3.connect(checkpointed["db"]) as c:
        assert c.execute("SELECT entry_hash FROM audit WHERE seq = 5").fetchone()[0] == cp["head_hash"]
    signed = canonical({k: cp[k] for k in ("entries", "head_hash", "public_key", "time")}).encode()
    Ed25519PublicKey.from_public_bytes(base64.b64decode(cp["public_key"])).verify(
        base64.b64decode(cp["signature"]), signed)


def test_an_extended_chain_still_holds_its_checkpoint(checkpointed):
    run("evaluate", "-i", str(checkpointed["ctx"]), "--db", f"sqlite:{checkpointed['db']}")
    r = verify(checkpointed, "--public-key", checkpointed["key"])
    assert r.code == 0 and r.json()["holds"] is True and r.json()["entries"] == 6


def test_a_chain_cut_after_a_checkpoint_fails_it(checkpointed):
    with sqlite3.connect(checkpointed["db"]) as c:
        cut = [row[0] for row in c.execute("SELECT id FROM audit WHERE seq >= 4")]
        c.execute("DELETE FROM decision_keys WHERE seq >= 4")
        c.execute("DELETE FROM audit WHERE seq >= 4")
        c.executemany("DELETE FROM decisions WHERE decision_id = ?", [(i,) for i in cut])
    plain = run("audit", "verify", "--db", f"sqlite:{checkpointed['db']}")
    assert plain.code == 0  # self-consistent: the hash chain alone cannot see it
    r = verify(checkpointed)
    assert r.code == 1 and r.json()["holds"] is False and "cut" in r.json()["problem"]


@pytest.mark.parametrize("k", [1, 3, 5])
def test_a_history_rewritten_and_rehashed_fails_its_checkpoint(checkpointed, k):
    def soften(seq, body):
        return body.replace('"status":"halt"', '"status":"proceed"') if seq == k else body
    rehash_from(checkpointed["db"], k, soften)
    plain = run("audit", "verify", "--db", f"sqlite:{checkpointed['db']}")
    assert plain.code == 0, plain.out  # the rewritten chain is self-consistent
    r = verify(checkpointed)
    assert r.code == 1 and "rewritten" in r.json()["problem"]


def test_a_rewrite_after_the_checkpoint_keeps_it(checkpointed):
    run("evaluate", "-i", str(checkpointed["ctx"]), "--db", f"sqlite:{checkpointed['db']}")
    rehash_from(checkpointed["db"], 6, lambda seq, body: body.replace('"halt"', '"proceed"'))
    assert verify(checkpointed).code == 0


def test_a_forged_or_foreign_checkpoint_is_refused(checkpointed):
    tmp, cp = checkpointed["tmp"], dict(checkpointed["cp"])
    other = run("attest", "keygen", "-o", str(tmp / "other.key")).json()["public_key"]
    assert verify(checkpointed, "--public-key", other).json()["holds"] is False
    cp["entries"] = 4  # a changed field breaks the signature
    (tmp / "cp.json").write_text(json.dumps(cp))
    r = verify(checkpointed)
    assert r.code == 1 and "signature" in r.json()["problem"]
    (tmp / "cp.json").write_text(json.dumps({**checkpointed["cp"], "head_hash": "zz"}))
    r = verify(checkpointed)
    assert r.code == 3 and r.json()["error"]["field"] == "head_hash"
