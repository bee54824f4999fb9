"""Key management from Python under the reference's names: HybridKEM (X-Wing) against the
draft's vectors, HPKE, the providers (in memory, environment, SoftHSM2 for real, the local KMS
endpoint that re-signs every request with botocore), get_kek_provider's choice and errors, the
flags, encrypted telemetry — and the reference's Key Management blocks with their placeholders
filled in."""
import base64
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import SOURCE
import aegis_governance as ag

VECTORS = json.loads((SOURCE / "tests" / "data" / "xwing_draft10_vectors.json").read_text())["vectors"]
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for k in list(os.environ):
        if k.startswith(("AEGIS_", "AWS_")):
            monkeypatch.delenv(k)


def test_hybrid_kem_vectors_and_round_trip():
    for v in VECTORS:
        sk = bytes.fromhex(v["seed"])
        assert ag.HybridKEM.public_key(sk) == bytes.fromhex(v["pk"])
        ct, ss = ag.HybridKEM.encapsulate(bytes.fromhex(v["pk"]), eseed=bytes.fromhex(v["eseed"]))
        assert (ct.hex(), ss.hex()) == (v["ct"], v["ss"])
        assert ag.HybridKEM.decapsulate(sk, ct) == ss
    sk, pk = ag.HybridKEM.generate_keypair()
    assert len(sk) == 32 and len(pk) == 1216
    ct, ss = ag.HybridKEM.encapsulate(pk)
    assert ag.HybridKEM.decapsulate(sk, bytearray(ct)) == ss
    with pytest.raises(ValueError, match="1216 bytes"):
        ag.HybridKEM.encapsulate(pk[:100])
    with pytest.raises(ValueError, match="must be bytes"):
        ag.HybridKEM.decapsulate("not bytes", ct)


def test_hpke_seal_open():
    sk, pk = ag.HybridKEM.generate_keypair()
    enc, ct = ag.hpke_seal(pk, b"personal data", info=b"aegis", aad=b"event-1")
    assert len(enc) == 1120 and len(ct) == len(b"personal data") + 16
    assert ag.hpke_open(sk, enc, ct, info=b"aegis", aad=b"event-1") == b"personal data"
    for args in [(sk, enc, ct[:-1] + bytes([ct[-1] ^ 1])), (ag.HybridKEM.generate_keypair()[0], enc, ct)]:
        with pytest.raises(ValueError, match="does not open"):
            ag.hpke_open(*args, info=b"aegis", aad=b"event-1")
    with pytest.raises(ValueError):
        ag.hpke_open(sk, enc, ct, info=b"aegis", aad=b"event-2")


def test_flags_and_auto_falls_back_to_in_memory():
    assert ag.KMS_KEK_AVAILABLE and ag.HSM_KEK_AVAILABLE and ag.HYBRID_KEM_AVAILABLE
    p = ag.get_kek_provider()
    assert isinstance(p, ag.InMemoryKEKProvider) and isinstance(p, ag.KEKProvider)
    assert p.metadata() == ag.KEKMetadata("in_memory", "in-memory", "AES-256-KWP (RFC 5649)")
    assert p.unwrap(p.wrap(b"abc")) == b"abc"
    with pytest.raises(RuntimeError, match="no configured provider holds the HybridKEM private key"):
        p.private_key()
    for forced, missing in [("kms", "AEGIS_KMS_KEY_ID"), ("hsm", "AEGIS_HSM_PKCS11_LIB"),
                            ("environment", "AEGIS_MASTER_KEK")]:
        with pytest.raises(RuntimeError, match=missing):
            ag.get_kek_provider(forced)
    with pytest.raises(ValueError, match="unknown KEK provider"):
        ag.get_kek_provider("vault")


def test_environment_provider_and_encrypted_telemetry(monkeypatch):
    monkeypatch.setenv("AEGIS_MASTER_KEK", base64.b64encode(os.urandom(32)).decode())
    sk, pk = ag.HybridKEM.generate_keypair()
    wrapped = ag.EnvironmentKEKProvider().wrap(sk)
    monkeypatch.setenv("AEGIS_WRAPPED_PRIVATE_KEY", base64.b64encode(wrapped).decode())
    monkeypatch.setenv("AEGIS_MASTER_KEK_PUBLIC", base64.b64encode(pk).decode())
    p = ag.get_kek_provider()
    assert isinstance(p, ag.EnvironmentKEKProvider) and p.self_test()
    assert p.private_key() == sk and p.public_key() == pk
    # The emitter encrypts because AEGIS_MASTER_KEK_PUBLIC is set (the events' path end to end
    # is tests/cli/test_keys_cli.py and the C++ telemetry test).
    emitter = ag.TelemetryEmitter(source="svc")
    assert emitter.encrypting
    explicit = ag.TelemetryEmitter("svc", encryption_public_key=pk)
    assert explicit.encrypting
    plain = {"event_id": "e1", "agent_id": "a"}
    assert ag.decrypt_telemetry_event(plain, sk) == plain
    forged = dict(plain, encrypted={"alg": "hpke-xwing-export-aes256gcm", "enc": "AAAA"})
    with pytest.raises(ValueError, match="encrypted.enc"):
        ag.decrypt_telemetry_event(forged, sk)
    monkeypatch.setenv("AEGIS_MASTER_KEK_PUBLIC", "bm90IGEga2V5")
    with pytest.raises(ValueError, match="AEGIS_MASTER_KEK_PUBLIC"):
        ag.TelemetryEmitter("svc")


