"""Oracle for the C++ AWS Signature Version 4 signer: re-signs each request with botocore.

Usage:
    sigv4_check.py FILE.jsonl     check every request in FILE (one JSON object a line)
    sigv4_check.py --self-test    check the checker itself (known-answer vectors, botocore-signed
                                  requests accepted, tampered ones refused, empty file refused)

Each line of FILE is one request the C++ signer produced:
    {"method", "host" (may carry :port), "path", "query" (raw, may be ""),
     "headers": {lower-case name: value} -- exactly the headers sent AND signed,
     "body" (exact UTF-8 text), "amz_date" (YYYYMMDDTHHMMSSZ), "region", "service",
     "access_key", "secret_key", "token" (or null), "authorization" (what C++ computed)}

For each line the Authorization header is recomputed by botocore's own SigV4Auth.add_auth --
not a re-implementation -- at the record's fixed time, and compared byte for byte with the C++
one. Two adjustments make botocore sign exactly what the C++ side signed:
  * Time: add_auth reads the clock (datetime.datetime.utcnow()). While it runs we swap the
    `datetime` module that botocore.auth sees for a copy whose datetime class answers
    utcnow()/now() with amz_date. The swap is process-wide, so it is done under a lock, and
    afterwards we assert that botocore really used amz_date (request.context['timestamp']).
  * Header set: add_auth signs every header of the request except a blacklist (user-agent,
    expect, x-amzn-trace-id). The record lists only the signed headers, so the blacklist is
    emptied during signing and botocore signs exactly those headers (real AWS verifies any
    signed header; signing user-agent is legal SigV4, merely something botocore never does).
Exit status: 0 when every request matches, 1 on any mismatch, malformed line, or empty file.

`sign()` is also used by kms_server.py to verify the requests it receives.
"""
import datetime
import json
import os
import sys
import tempfile
import threading
import types
from dataclasses import dataclass
from unittest import mock

import botocore.auth
from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# botocore.auth's module globals are patched while signing; one signature at a time.
_SIGN_LOCK = threading.Lock()


class _RecordingSigV4Auth(SigV4Auth):
    """botocore's SigV4Auth, unchanged, except that it keeps the canonical request and the
    string to sign it computed (for mismatch reports)."""

    last_canonical_request = ""
    last_string_to_sign = ""

    def canonical_request(self, request):
        self.last_canonical_request = super().canonical_request(request)
        return self.last_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.last_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.last_string_to_sign


def _frozen_datetime_module(when):
    """A stand-in for the `datetime` module whose datetime.utcnow()/now() return `when`
    (a naive UTC datetime); everything else (strptime, timedelta, ...) is the real module."""

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return cls.combine(when.date(), when.time())

        @classmethod
        def now(cls, tz=None):
            aware = cls.combine(when.date(), when.time(), tzinfo=datetime.timezone.utc)
            return aware.astimezone(tz) if tz is not None else aware.astimezone().replace(tzinfo=None)

    shim = types.ModuleType("datetime")
    shim.__dict__.update(vars(datetime))
    shim.datetime = FrozenDatetime
    return shim


@dataclass
class Signed:
    authorization: str       # the Authorization header botocore produced
    canonical_request: str
    string_to_sign: str
    headers: dict            # the request's headers after signing (botocore may set some)


