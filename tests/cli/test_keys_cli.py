"""`aegis kem`, `aegis kek` and `aegis telemetry decrypt`: the key file format, the draft's X-Wing
vectors through the command, provisioning with the environment, SoftHSM2 and the local KMS
endpoint, and the whole path of an encrypted telemetry event from `aegis evaluate` to
`aegis telemetry decrypt`. No secret appears on stdout or stderr."""
import base64
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import AEGIS, SOURCE
from test_telemetry_cli import events, start_receiver

VECTORS = json.loads((SOURCE / "tests" / "data" / "xwing_draft10_vectors.json").read_text())["vectors"]
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
CLEAN = {k: v for k, v in os.environ.items() if not k.startswith(("AEGIS_", "AWS_"))}


def aegis(*args, env=None, stdin=None):
    r = subprocess.run([AEGIS, *args], capture_output=True, text=True, input=stdin,
                       env=dict(CLEAN, **(env or {})), timeout=60)
    return r


def out(r):
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)


def key_file(path, hex_key):
    path.write_text(hex_key + "\n")
    path.chmod(0o600)
    return str(path)


def b64(hex_text):
    return base64.b64encode(bytes.fromhex(hex_text)).decode()


def test_draft_vectors_through_the_command(tmp_path):
    for i, v in enumerate(VECTORS):
        f = key_file(tmp_path / f"v{i}.key", v["seed"])
        assert out(aegis("kem", "public-key", "--key-file", f))["public_key"] == b64(v["pk"])
        enc = out(aegis("kem", "encapsulate", "--public-key", b64(v["pk"]), "--eseed-hex", v["eseed"]))
        assert enc == {"ciphertext": b64(v["ct"]), "shared_secret": b64(v["ss"])}
        assert out(aegis("kem", "decapsulate", "--key-file", f, "--ciphertext", b64(v["ct"]))) == {
            "shared_secret": b64(v["ss"])}


def test_key_file_format_and_refusals(tmp_path):
    f = tmp_path / "x.key"
    r = out(aegis("kem", "keygen", "-o", str(f)))
    text = f.read_text()
    kind, secret = text.splitlines()
    assert kind == "aegis-key: xwing" and text.endswith("\n")
    assert len(secret) == 64 and all(c in "0123456789abcdef" for c in secret)
    assert stat.S_IMODE(f.stat().st_mode) == 0o600
    assert secret not in r["public_key"] and secret not in json.dumps(r)
    again = aegis("kem", "keygen", "-o", str(f))
    assert again.returncode == 3 and f.read_text() == text  # never overwritten
    f.chmod(0o644)
    r = aegis("kem", "public-key", "--key-file", str(f))
    assert r.returncode == 3 and "key_file.permissions" in r.stdout
    bad = aegis("kem", "encapsulate", "--public-key", "AAAA")
    assert bad.returncode == 3 and "1216 bytes" in bad.stdout
    # A custodian key file of the former JSON format still signs.
    legacy = tmp_path / "legacy.key"
    legacy.write_text(json.dumps({"secret_key": "01" * 32}))
    legacy.chmod(0o600)
    h = out(aegis("override", "hash", "--proposal-id", "p", "--justification", "j",
                  "--failed-gates", "risk"))["message_hash"]
    assert aegis("override", "sign", "--key", str(legacy), "--hash", h).returncode == 0


def provisioned(env_file):
    lines = {}
    for line in Path(env_file).read_text().splitlines():
        name, value = line.removeprefix("export ").split("=", 1)
        lines[name] = value
    return lines


