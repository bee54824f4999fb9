import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SOURCE = Path(os.environ.get("AEGIS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("AEGIS_BUILD_DIR", SOURCE / "build"))
sys.path.insert(0, str(BUILD / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(SOURCE / "tests" / "common"))

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.fixture
def clean_environment(monkeypatch):
    for k in list(os.environ):
        if k.startswith(("AEGIS_", "AWS_")):
            monkeypatch.delenv(k)


@pytest.fixture
def softhsm(tmp_path, monkeypatch):
    """A throwaway SoftHSM2 token with an AES-256 wrapping key: the settings of HSMKEKProvider."""
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


@pytest.fixture
def kms(tmp_path, monkeypatch):
    """The local KMS endpoint (tests/kek/kms_server.py: the real protocol, SigV4 checked with
    botocore) and the AWS variables that point at it; yields the region."""
    port_file = tmp_path / "port"
    region = "us-west-2"
    server = subprocess.Popen([sys.executable, str(SOURCE / "tests" / "kek" / "kms_server.py"),
                               "--port-file", str(port_file), "--dir", str(tmp_path),
                               "--region", region])
    try:
        for _ in range(200):
            if port_file.exists() or server.poll() is not None:
                break
            time.sleep(0.05)
        assert port_file.exists(), f"the local KMS endpoint did not start (exit {server.poll()})"
    except BaseException:
        server.kill()
        server.wait(timeout=20)
        raise
    for name, value in [("AWS_REGION", region), ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEAEGIS"),
                        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                        ("AWS_ENDPOINT_URL_KMS", f"https://127.0.0.1:{port_file.read_text().strip()}"),
                        ("AWS_CA_BUNDLE", str(tmp_path / "ca.pem"))]:
        monkeypatch.setenv(name, value)
    yield region
    server.terminate()
    server.wait(timeout=20)


def b64(data):
    return base64.b64encode(data).decode()