@pytest.fixture
def softhsm(tmp_path, monkeypatch):
    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "aegis-py", "--so-pin",
                    "12345678", "--pin", "13572468"], env=env, check=True, capture_output=True)
    (tmp_path / "kek.bin").write_bytes(os.urandom(32))
    subprocess.run(["pkcs11-tool", "--module", SOFTHSM, "--token-label", "aegis-py", "--login",
                    "--pin", "13572468", "--write-object", str(tmp_path / "kek.bin"), "--type",
                    "secrkey", "--key-type", "AES:32", "--label", "aegis-kek", "--usage-wrap"],
                   env=env, check=True, capture_output=True)
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    return {"pkcs11_lib": SOFTHSM, "token_label": "aegis-py", "pin": "13572468",
            "wrapping_key_label": "aegis-kek"}


def test_reference_blocks_with_softhsm(softhsm, monkeypatch):
    sk, pk = ag.HybridKEM.generate_keypair()
    blob = ag.HSMKEKProvider(**softhsm).wrap(sk)
    for name, value in [("AEGIS_HSM_PKCS11_LIB", softhsm["pkcs11_lib"]),
                        ("AEGIS_HSM_TOKEN_LABEL", softhsm["token_label"]),
                        ("AEGIS_HSM_PIN", softhsm["pin"]),
                        ("AEGIS_HSM_WRAPPING_KEY_LABEL", softhsm["wrapping_key_label"]),
                        ("AEGIS_HSM_WRAPPED_PRIVATE_KEY", base64.b64encode(blob).decode()),
                        ("AEGIS_MASTER_KEK_PUBLIC", base64.b64encode(pk).decode())]:
        monkeypatch.setenv(name, value)
    # --- the reference's blocks ---
    from aegis_governance import get_kek_provider
    provider = get_kek_provider()  # auto-detect
    provider = get_kek_provider("hsm")  # force PKCS#11 HSM
    from aegis_governance import HSMKEKProvider
    provider = HSMKEKProvider.from_environment()
    from aegis_governance import KMS_KEK_AVAILABLE, HSM_KEK_AVAILABLE, HYBRID_KEM_AVAILABLE
    if HSM_KEK_AVAILABLE:
        provider = get_kek_provider("hsm")
    # ---
    assert isinstance(provider, ag.HSMKEKProvider)
    assert provider.private_key() == sk and provider.public_key() == pk
    assert provider.metadata().algorithm == "CKM_AES_KEY_WRAP_PAD (0x210A)"
    with pytest.raises(RuntimeError, match="multiples of 8"):
        provider.wrap(b"seven!!")
    pooled = HSMKEKProvider(**softhsm, pool_size=2)
    assert pooled.unwrap(pooled.wrap(b"8 bytes!")) == b"8 bytes!"


@pytest.fixture
def kms(tmp_path, monkeypatch):
    port_file = tmp_path / "port"
    server = subprocess.Popen([sys.executable, str(SOURCE / "tests" / "kek" / "kms_server.py"),
                               "--port-file", str(port_file), "--dir", str(tmp_path)])
    for _ in range(200):
        if port_file.exists():
            break
        time.sleep(0.05)
    for name, value in [("AWS_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEAEGIS"),
                        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                        ("AWS_ENDPOINT_URL_KMS", f"https://127.0.0.1:{port_file.read_text().strip()}"),
                        ("AWS_CA_BUNDLE", str(tmp_path / "ca.pem"))]:
        monkeypatch.setenv(name, value)
    yield
    server.terminate()
    server.wait(timeout=20)


def test_reference_blocks_with_the_local_kms(kms, monkeypatch):
    sk, pk = ag.HybridKEM.generate_keypair()
    blob = ag.AWSKMSKEKProvider(kms_key_id="alias/aegis-test").wrap(sk)
    # --- the reference's blocks ---
    from aegis_governance import AWSKMSKEKProvider
    # From explicit parameters
    provider = AWSKMSKEKProvider(
        kms_key_id="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        wrapped_private_key=blob,
        public_key_bytes=pk,
    )
    assert provider.private_key() == sk
    monkeypatch.setenv("AEGIS_KMS_KEY_ID", "alias/aegis-test")
    monkeypatch.setenv("AEGIS_KMS_WRAPPED_PRIVATE_KEY", base64.b64encode(blob).decode())
    monkeypatch.setenv("AEGIS_MASTER_KEK_PUBLIC", base64.b64encode(pk).decode())
    # From environment variables (recommended)
    provider = AWSKMSKEKProvider.from_environment()
    from aegis_governance import get_kek_provider
    provider = get_kek_provider()  # auto-detect
    provider = get_kek_provider("kms")  # force AWS KMS
    from aegis_governance import KMS_KEK_AVAILABLE
    if KMS_KEK_AVAILABLE:
        provider = get_kek_provider("kms")
    # ---
    assert isinstance(provider, ag.AWSKMSKEKProvider)
    assert provider.private_key() == sk and provider.public_key() == pk
    denied = AWSKMSKEKProvider(kms_key_id="alias/aegis-denied")
    with pytest.raises(RuntimeError, match="AccessDeniedException"):
        denied.wrap(b"x")
