"""Key management from Python under the reference's names: HybridKEM (X-Wing) against the
draft's vectors, HPKE, the providers (in memory, environment, SoftHSM2 for real, the local KMS
endpoint that re-signs every request with botocore), get_kek_provider's choice and errors, the
flags, encrypted telemetry. The reference's Key Management blocks run in
test_reference_snippets.py."""
import base64
import json
import os

import pytest

from conftest import SOURCE
import aegis_governance as ag

VECTORS = json.loads((SOURCE / "tests" / "data" / "xwing_draft10_vectors.json").read_text())["vectors"]


@pytest.fixture(autouse=True)
def no_provider_settings(clean_environment):
    pass


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


def test_hsm_provider_refuses_unaligned_plaintext_and_pools_sessions(softhsm):
    provider = ag.HSMKEKProvider(**softhsm)
    assert provider.unwrap(provider.wrap(b"16 bytes, even..")) == b"16 bytes, even.."
    assert provider.metadata().algorithm == "CKM_AES_KEY_WRAP_PAD (0x210A)"  # SoftHSM2's
    with pytest.raises(RuntimeError, match="multiples of 8"):
        provider.wrap(b"seven!!")
    pooled = ag.HSMKEKProvider(**softhsm, pool_size=2)
    assert pooled.unwrap(pooled.wrap(b"8 bytes!")) == b"8 bytes!"


def test_kms_access_denied_is_named(kms):
    denied = ag.AWSKMSKEKProvider(kms_key_id="alias/aegis-denied")
    with pytest.raises(RuntimeError, match="AccessDeniedException"):
        denied.wrap(b"x")
