"""Shared by the `aegis serve` tests: start a server by pid, call it, check answers against the
OpenAPI document it serves."""
import contextlib
import hashlib
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

from jsonschema import Draft202012Validator
from jsonschema.validators import RefResolver

from conftest import AEGIS


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def api_key_lines(keys):
    """server.api_keys entries for {key: (actor_id, role)}."""
    return "".join(f"    - {{actor_id: {actor}, role: {role}, key_sha256: \"{sha256(key)}\"}}\n"
                   for key, (actor, role) in keys.items())


def wait_for_port(port, proc):
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"aegis serve exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("aegis serve did not start listening")


@contextlib.contextmanager
def serving(config, db, *extra, scheme="http"):
    """Runs `aegis serve` on a free port; yields its base URL; stops it by its own pid."""
    port = free_port()
    proc = subprocess.Popen([AEGIS, "serve", "--listen", f"127.0.0.1:{port}", "-c", str(config),
                             "--db", db, *extra], stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def call(base, method, path, body=None, key=None, raw=None, headers=None, context=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("Authorization", f"Bearer {key}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=20, context=context) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


class OpenApi:
    """The server's /openapi.json; check() validates one real answer against it."""

    def __init__(self, base):
        status, _, text = call(base, "GET", "/openapi.json")
        assert status == 200
        self.doc = json.loads(text)
        store = {}
        for schema in self.doc["components"]["schemas"].values():
            if "$id" in schema:
                store[schema["$id"]] = schema
        self.resolver = RefResolver(base_uri="", referrer=self.doc, store=store)
        self.seen = set()

    def check(self, method, template, status, text):
        op = self.doc["paths"][template][method.lower()]
        response = op["responses"].get(str(status)) or op["responses"]["default"]
        while "$ref" in response:
            response = self.resolver.resolve(response["$ref"])[1]
        schema = response["content"]["application/json"]["schema"]
        body = json.loads(text)
        errors = list(Draft202012Validator(schema, resolver=self.resolver).iter_errors(body))
        assert not errors, f"{method} {template} {status}: " + "; ".join(
            e.message for e in errors[:3])
        self.seen.add((method.lower(), template))
        return body
