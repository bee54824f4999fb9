"""End-to-end checks of kms_server.py, the local AWS KMS stand-in, with botocore as the client.

The server runs as a subprocess on a temporary directory (its port read from the port file,
its CA from D/ca.pem) and is stopped with SIGTERM by its pid; it must then exit with status 0.
Covered: Encrypt/Decrypt round trips under every key name, encryption context, tampered and
foreign ciphertexts, IncorrectKey, AccessDenied, NotFound, wrong credentials or session token
(botocore signs them), hand-made raw requests (missing/garbled Authorization, body changed
after signing, stale date, wrong Content-Type/X-Amz-Target, non-JSON, length limits), a client
timeout against alias/aegis-slow, concurrency, and the request log.

Run: /usr/bin/python3 -m pytest -q tests/kek/test_kms_server.py
"""
import base64
import datetime
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, ReadTimeoutError

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from sigv4_check import sign  # noqa: E402  (botocore's signer at a chosen time)

SERVER = HERE / "kms_server.py"
AK, SK = "AKIDEXAMPLEAEGIS", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_ARN = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321"
JSON_TYPE = "application/x-amz-json-1.1"

# botocore honours HTTPS_PROXY; the server is local.
for var in ("NO_PROXY", "no_proxy"):
    os.environ[var] = ",".join(filter(None, [os.environ.get(var), "127.0.0.1", "localhost"]))


class KmsServer:
    """kms_server.py as a subprocess: start() waits for the port file, stop() sends SIGTERM."""

    def __init__(self, directory, *args):
        self.dir = Path(directory)
        self.port_file = self.dir / "port"
        self.ca = str(self.dir / "ca.pem")
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "--port-file", str(self.port_file),
             "--dir", str(self.dir), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not self.port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                out, err = self.proc.communicate()
                raise RuntimeError(f"kms_server did not start:\n{out}{err}")
            time.sleep(0.05)
        self.port = int(self.port_file.read_text())
        self.endpoint = f"https://127.0.0.1:{self.port}"

    def stop(self):
        os.kill(self.proc.pid, signal.SIGTERM)
        out, err = self.proc.communicate(timeout=15)
        return self.proc.returncode, out, err

    def log(self):
        path = self.dir / "requests.log"
        return [json.loads(line) for line in path.read_text().splitlines()] \
            if path.exists() else []

    def client(self, access_key=AK, secret_key=SK, token=None, region="us-east-1", **config):
        config.setdefault("retries", {"total_max_attempts": 1})
        return botocore.session.get_session().create_client(
            "kms", region_name=region, endpoint_url=self.endpoint, verify=self.ca,
            aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            aws_session_token=token, config=Config(**config))

    def raw(self, body, target="TrentService.Encrypt", content_type=JSON_TYPE,
            access_key=AK, secret_key=SK, token=None, sign=True, after_signing=None,
            sent_body=None):
        """POST `body` (bytes/str/dict) signed by botocore's SigV4Auth at the real clock;
        after_signing(headers) may change the headers before sending, and sent_body, when
        given, is sent instead of the signed body. Returns
        (status, response headers, parsed JSON body)."""
        def as_bytes(b):
            b = json.dumps(b) if isinstance(b, dict) else b
            return b.encode() if isinstance(b, str) else b
        body = as_bytes(body)
        headers = {"Content-Type": content_type, "X-Amz-Target": target}
        headers = {k: v for k, v in headers.items() if v is not None}
        request = AWSRequest("POST", self.endpoint + "/", headers=headers, data=body)
        if sign:
            SigV4Auth(Credentials(access_key, secret_key, token), "kms",
                      "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
        if after_signing:
            after_signing(headers)
        context = ssl.create_default_context(cafile=self.ca)
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=context, timeout=10)
        try:
            # http.client sends Host: 127.0.0.1:<port>, as botocore signed it.
            conn.request("POST", "/", headers=headers,
                         body=body if sent_body is None else as_bytes(sent_body))
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), json.loads(response.read())
        finally:
            conn.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = KmsServer(tmp_path_factory.mktemp("kms"))
    yield s
    start = time.monotonic()
    code, out, err = s.stop()  # possibly with a request still sleeping on alias/aegis-slow
    assert code == 0, f"kms_server exit status {code}\n{out}{err}"
    assert time.monotonic() - start < 10
    assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def token_server(tmp_path_factory):
    s = KmsServer(tmp_path_factory.mktemp("kms-token"), "--token", "session/token+AEGIS==")
    yield s
    code, out, err = s.stop()
    assert code == 0, f"kms_server exit status {code}\n{out}{err}"


