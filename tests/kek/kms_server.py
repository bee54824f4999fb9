"""A local stand-in for AWS KMS (JSON 1.1 protocol over HTTPS) for the KEK provider's tests.

Usage:
    kms_server.py --port-file F --dir D [--access-key AK] [--secret-key SK] [--token T]
                  [--region R] [--slow-seconds S] [--max-skew SECONDS]

At start it writes a fresh self-signed CA and a server certificate for 127.0.0.1/localhost
(D/ca.pem, D/server.pem, D/server.key), listens on 127.0.0.1 at a port the OS picks (TLS 1.2+),
and then writes that port to F (via F.tmp and a rename, so F never holds half a number).
SIGTERM (or SIGINT) stops it cleanly with exit status 0.

Every request must be SigV4-signed (service "kms") with the configured credentials; the
signature is recomputed with botocore (sigv4_check.sign) from the request as received: method,
path, query, the headers named in SignedHeaders, the body, and the time in X-Amz-Date.

Operations (X-Amz-Target): TrentService.Encrypt and TrentService.Decrypt. Key ids:
    alias/aegis-test, its alias ARN, the key ARN
      arn:aws:kms:<region>:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
      or the bare UUID                  -> the test key (AES-256, random per run)
    alias/aegis-other (or its key ARN / UUID 0987dcba-09fe-87dc-65ba-ab0987654321)
                                        -> a second key, so Decrypt can answer IncorrectKey
    alias/aegis-slow                    -> the test key, after --slow-seconds (20) of delay
    alias/aegis-denied                  -> 400 AccessDeniedException
    anything else                       -> 400 NotFoundException
Errors are KMS's shape: HTTP 400, Content-Type application/x-amz-json-1.1,
body {"__type": "<Code>", "message": "..."}.

CiphertextBlob format (this server's own): 0x01 | key UUID (16 bytes) | nonce (12) |
AES-256-GCM ciphertext+tag, with aad = "aegis-kms-test/v1" 0x00 key-ARN 0x00 canonical JSON of
the encryption context (sorted keys, no spaces). A changed byte, another context or another
server instance's blob -> InvalidCiphertextException.

D/requests.log gets one JSON line per request: time, method, path, target, key_id, status,
error. Never the plaintext, the ciphertext, the signature, or the secret key.
"""
import argparse
import base64
import binascii
import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import signal
import socket
import ssl
import sys
import threading
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sigv4_check import sign  # noqa: E402  (botocore's signer at a fixed time)

ACCOUNT = "111122223333"
JSON_TYPE = "application/x-amz-json-1.1"
BLOB_VERSION = 1
AAD_LABEL = b"aegis-kms-test/v1"
MAX_PLAINTEXT = 4096


# ---------------------------------------------------------------------------------------------
# Certificates

def write_certificates(directory):
    """A self-signed CA and a server certificate for 127.0.0.1 and localhost, issued by it.
    Writes D/ca.pem, D/server.pem and D/server.key (mode 0600); returns the two paths needed
    by the TLS context."""
    now = datetime.datetime.now(datetime.timezone.utc)
    validity = (now - datetime.timedelta(hours=1), now + datetime.timedelta(days=30))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AEGIS test KMS CA")])
    ca_cert = (x509.CertificateBuilder()
               .subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(validity[0]).not_valid_after(validity[1])
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False,
                                            decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                              critical=False)
               .sign(ca_key, hashes.SHA256()))

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(validity[0]).not_valid_after(validity[1])
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))

    os.makedirs(directory, exist_ok=True)
    pem = serialization.Encoding.PEM
    with open(os.path.join(directory, "ca.pem"), "wb") as f:
        f.write(ca_cert.public_bytes(pem))
    cert_path = os.path.join(directory, "server.pem")
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(pem))
    key_path = os.path.join(directory, "server.key")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_path, key_path


# ---------------------------------------------------------------------------------------------
# Keys and the KMS operations