def sign(method, host, path, query, headers, body, amz_date, region, service,
         access_key, secret_key, token=None):
    """Sign one request with botocore's SigV4Auth.add_auth as of `amz_date`.

    headers: a dict or a list of (name, value) pairs -- the headers to sign, nothing else;
    a name given twice is signed as botocore does (values joined with ',').
    body: bytes or str (str is encoded as UTF-8). Returns a Signed.
    """
    when = datetime.datetime.strptime(amz_date, SIGV4_TIMESTAMP)  # ValueError if garbled
    url = f"https://{host}{path}" + (f"?{query}" if query else "")
    if isinstance(body, str):
        body = body.encode("utf-8")
    request = AWSRequest(method=method, url=url, data=body)
    pairs = headers.items() if isinstance(headers, dict) else headers
    for name, value in pairs:
        request.headers[name] = value  # HTTPHeaders appends: repeated names are kept
    signer = _RecordingSigV4Auth(Credentials(access_key, secret_key, token or None),
                                 service, region)
    with _SIGN_LOCK, \
            mock.patch.object(botocore.auth, "datetime", _frozen_datetime_module(when)), \
            mock.patch.object(botocore.auth, "SIGNED_HEADERS_BLACKLIST", []):
        signer.add_auth(request)
    if request.context.get("timestamp") != amz_date:  # the clock patch did not take
        raise RuntimeError(f"botocore signed at {request.context.get('timestamp')!r}, "
                           f"not {amz_date!r}: botocore.auth no longer reads datetime.utcnow()")
    return Signed(request.headers["Authorization"], signer.last_canonical_request,
                  signer.last_string_to_sign,
                  {k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"})


_FIELDS = ("method", "host", "path", "query", "headers", "body", "amz_date", "region",
           "service", "access_key", "secret_key", "authorization")


def _signed_headers_of(authorization):
    """The SignedHeaders list of an Authorization header, or None."""
    for part in authorization.split(","):
        name, _, value = part.strip().partition("=")
        if name.endswith("SignedHeaders"):
            return value
    return None


def check_record(rec):
    """Problems with one request record, as a list of text blocks; [] when it is correct."""
    missing = [f for f in _FIELDS if f not in rec]
    if missing:
        return [f"record lacks {', '.join(missing)}"]
    headers = {k: v for k, v in rec["headers"].items()}
    problems = []
    # Consistency between the record and the headers the C++ side sent. botocore would
    # silently overwrite x-amz-date / x-amz-security-token, so check them here.
    if any(k != k.lower() for k in headers):
        problems.append(f"header names are not all lower case: {sorted(headers)}")
    if headers.get("x-amz-date") != rec["amz_date"]:
        problems.append(f"x-amz-date header {headers.get('x-amz-date')!r} "
                        f"!= amz_date {rec['amz_date']!r}")
    token = rec.get("token") or None
    if headers.get("x-amz-security-token") != token:
        problems.append(f"x-amz-security-token header {headers.get('x-amz-security-token')!r} "
                        f"!= token {token!r}")
    if "host" not in headers:
        problems.append("no host header among the signed headers")
    if "date" in headers:
        problems.append("a date header is signed: botocore would then sign Date, not X-Amz-Date")
    ours_signed = _signed_headers_of(rec["authorization"])
    if ours_signed is not None and ours_signed != ";".join(sorted(headers)):
        problems.append(f"SignedHeaders={ours_signed} but the headers sent are "
                        f"{';'.join(sorted(headers))}")
    blacklisted = sorted(set(headers) & set(botocore.auth.SIGNED_HEADERS_BLACKLIST))
    try:
        signed = sign(rec["method"], rec["host"], rec["path"], rec["query"], headers,
                      rec["body"], rec["amz_date"], rec["region"], rec["service"],
                      rec["access_key"], rec["secret_key"], token)
    except Exception as e:  # garbled date, host, ...: botocore could not sign it
        return problems + [f"botocore could not sign this request: {type(e).__name__}: {e}"]
    if signed.authorization != rec["authorization"]:
        indent = lambda text: "\n".join("    " + line for line in text.split("\n"))
        problems.append(
            "Authorization differs\n"
            f"  ours:     {rec['authorization']}\n"
            f"  botocore: {signed.authorization}\n"
            f"  botocore canonical request:\n{indent(signed.canonical_request)}\n"
            f"  botocore string to sign:\n{indent(signed.string_to_sign)}")
    if problems and blacklisted:
        problems.append(f"note: {blacklisted} signed; botocore normally never signs these")
    return problems


def check_file(path, out=sys.stdout):
    """Check every line of `path`; print a report to `out`; return the exit status."""
    count = mismatches = 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            count += 1
            try:
                rec = json.loads(line)
                problems = check_record(rec) if isinstance(rec, dict) else ["not a JSON object"]
            except json.JSONDecodeError as e:
                problems = [f"not JSON: {e}"]
            if problems:
                mismatches += 1
                print(f"line {number}: MISMATCH", file=out)
                for p in problems:
                    print("  " + p.replace("\n", "\n  "), file=out)
    if count == 0:
        print(f"sigv4_check: {path} holds no requests", file=out)
        return 1
    print(f"sigv4_check: {count} requests, {mismatches} mismatches", file=out)
    return 1 if mismatches else 0


# ---------------------------------------------------------------------------------------------
# Self-test: the checker must accept what botocore signs and refuse what it does not.

# Published AWS examples (SigV4 documentation / aws-sig-v4-test-suite), independent of botocore:
# they pin the frozen-clock mechanism and the botocore call to known signatures.
_KNOWN_ANSWERS = [
    # aws-sig-v4-test-suite "get-vanilla"
    (dict(method="GET", host="example.amazonaws.com", path="/", query="",
          headers={"host": "example.amazonaws.com", "x-amz-date": "20150830T123600Z"},
          body="", amz_date="20150830T123600Z", region="us-east-1", service="service",
          access_key="AKIDEXAMPLE", secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    # SigV4 documentation example: IAM ListUsers
    (dict(method="GET", host="iam.amazonaws.com", path="/",
          query="Action=ListUsers&Version=2010-05-08",
          headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8",
                   "host": "iam.amazonaws.com", "x-amz-date": "20150830T123600Z"},
          body="", amz_date="20150830T123600Z", region="us-east-1", service="iam",
          access_key="AKIDEXAMPLE", secret_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
     "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
]


def _botocore_signed_record(host, target, body, token=None, query="", region="us-east-1"):
    """A record as the C++ side would write it, signed by plain botocore (real clock, no
    patching), the way botocore's own KMS client signs."""
    access_key, secret_key = "AKIDEXAMPLEAEGIS", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    url = f"https://{host}/" + (f"?{query}" if query else "")
    request = AWSRequest(method="POST", url=url, data=body.encode("utf-8"),
                         headers={"Content-Type": "application/x-amz-json-1.1",
                                  "X-Amz-Target": target})
    SigV4Auth(Credentials(access_key, secret_key, token), "kms", region).add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"}
    headers["host"] = host
    return dict(method="POST", host=host, path="/", query=query, headers=headers, body=body,
                amz_date=headers["x-amz-date"], region=region, service="kms",
                access_key=access_key, secret_key=secret_key, token=token,
                authorization=request.headers["Authorization"])


def _run_check(records):
    """check_file on a temporary JSONL file of `records`; returns (status, report)."""
    import io
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for r in records:
            f.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    try:
        out = io.StringIO()
        return check_file(f.name, out), out.getvalue()
    finally:
        os.unlink(f.name)


def self_test():
    failures = []

    def expect(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    for fields, signature in _KNOWN_ANSWERS:
        got = sign(**fields)
        expect(got.authorization.endswith("Signature=" + signature),
               f"known answer {fields['service']} {fields['query'] or fields['path']}: "
               f"{got.authorization}")

    good = [
        _botocore_signed_record("kms.us-east-1.amazonaws.com", "TrentService.Encrypt",
                                '{"KeyId": "alias/aegis-test", "Plaintext": "aGVsbG8="}'),
        _botocore_signed_record("127.0.0.1:8443", "TrentService.Decrypt",
                                '{"CiphertextBlob": "AQID"}', token="FQoGZXIvYXdzE//token+/="),
        _botocore_signed_record("kms.eu-west-1.amazonaws.com", "TrentService.Encrypt",
                                '{"KeyId": "k", "Plaintext": "w7bDpMO8"}', query="b=2&a=1",
                                region="eu-west-1"),
    ]
    status, report = _run_check(good)
    expect(status == 0 and "3 requests, 0 mismatches" in report,
           "botocore-signed requests are accepted" + ("" if status == 0 else "\n" + report))

    def tampered(change):
        rec = json.loads(json.dumps(good[1]))
        change(rec)
        return rec

    cases = {
        "body changed": lambda r: r.update(body=r["body"].replace("AQID", "AQIE")),
        "secret key differs": lambda r: r.update(secret_key="x" + r["secret_key"][1:]),
        "signature flipped": lambda r: r.update(
            authorization=r["authorization"][:-1] + ("0" if r["authorization"][-1] != "0" else "1")),
        "signed header dropped from headers": lambda r: r["headers"].pop("x-amz-target"),
        "token missing from headers": lambda r: r["headers"].pop("x-amz-security-token"),
        "amz_date differs from x-amz-date": lambda r: r.update(amz_date="20200101T000000Z"),
        "host port differs": lambda r: r["headers"].update(host="127.0.0.1:8444"),
        "region differs": lambda r: r.update(region="us-west-2"),
    }
    for name, change in cases.items():
        status, report = _run_check([good[0], tampered(change)])
        expect(status == 1 and "line 2: MISMATCH" in report and "1 mismatches" in report,
               f"refused: {name}")
    status, report = _run_check([good[0], "{not json"])
    expect(status == 1 and "line 2: MISMATCH" in report, "refused: a line that is not JSON")
    status, report = _run_check([])
    expect(status == 1 and "no requests" in report, "refused: empty file")

    print(f"sigv4_check self-test: {len(failures)} failure(s)")
    return 1 if failures else 0


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 1
    if argv[1] == "--self-test":
        return self_test()
    try:
        return check_file(argv[1])
    except OSError as e:
        print(f"sigv4_check: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