def error_of(call):
    """(HTTP status, Error.Code, Error.Message) of a botocore call that must fail."""
    with pytest.raises(ClientError) as info:
        call()
    response = info.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])


# ---------------------------------------------------------------------------------------------
# TLS and files

def test_certificates_and_tls(server):
    for name in ("ca.pem", "server.pem", "server.key"):
        assert (server.dir / name).stat().st_size > 0
    assert (server.dir / "server.key").stat().st_mode & 0o077 == 0
    for hostname in ("127.0.0.1", "localhost"):
        context = ssl.create_default_context(cafile=server.ca)  # verifies chain and name
        with context.wrap_socket(socket.create_connection(
                ("127.0.0.1", server.port)), server_hostname=hostname) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
    with pytest.raises(ssl.SSLCertVerificationError):  # a client that trusts another CA
        ssl.create_default_context().wrap_socket(
            socket.create_connection(("127.0.0.1", server.port)),
            server_hostname="127.0.0.1")


# ---------------------------------------------------------------------------------------------
# Encrypt / Decrypt

@pytest.mark.parametrize("key_id", ["alias/aegis-test", ARN, ARN.rsplit("/", 1)[1],
                                    "arn:aws:kms:us-east-1:111122223333:alias/aegis-test"])
def test_round_trip_every_key_name(server, key_id):
    kms = server.client()
    for plaintext in (b"\x00", b"AEGIS data key " * 16, os.urandom(4096)):
        enc = kms.encrypt(KeyId=key_id, Plaintext=plaintext)
        assert enc["KeyId"] == ARN and enc["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
        if len(plaintext) > 8:  # (a 1-byte plaintext may well occur in a blob by chance)
            assert plaintext not in enc["CiphertextBlob"]
        for decrypt_key in (None, key_id, "alias/aegis-test"):
            args = {"KeyId": decrypt_key} if decrypt_key else {}
            dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], **args)
            assert dec["Plaintext"] == plaintext and dec["KeyId"] == ARN
            assert dec["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"


def test_each_encryption_is_fresh(server):
    kms = server.client()
    blobs = {kms.encrypt(KeyId="alias/aegis-test", Plaintext=b"same")["CiphertextBlob"]
             for _ in range(3)}
    assert len(blobs) == 3


def test_encryption_context_is_bound(server):
    kms = server.client()
    context = {"tenant": "acme", "purpose": "kek", "ünïcødé": "✓"}
    blob = kms.encrypt(KeyId="alias/aegis-test", Plaintext=b"k" * 32,
                       EncryptionContext=context)["CiphertextBlob"]
    reordered = dict(reversed(list(context.items())))
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=reordered)["Plaintext"] == b"k" * 32
    for wrong in ({}, {"tenant": "acme"}, {**context, "tenant": "evil"}, {**context, "x": "y"}):
        args = {"EncryptionContext": wrong} if wrong else {}
        assert error_of(lambda: kms.decrypt(CiphertextBlob=blob, **args)) == \
            (400, "InvalidCiphertextException", "")


def test_tampered_or_foreign_ciphertext_is_refused(server, tmp_path):
    kms = server.client()
    blob = kms.encrypt(KeyId="alias/aegis-test", Plaintext=b"secret")["CiphertextBlob"]
    variants = [blob[:-1], blob[:20], b"", b"\x02" + blob[1:]]
    for i in (0, 1, 16, 17, 28, 29, len(blob) - 1):  # version, key id, nonce, body, tag
        variants.append(blob[:i] + bytes([blob[i] ^ 0x01]) + blob[i + 1:])
    for bad in variants:
        if not bad:  # botocore refuses an empty blob itself; send it raw
            status, headers, body = server.raw({"CiphertextBlob": ""}, "TrentService.Decrypt")
            assert (status, body["__type"]) == (400, "InvalidCiphertextException")
            continue
        assert error_of(lambda: kms.decrypt(CiphertextBlob=bad))[:2] == \
            (400, "InvalidCiphertextException")
    # A blob from another server instance (other random keys) is not decryptable here.
    other = KmsServer(tmp_path)
    try:
        foreign = other.client().encrypt(KeyId="alias/aegis-test",
                                         Plaintext=b"secret")["CiphertextBlob"]
    finally:
        assert other.stop()[0] == 0
    assert error_of(lambda: kms.decrypt(CiphertextBlob=foreign)) == \
        (400, "InvalidCiphertextException", "")