def test_environment_provision_status_wrap_and_telemetry_decrypt(tmp_path):
    kek = base64.b64encode(bytes(range(32))).decode()
    env = {"AEGIS_MASTER_KEK": kek}
    r = out(aegis("kek", "provision", "--provider", "environment", "-o", str(tmp_path / "env.sh"), env=env))
    assert r["provider"] == "environment" and kek not in json.dumps(r)
    assert stat.S_IMODE((tmp_path / "env.sh").stat().st_mode) == 0o600
    lines = provisioned(tmp_path / "env.sh")
    assert set(lines) == {"AEGIS_WRAPPED_PRIVATE_KEY", "AEGIS_MASTER_KEK_PUBLIC"}
    env.update(lines)
    status = {p["type"]: p for p in out(aegis("kek", "status", env=env))["providers"]}
    assert status["environment"]["working"] is True and status["environment"]["holds_private_key"]
    assert status["kms"]["configured"] is False and "AEGIS_KMS_KEY_ID" in status["kms"]["missing"]
    assert status["hsm"]["working"] is None
    wrapped = out(aegis("kek", "wrap", "-i", "-", env=env, stdin="top secret"))
    assert wrapped["provider"] == "environment"
    plain = out(aegis("kek", "unwrap", "--wrapped", wrapped["wrapped"], env=env))["plaintext"]
    assert base64.b64decode(plain) == b"top secret"

    # An encrypted event from `aegis evaluate`, restored by `aegis telemetry decrypt`.
    server, url, got = start_receiver()
    try:
        (tmp_path / "c.yaml").write_text(f'telemetry_url: "{url}"\ntelemetry_allow_insecure: true\n')
        r = aegis("evaluate", "-c", str(tmp_path / "c.yaml"), env=env,
                  stdin='{"risk_proposed": 0.3, "agent_id": "bot-secret-1", "session_id": "s-secret"}')
        assert r.returncode == 1, r.stderr
    finally:
        server.shutdown()
        server.server_close()
    evs = events(got)
    assert evs and all("encrypted" in e for e in evs)
    assert "bot-secret-1" not in json.dumps(evs) and "s-secret" not in json.dumps(evs)
    (tmp_path / "events.json").write_text(json.dumps(evs))
    back = out(aegis("telemetry", "decrypt", "-i", str(tmp_path / "events.json"), env=env))
    assert {e["agent_id"] for e in back} == {"bot-secret-1"}
    assert all("encrypted" not in e for e in back)
    # Without the private key: a clear error, nothing decrypted.
    no_key = {"AEGIS_MASTER_KEK": kek, "AEGIS_MASTER_KEK_PUBLIC": lines["AEGIS_MASTER_KEK_PUBLIC"]}
    r = aegis("telemetry", "decrypt", "-i", str(tmp_path / "events.json"), "--provider", "environment",
              env=no_key)
    assert r.returncode == 4 and "kek.no_private_key" in r.stdout


def test_a_forced_provider_that_is_not_configured_names_what_is_missing():
    r = aegis("kek", "wrap", "--provider", "hsm", "-i", "-", stdin="x")
    assert r.returncode == 3 and "AEGIS_HSM_PKCS11_LIB" in r.stdout
    assert json.loads(r.stdout)["error"]["code"] == "invalid_input"
    r = aegis("kek", "provision", "--provider", "kms", "-o", "/tmp/never")
    assert r.returncode == 3 and "AWS_REGION" in r.stdout, r.stdout
    assert aegis("kek", "provision", "--provider", "in_memory", "-o", "/tmp/never").returncode == 3


def test_key_files_say_what_they_are_and_commands_refuse_another_kind(tmp_path):
    """The first hour: three keygens wrote the same 64-hex-digit file, and `audit checkpoint
    --key risk.key` (a custodian key) was accepted and signed."""
    files = {"custodian": tmp_path / "risk.key", "attestation": tmp_path / "att.key",
             "xwing": tmp_path / "x.key"}
    assert aegis("keygen", "-o", str(files["custodian"])).returncode == 0
    assert aegis("attest", "keygen", "-o", str(files["attestation"])).returncode == 0
    assert aegis("kem", "keygen", "-o", str(files["xwing"])).returncode == 0
    heads = {k: f.read_text().splitlines()[0] for k, f in files.items()}
    assert heads == {"custodian": "aegis-key: custodian-bip340",
                     "attestation": "aegis-key: attestation-ed25519", "xwing": "aegis-key: xwing"}
    db = f"sqlite:{tmp_path / 'a.db'}"
    assert aegis("evaluate", "--db", db, stdin="{}").returncode in (0, 1, 2)
    uses = {  # a command that needs each kind, given the file
        "custodian": lambda f: ["override", "sign", "--key", str(f), "--hash", "0" * 64],
        "attestation": lambda f: ["audit", "checkpoint", "--db", db, "--key", str(f)],
        "xwing": lambda f: ["kem", "public-key", "--key-file", str(f)],
    }
    names = {"custodian": "custodian BIP-340 key", "attestation": "attestation Ed25519 key",
             "xwing": "X-Wing key"}
    for needed, use in uses.items():
        assert aegis(*use(files[needed])).returncode == 0, needed
        for given, f in files.items():
            if given == needed:
                continue
            r = aegis(*use(f))
            assert r.returncode == 3, (needed, given, r.stdout)
            error = json.loads(r.stdout)["error"]
            assert error["detail"] == "key_file.wrong_kind"
            assert names[given] in error["message"] and names[needed] in error["message"]
    # A file written by an earlier version (the bare hex) is still read, as any kind.
    legacy = tmp_path / "legacy.key"
    legacy.write_text(files["attestation"].read_text().splitlines()[1] + "\n")
    legacy.chmod(0o600)
    assert aegis(*uses["attestation"](legacy)).returncode == 0