class KmsError(Exception):
    """A KMS error answer: HTTP status, __type, message."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class Key:
    def __init__(self, key_uuid, region):
        self.uuid = uuid.UUID(key_uuid)
        self.arn = f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_uuid}"
        self.aead = AESGCM(AESGCM.generate_key(bit_length=256))


class Kms:
    """The keys and the two operations, independent of HTTP."""

    def __init__(self, region, slow_seconds, stopping):
        self.region = region
        self.slow_seconds = slow_seconds
        self.stopping = stopping  # threading.Event set on shutdown: cuts the slow delay short
        self.test_key = Key("1234abcd-12ab-34cd-56ef-1234567890ab", region)
        self.other_key = Key("0987dcba-09fe-87dc-65ba-ab0987654321", region)
        self.by_uuid = {k.uuid: k for k in (self.test_key, self.other_key)}
        self.names = {}
        for key, aliases in ((self.test_key, ["alias/aegis-test", "alias/aegis-slow"]),
                             (self.other_key, ["alias/aegis-other"])):
            names = [key.arn, str(key.uuid)] + aliases + [
                f"arn:aws:kms:{region}:{ACCOUNT}:{a}" for a in aliases]
            self.names.update({n: key for n in names})

    def resolve(self, key_id, action):
        """The Key named by key_id, or the KMS error a real key policy/lookup would give."""
        if not isinstance(key_id, str) or not key_id:
            raise KmsError("ValidationException", "1 validation error detected: Value null at "
                           "'keyId' failed to satisfy constraint: Member must not be null")
        if key_id in ("alias/aegis-denied", f"arn:aws:kms:{self.region}:{ACCOUNT}:alias/aegis-denied"):
            raise KmsError("AccessDeniedException",
                           f"User: arn:aws:iam::{ACCOUNT}:user/test is not authorized to perform: "
                           f"kms:{action} on resource: arn:aws:kms:{self.region}:{ACCOUNT}:"
                           f"alias/aegis-denied because no identity-based policy allows the "
                           f"kms:{action} action")
        key = self.names.get(key_id)
        if key is None:
            if "alias/" in key_id:
                arn = key_id if key_id.startswith("arn:") else \
                    f"arn:aws:kms:{self.region}:{ACCOUNT}:{key_id}"
                raise KmsError("NotFoundException", f"Alias {arn} is not found.")
            raise KmsError("NotFoundException", f"Key '{key_id}' does not exist")
        if key_id.endswith("alias/aegis-slow"):
            self.stopping.wait(self.slow_seconds)
        return key

    @staticmethod
    def _context(params):
        """The canonical bytes of the optional EncryptionContext (a string→string map)."""
        ctx = params.get("EncryptionContext")
        if ctx is None:
            ctx = {}
        if not isinstance(ctx, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in ctx.items()):
            raise KmsError("SerializationException",
                           "EncryptionContext must be a map of strings to strings")
        return json.dumps(ctx, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")

    @staticmethod
    def _aad(key, context):
        return AAD_LABEL + b"\0" + key.arn.encode() + b"\0" + context

    @staticmethod
    def _blob(params, name):
        value = params.get(name)
        if not isinstance(value, str):
            raise KmsError("ValidationException", f"1 validation error detected: Value null at "
                           f"'{name[0].lower() + name[1:]}' failed to satisfy constraint: "
                           f"Member must not be null")
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise KmsError("SerializationException", f"{name} is not valid base64")

    @staticmethod
    def _algorithm(params):
        algorithm = params.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
        if algorithm != "SYMMETRIC_DEFAULT":
            raise KmsError("ValidationException", f"1 validation error detected: Value "
                           f"'{algorithm}' at 'encryptionAlgorithm' failed to satisfy "
                           f"constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT]")

    def encrypt(self, params):
        key = self.resolve(params.get("KeyId"), "Encrypt")
        plaintext = self._blob(params, "Plaintext")
        if not 1 <= len(plaintext) <= MAX_PLAINTEXT:
            raise KmsError("ValidationException", "1 validation error detected: Value at "
                           "'plaintext' failed to satisfy constraint: Member must have length "
                           f"{'greater than or equal to 1' if not plaintext else 'less than or equal to 4096'}")
        self._algorithm(params)
        nonce = os.urandom(12)
        sealed = key.aead.encrypt(nonce, plaintext, self._aad(key, self._context(params)))
        blob = bytes([BLOB_VERSION]) + key.uuid.bytes + nonce + sealed
        return {"CiphertextBlob": base64.b64encode(blob).decode(), "KeyId": key.arn,
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}

    def decrypt(self, params):
        wanted = None
        if params.get("KeyId") is not None:
            wanted = self.resolve(params["KeyId"], "Decrypt")
        blob = self._blob(params, "CiphertextBlob")
        self._algorithm(params)
        context = self._context(params)
        invalid = KmsError("InvalidCiphertextException", "")
        if len(blob) < 1 + 16 + 12 + 16 or blob[0] != BLOB_VERSION:
            raise invalid
        key = self.by_uuid.get(uuid.UUID(bytes=blob[1:17]))
        if key is None:
            raise invalid
        if wanted is not None and wanted is not key:
            raise KmsError("IncorrectKeyException", "The key ID in the request does not "
                           "identify a CMK that can perform this operation.")
        try:
            plaintext = key.aead.decrypt(blob[17:29], blob[29:], self._aad(key, context))
        except Exception:  # cryptography.exceptions.InvalidTag
            raise invalid
        return {"Plaintext": base64.b64encode(plaintext).decode(), "KeyId": key.arn,
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}


# ---------------------------------------------------------------------------------------------
# Signature check

def parse_authorization(value):
    """(access_key, date, region, service, signed_header_names, signature) from an
    'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...' header."""
    algorithm, _, rest = value.partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        raise KmsError("InvalidSignatureException",
                       f"Unsupported Authorization algorithm {algorithm!r}; "
                       "expected AWS4-HMAC-SHA256")
    fields = {}
    for part in rest.split(","):
        name, eq, val = part.strip().partition("=")
        if not eq or name in fields:
            raise KmsError("InvalidSignatureException",
                           f"Authorization header is garbled near {part.strip()!r}")
        fields[name] = val
    if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
        raise KmsError("InvalidSignatureException", "Authorization header requires exactly "
                       "'Credential', 'SignedHeaders' and 'Signature' parameters")
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise KmsError("InvalidSignatureException", "Credential must have the form "
                       "<access key>/<date>/<region>/<service>/aws4_request")
    signed = fields["SignedHeaders"].split(";")
    return (*scope[:4], signed, fields["Signature"])


class Verifier:
    """Checks a received request's SigV4 signature against the configured credentials."""

    MISMATCH = ("The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult the "
                "service documentation for details.")

    def __init__(self, access_key, secret_key, token, region, max_skew):
        self.access_key, self.secret_key = access_key, secret_key
        self.token, self.region, self.max_skew = token, region, max_skew

    def verify(self, method, path, query, headers, body):
        """headers: list of (lower-case name, value) as received. Raises KmsError."""
        values = {}
        for name, value in headers:
            values.setdefault(name, []).append(value)
        auth = values.get("authorization")
        if not auth:
            raise KmsError("InvalidSignatureException", "Missing Authorization header")
        if len(auth) > 1:
            raise KmsError("InvalidSignatureException", "More than one Authorization header")
        access_key, date, region, service, signed, signature = parse_authorization(auth[0])

        # Who: an unknown access key or a wrong/missing session token is what AWS reports as
        # UnrecognizedClientException; the rest are signature problems.
        token = values.get("x-amz-security-token", [None])[0]
        if access_key != self.access_key or token != self.token:
            raise KmsError("UnrecognizedClientException",
                           "The security token included in the request is invalid.")
        if signed != sorted(set(signed)) or any(h != h.lower() or not h for h in signed):
            raise KmsError("InvalidSignatureException",
                           "SignedHeaders must be lower-case names, sorted, without repeats")
        for required in ("host", "x-amz-date") + (("x-amz-security-token",) if token else ()):
            if required not in signed:
                raise KmsError("InvalidSignatureException",
                               f"'{required}' must be a signed header")
        missing = [h for h in signed if h not in values]
        if missing:
            raise KmsError("InvalidSignatureException",
                           f"Signed headers {missing} are not in the request")
        amz_date = values["x-amz-date"][0]
        try:
            when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except ValueError:
            raise KmsError("InvalidSignatureException", f"X-Amz-Date {amz_date!r} is not "
                           "of the form YYYYMMDDTHHMMSSZ")
        if date != amz_date[:8]:
            raise KmsError("InvalidSignatureException", f"Date in Credential scope does not "
                           f"match YYYYMMDD from ISO-8601 version of date from HTTP: "
                           f"'{date}' != '{amz_date[:8]}', from '{amz_date}'.")
        if region != self.region:
            raise KmsError("InvalidSignatureException", f"Credential should be scoped to a "
                           f"valid region, not '{region}'.")
        if service != "kms":
            raise KmsError("InvalidSignatureException", f"Credential should be scoped to "
                           f"correct service: 'kms'.")
        if self.max_skew:
            now = datetime.datetime.utcnow()
            if abs((now - when).total_seconds()) > self.max_skew:
                raise KmsError("InvalidSignatureException", f"Signature expired or not yet "
                               f"valid: {amz_date} is more than {self.max_skew} s from "
                               f"{now.strftime('%Y%m%dT%H%M%SZ')}.")
        declared_hash = values.get("x-amz-content-sha256", [None])[0]
        if declared_hash is not None and declared_hash != hashlib.sha256(body).hexdigest():
            raise KmsError("InvalidSignatureException",
                           "X-Amz-Content-SHA256 does not match the body")

        host = values["host"][0]
        to_sign = [(n, v) for n, v in headers if n in signed]
        try:
            ours = sign(method, host, path, query, to_sign, body, amz_date, self.region,
                        "kms", self.access_key, self.secret_key, self.token)
        except Exception as e:
            raise KmsError("InvalidSignatureException", f"cannot sign this request: {e}")
        expected = parse_authorization(ours.authorization)
        if expected[4] != signed or not hmac.compare_digest(expected[5].encode(),
                                                           signature.encode()):
            raise KmsError("InvalidSignatureException",
                           f"{self.MISMATCH}\n\nThe Canonical String for this request should "
                           f"have been\n'{ours.canonical_request}'\n\nThe String-to-Sign "
                           f"should have been\n'{ours.string_to_sign}'\n")