def test_incorrect_key(server):
    kms = server.client()
    blob = kms.encrypt(KeyId="alias/aegis-test", Plaintext=b"secret")["CiphertextBlob"]
    status, code, message = error_of(
        lambda: kms.decrypt(CiphertextBlob=blob, KeyId="alias/aegis-other"))
    assert (status, code) == (400, "IncorrectKeyException") and message
    other_blob = kms.encrypt(KeyId="alias/aegis-other", Plaintext=b"x")
    assert other_blob["KeyId"] == OTHER_ARN
    assert kms.decrypt(CiphertextBlob=other_blob["CiphertextBlob"])["KeyId"] == OTHER_ARN
    assert error_of(lambda: kms.decrypt(CiphertextBlob=other_blob["CiphertextBlob"],
                                        KeyId=ARN))[1] == "IncorrectKeyException"


def test_access_denied_and_not_found(server):
    kms = server.client()
    status, code, message = error_of(
        lambda: kms.encrypt(KeyId="alias/aegis-denied", Plaintext=b"x"))
    assert (status, code) == (400, "AccessDeniedException")
    assert message.startswith("User: arn:aws:iam::111122223333:user/test is not authorized "
                              "to perform: kms:Encrypt")
    blob = kms.encrypt(KeyId="alias/aegis-test", Plaintext=b"x")["CiphertextBlob"]
    status, code, message = error_of(
        lambda: kms.decrypt(CiphertextBlob=blob, KeyId="alias/aegis-denied"))
    assert (code, "kms:Decrypt" in message) == ("AccessDeniedException", True)
    assert error_of(lambda: kms.encrypt(KeyId="alias/nope", Plaintext=b"x")) == (
        400, "NotFoundException",
        "Alias arn:aws:kms:us-east-1:111122223333:alias/nope is not found.")
    for key_id in ("1234abcd-0000-0000-0000-000000000000",
                   "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"):
        assert error_of(lambda: kms.encrypt(KeyId=key_id, Plaintext=b"x"))[:2] == \
            (400, "NotFoundException")
    assert error_of(lambda: kms.decrypt(CiphertextBlob=blob, KeyId="alias/nope"))[1] == \
        "NotFoundException"


def test_length_limits_and_bad_input(server):
    for plaintext in (b"", b"x" * 4097):
        status, headers, body = server.raw(
            {"KeyId": "alias/aegis-test", "Plaintext": base64.b64encode(plaintext).decode()})
        assert (status, body["__type"]) == (400, "ValidationException")
    assert server.raw({"Plaintext": "eA=="})[2]["__type"] == "ValidationException"
    assert server.raw({"KeyId": "alias/aegis-test", "Plaintext": "not base64!"})[2]["__type"] \
        == "SerializationException"
    assert server.raw({"KeyId": "alias/aegis-test", "Plaintext": "eA==",
                       "EncryptionContext": {"a": 1}})[2]["__type"] == "SerializationException"
    assert server.raw("{not json")[2]["__type"] == "SerializationException"
    assert server.raw("[1, 2]")[2]["__type"] == "SerializationException"


def test_concurrent_requests(server):
    kms = server.client()
    failures = []

    def work(n):
        try:
            for i in range(5):
                data = f"{n}:{i}".encode()
                blob = kms.encrypt(KeyId="alias/aegis-test", Plaintext=data)["CiphertextBlob"]
                assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == data
        except Exception as e:  # reported below, from the main thread
            failures.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


# ---------------------------------------------------------------------------------------------
# Authentication

def test_wrong_credentials_are_refused(server):
    call = lambda kms: kms.encrypt(KeyId="alias/aegis-test", Plaintext=b"x")
    status, code, message = error_of(lambda: call(server.client(secret_key=SK[:-1] + "Z")))
    assert (status, code) == (400, "InvalidSignatureException")
    assert message.startswith("The request signature we calculated does not match")
    assert "The Canonical String for this request should have been" in message
    assert error_of(lambda: call(server.client(access_key="AKIDSOMEONEELSE")))[:2] == \
        (400, "UnrecognizedClientException")
    assert error_of(lambda: call(server.client(region="eu-west-1")))[:2] == \
        (400, "InvalidSignatureException")
    assert error_of(lambda: call(server.client(token="unexpected")))[:2] == \
        (400, "UnrecognizedClientException")