@pytest.fixture
def softhsm(tmp_path):
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    env = dict(CLEAN, SOFTHSM2_CONF=str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "aegis", "--so-pin",
                    "12345678", "--pin", "24681357"], env=env, check=True, capture_output=True)
    (tmp_path / "kek.bin").write_bytes(os.urandom(32))
    subprocess.run(["pkcs11-tool", "--module", SOFTHSM, "--token-label", "aegis", "--login", "--pin",
                    "24681357", "--write-object", str(tmp_path / "kek.bin"), "--type", "secrkey",
                    "--key-type", "AES:32", "--label", "aegis-kek", "--usage-wrap"],
                   env=env, check=True, capture_output=True)
    (tmp_path / "kek.bin").unlink()
    return {"SOFTHSM2_CONF": str(conf), "AEGIS_HSM_PKCS11_LIB": SOFTHSM,
            "AEGIS_HSM_TOKEN_LABEL": "aegis", "AEGIS_HSM_PIN": "24681357",
            "AEGIS_HSM_WRAPPING_KEY_LABEL": "aegis-kek"}


def test_hsm_provision_then_decapsulate_with_the_unwrapped_key(softhsm, tmp_path):
    r = aegis("kek", "provision", "--provider", "hsm", "-o", str(tmp_path / "env.sh"), env=softhsm)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "24681357" not in r.stdout + r.stderr
    env = dict(softhsm, **provisioned(tmp_path / "env.sh"))
    status = {p["type"]: p for p in out(aegis("kek", "status", env=env))["providers"]}
    assert status["hsm"]["working"] is True and status["hsm"]["key_id"] == "aegis/aegis-kek"
    assert "0x210A" in status["hsm"]["algorithm"]
    # auto picks the HSM (KMS is not configured).
    wrapped = out(aegis("kek", "wrap", "-i", "-", env=env, stdin="12345678"))
    assert wrapped["provider"] == "hsm"
    wrong = dict(env, AEGIS_HSM_PIN="99999999")
    r = aegis("kek", "status", env=wrong)
    hsm = {p["type"]: p for p in json.loads(r.stdout)["providers"]}["hsm"]
    assert hsm["working"] is False and hsm["error"]["code"] == "kek.hsm.login"
    assert "99999999" not in r.stdout + r.stderr


def test_kms_provision_against_the_local_endpoint(tmp_path):
    port_file = tmp_path / "port"
    server = subprocess.Popen([sys.executable, str(SOURCE / "tests" / "kek" / "kms_server.py"),
                               "--port-file", str(port_file), "--dir", str(tmp_path)])
    try:
        for _ in range(200):
            if port_file.exists():
                break
            time.sleep(0.05)
        env = {"AEGIS_KMS_KEY_ID": "alias/aegis-test", "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "AKIDEXAMPLEAEGIS",
               "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
               "AWS_ENDPOINT_URL_KMS": f"https://127.0.0.1:{port_file.read_text().strip()}",
               "AWS_CA_BUNDLE": str(tmp_path / "ca.pem")}
        r = aegis("kek", "provision", "--provider", "kms", "-o", str(tmp_path / "env.sh"), env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        assert env["AWS_SECRET_ACCESS_KEY"] not in r.stdout + r.stderr
        lines = provisioned(tmp_path / "env.sh")
        assert "AEGIS_KMS_WRAPPED_PRIVATE_KEY" in lines
        env.update(lines)
        status = {p["type"]: p for p in out(aegis("kek", "status", env=env))["providers"]}
        assert status["kms"]["working"] is True and status["kms"]["holds_private_key"]
        denied = dict(env, AEGIS_KMS_KEY_ID="alias/aegis-denied")
        r = aegis("kek", "wrap", "--provider", "kms", "-i", "-", env=denied, stdin="x")
        assert r.returncode == 4 and "AccessDeniedException" in r.stdout
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_config_key_encrypts_and_a_bad_one_is_refused(tmp_path):
    f = tmp_path / "x.key"
    pk = out(aegis("kem", "keygen", "-o", str(f)))["public_key"]
    server, url, got = start_receiver()
    try:
        (tmp_path / "c.yaml").write_text(
            f'telemetry_url: "{url}"\ntelemetry_allow_insecure: true\n'
            f'telemetry_encryption_public_key: "{pk}"\ntelemetry_encryption_epoch_events: 2\n')
        r = aegis("evaluate", "-c", str(tmp_path / "c.yaml"),
                  stdin='{"risk_proposed": 0.3, "agent_id": "cfg-agent-secret"}')
        assert r.returncode == 1, r.stderr
    finally:
        server.shutdown()
        server.server_close()
    evs = events(got)
    assert len(evs) > 2 and "cfg-agent-secret" not in json.dumps(evs)
    assert len({e["encrypted"]["enc"] for e in evs}) == (len(evs) + 1) // 2  # 2 events an epoch
    (tmp_path / "bad.yaml").write_text('telemetry_encryption_public_key: "AAAA"\n')
    r = aegis("validate-config", str(tmp_path / "bad.yaml"))
    assert r.returncode == 3 and "telemetry_encryption_public_key" in r.stdout
