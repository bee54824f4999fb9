"""Checks of sigv4_check.py, the botocore oracle for the C++ SigV4 signer, run as a command.

Run: /usr/bin/python3 -m pytest -q tests/kek/test_sigv4_check.py
"""
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECK = HERE / "sigv4_check.py"
sys.path.insert(0, str(HERE))
from sigv4_check import _botocore_signed_record  # noqa: E402


def run(*args):
    proc = subprocess.run([sys.executable, str(CHECK), *args], capture_output=True, text=True,
                          timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def test_self_test_passes():
    code, out = run("--self-test")
    assert code == 0, out
    assert "sigv4_check self-test: 0 failure(s)" in out


def test_file_of_botocore_signed_requests(tmp_path):
    records = [_botocore_signed_record("127.0.0.1:4443", "TrentService.Encrypt",
                                       '{"KeyId": "alias/aegis-test", "Plaintext": "eA=="}'),
               _botocore_signed_record("kms.us-east-1.amazonaws.com", "TrentService.Decrypt",
                                       '{"CiphertextBlob": "AQID"}', token="tok")]
    path = tmp_path / "requests.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert run(str(path)) == (0, "sigv4_check: 2 requests, 0 mismatches\n")

    records[1]["body"] = '{"CiphertextBlob": "AQIE"}'
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out = run(str(path))
    assert code == 1
    assert "line 2: MISMATCH" in out and "botocore canonical request:" in out
    assert out.endswith("sigv4_check: 2 requests, 1 mismatches\n")


def test_empty_or_missing_file(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    assert run(str(tmp_path / "empty.jsonl"))[0] == 1
    assert run(str(tmp_path / "absent.jsonl"))[0] == 1