def test_session_token(token_server):
    kms = token_server.client(token="session/token+AEGIS==")
    blob = kms.encrypt(KeyId="alias/aegis-test", Plaintext=b"t")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"t"
    for token in (None, "session/token+AEGIS=", "other"):
        assert error_of(lambda: token_server.client(token=token).encrypt(
            KeyId="alias/aegis-test", Plaintext=b"t"))[:2] == (400, "UnrecognizedClientException")

    def unsign_token(headers):  # the right token, but sent outside the signature
        auth = headers["Authorization"]
        headers["Authorization"] = auth.replace(";x-amz-security-token", "")
    status, _, body = token_server.raw({"KeyId": "alias/aegis-test", "Plaintext": "eA=="},
                                       token="session/token+AEGIS==",
                                       after_signing=unsign_token)
    assert (status, body["__type"]) == (400, "InvalidSignatureException")


def test_raw_request_errors_have_kms_shape(server):
    good = {"KeyId": "alias/aegis-test", "Plaintext": "eA=="}
    status, headers, body = server.raw(good)
    assert status == 200 and headers["Content-Type"] == JSON_TYPE and body["KeyId"] == ARN

    def drop_auth(h):
        del h["Authorization"]

    def garble_auth(h):
        h["Authorization"] = "AWS4-HMAC-SHA256 Credential=garbage"

    def old_date(h):  # a whole, consistent signature, but an hour old
        when = (datetime.datetime.utcnow() - datetime.timedelta(hours=1)).strftime(
            "%Y%m%dT%H%M%SZ")
        h["X-Amz-Date"] = when
        h["Authorization"] = sign("POST", f"127.0.0.1:{server.port}", "/", "", {
            "host": f"127.0.0.1:{server.port}", "x-amz-date": when,
            "content-type": JSON_TYPE, "x-amz-target": "TrentService.Encrypt"},
            json.dumps(good), when, "us-east-1", "kms", AK, SK).authorization

    def other_target(h):  # the target changed after signing
        h["X-Amz-Target"] = "TrentService.Decrypt"

    cases = [
        (dict(after_signing=drop_auth), "InvalidSignatureException"),
        (dict(sign=False), "InvalidSignatureException"),
        (dict(after_signing=garble_auth), "InvalidSignatureException"),
        (dict(after_signing=old_date), "InvalidSignatureException"),
        (dict(after_signing=other_target), "InvalidSignatureException"),
        (dict(target="TrentService.GenerateDataKey"), "UnknownOperationException"),
        (dict(target=None), "UnknownOperationException"),
        (dict(content_type="application/json"), "SerializationException"),
    ]
    for args, code in cases:
        status, headers, body = server.raw(good, **args)
        assert (status, body["__type"]) == (400, code), (args, body)
        assert set(body) == {"__type", "message"} and isinstance(body["message"], str)
        assert headers["Content-Type"] == JSON_TYPE

    # the body changed after signing
    status, _, body = server.raw(good, sent_body={**good, "Plaintext": "eQ=="})
    assert (status, body["__type"]) == (400, "InvalidSignatureException")


# ---------------------------------------------------------------------------------------------
# Timeouts and the request log

def test_slow_key_times_the_client_out(server):
    kms = server.client(read_timeout=1, connect_timeout=2)
    start = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        kms.encrypt(KeyId="alias/aegis-slow", Plaintext=b"x")
    assert time.monotonic() - start < 5


def test_request_log(server):
    kms = server.client()
    before = len(server.log())
    secret = b"log-must-not-show-this"
    blob = kms.encrypt(KeyId="alias/aegis-test", Plaintext=secret)["CiphertextBlob"]
    kms.decrypt(CiphertextBlob=blob)
    error_of(lambda: kms.encrypt(KeyId="alias/aegis-denied", Plaintext=b"x"))
    entries = server.log()[before:]
    assert [(e["method"], e["target"], e["key_id"], e["status"], e["error"]) for e in entries] \
        == [("POST", "TrentService.Encrypt", "alias/aegis-test", 200, None),
            ("POST", "TrentService.Decrypt", None, 200, None),
            ("POST", "TrentService.Encrypt", "alias/aegis-denied", 400,
             "AccessDeniedException")]
    text = (server.dir / "requests.log").read_text()
    for forbidden in (secret.decode(), base64.b64encode(secret).decode(), SK, "Signature=",
                      base64.b64encode(blob).decode()[:24]):
        assert forbidden not in text