# ---------------------------------------------------------------------------------------------
# HTTP

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, 100-continue, as libcurl and urllib3 expect
    server_version = "aegis-test-kms"
    sys_version = ""
    timeout = 60                    # an idle keep-alive connection is dropped after a minute
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def setup(self):
        super().setup()
        self.request.do_handshake()  # TLS handshake in this connection's thread

    def log_message(self, format, *args):
        pass  # requests.log is the log; keep stderr quiet

    def do_POST(self):
        self._serve()

    do_GET = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_POST

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self):
        state = self.server.state
        target = self.headers.get("X-Amz-Target")
        key_id = None
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self._reply(400, {"__type": "SerializationException",
                              "message": "unreadable request body"}, target, key_id)
            return
        try:
            path, _, query = self.path.partition("?")
            headers = [(n.lower(), v) for n, v in self.headers.items()]
            state.verifier.verify(self.command, path, query, headers, body)
            media_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if media_type != JSON_TYPE:
                raise KmsError("SerializationException", f"Unsupported Content-Type "
                               f"{self.headers.get('Content-Type')!r}; expected {JSON_TYPE}")
            operation = {"TrentService.Encrypt": state.kms.encrypt,
                         "TrentService.Decrypt": state.kms.decrypt}.get(target)
            if self.command != "POST" or path != "/" or operation is None:
                raise KmsError("UnknownOperationException",
                               f"Unknown operation {self.command} {path} {target!r}")
            try:
                params = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise KmsError("SerializationException", f"body is not JSON: {e}")
            if not isinstance(params, dict):
                raise KmsError("SerializationException", "body is not a JSON object")
            key_id = params.get("KeyId")
            self._reply(200, operation(params), target, key_id)
        except KmsError as e:
            self._reply(e.status, {"__type": e.code, "message": e.message}, target, key_id)
        except Exception as e:  # a bug here: answer like KMS's 500, keep serving
            self._reply(500, {"__type": "KMSInternalException",
                              "message": f"{type(e).__name__}: {e}"}, target, key_id)

    def _reply(self, status, payload, target, key_id):
        # Logged before answering: once a client has its answer, the log line is there.
        self.server.state.log(method=self.command, path=self.path, target=target,
                              key_id=key_id if isinstance(key_id, str) else None,
                              status=status, error=payload.get("__type"))
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", JSON_TYPE)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class State:
    """What the handlers share: the verifier, the keys, the request log."""

    def __init__(self, verifier, kms, log_path):
        self.verifier, self.kms = verifier, kms
        self._log_path, self._log_lock = log_path, threading.Lock()

    def log(self, **fields):
        now = datetime.datetime.now(datetime.timezone.utc)
        line = json.dumps({"time": now.isoformat(timespec="milliseconds"), **fields})
        with self._log_lock, open(self._log_path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that hangs up or fails the TLS handshake is not worth a traceback.
        e = sys.exc_info()[1]
        if isinstance(e, (ssl.SSLError, ConnectionError, socket.timeout, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port-file", required=True, help="where the port number is written")
    p.add_argument("--dir", required=True, help="for ca.pem, server.pem, server.key, "
                                                "requests.log")
    p.add_argument("--access-key", default="AKIDEXAMPLEAEGIS")
    p.add_argument("--secret-key", default="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    p.add_argument("--token", default=None, help="session token the client must send")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--slow-seconds", type=float, default=20.0,
                   help="delay for alias/aegis-slow (default 20)")
    p.add_argument("--max-skew", type=float, default=900.0,
                   help="largest |X-Amz-Date - now| accepted, seconds; 0 = any (default 900)")
    args = p.parse_args(argv)

    if os.path.exists(args.port_file):
        os.unlink(args.port_file)  # a stale port must not be mistaken for this run's
    cert_path, key_path = write_certificates(args.dir)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)

    stopping = threading.Event()
    server = Server(("127.0.0.1", 0), Handler)
    # Handshakes happen in the connection threads (Handler.setup), not in accept().
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    server.state = State(Verifier(args.access_key, args.secret_key, args.token or None,
                                  args.region, args.max_skew),
                         Kms(args.region, args.slow_seconds, stopping),
                         os.path.join(args.dir, "requests.log"))

    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2})
    serving.start()

    port = server.server_address[1]
    with open(args.port_file + ".tmp", "w") as f:
        f.write(f"{port}\n")
    os.replace(args.port_file + ".tmp", args.port_file)
    print(f"kms_server: https://127.0.0.1:{port} (CA {os.path.abspath(args.dir)}/ca.pem)",
          flush=True)

    while not stopping.wait(0.5):  # the main thread only waits for SIGTERM/SIGINT
        pass
    server.shutdown()
    serving.join()
    server.server_close()
    print("kms_server: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
