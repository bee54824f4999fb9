"""Telemetry from the command and the server: `evaluate --telemetry-url` (https only, TLS
verified), the config's telemetry_url, and the server's events and dropped-event counter."""
import json
import os
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import AEGIS
from serve_util import api_key_lines, call, free_port, serving, wait_for_port


def start_receiver(context=None):
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if context:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if context else "http"
    return server, f"{scheme}://127.0.0.1:{server.server_address[1]}/events", got


@pytest.fixture
def http_receiver():
    server, url, got = start_receiver()
    yield url, got
    server.shutdown()
    server.server_close()


@pytest.fixture
def https_receiver(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server, url, got = start_receiver(context)
    yield url, got, cert
    server.shutdown()
    server.server_close()


def events(got):
    out = []
    for body in got:
        out.extend(body if isinstance(body, list) else [body])
    return out


def evaluate(*args, env=None, stdin='{"risk_proposed": 0.3, "agent_id": "bot-1"}'):
    return subprocess.run([AEGIS, "evaluate", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)


def test_evaluate_sends_its_events_over_verified_tls(https_receiver):
    url, got, cert = https_receiver
    r = evaluate("--telemetry-url", url, env=dict(os.environ, SSL_CERT_FILE=str(cert)))
    assert r.returncode == 1, r.stderr  # HALT
    d = json.loads(r.stdout)
    evs = events(got)
    made = [e for e in evs if e["event_type"] == "decision.made"]
    assert len(made) == 1 and made[0]["decision_id"] == d["decision_id"]
    assert made[0]["agent_id"] == "bot-1" and made[0]["payload"]["status"] == "halt"
    assert sum(e["event_type"] == "gate.evaluated" for e in evs) == len(d["gate_evaluation"]["gates"])
    # Without the receiver's certificate the peer is not trusted: nothing arrives, the decision
    # is still printed with its usual exit code.
    before = len(got)
    env = {k: v for k, v in os.environ.items() if k != "SSL_CERT_FILE"}
    r = evaluate("--telemetry-url", url, env=env)
    assert r.returncode == 1 and json.loads(r.stdout)["status"] == "halt"
    assert len(got) == before


def test_telemetry_url_must_be_https(http_receiver):
    url, got = http_receiver
    r = evaluate("--telemetry-url", url)
    assert r.returncode == 3 and "--telemetry-url must be https" in r.stderr
    assert r.stdout and "decision_id" not in r.stdout and got == []


def test_config_telemetry_url_and_batch(http_receiver, tmp_path):
    url, got = http_receiver
    (tmp_path / "c.yaml").write_text(
        f"telemetry_url: \"{url}\"\ntelemetry_allow_insecure: true\n")
    batch = tmp_path / "in.jsonl"
    batch.write_text("".join(json.dumps({"risk_proposed": 0.1 * i}) + "\n" for i in range(1, 6)))
    r = subprocess.run([AEGIS, "evaluate", "--batch", str(batch), "-c", str(tmp_path / "c.yaml")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    ids = [json.loads(line)["decision_id"] for line in r.stdout.splitlines()]
    assert all(isinstance(b, list) for b in got)  # batched
    made = [e["decision_id"] for e in events(got) if e["event_type"] == "decision.made"]
    assert made == ids


def test_an_unreachable_receiver_is_reported_not_silent(tmp_path):
    """The first hour: an unreachable --telemetry-url dropped every event with exit 0 and no
    word. The decision is still printed and the exit code is the decision's."""
    port = free_port()  # nothing listens there
    (tmp_path / "c.yaml").write_text(
        f"telemetry_url: \"http://127.0.0.1:{port}/events\"\ntelemetry_allow_insecure: true\n")
    r = subprocess.run([AEGIS, "evaluate", "-c", str(tmp_path / "c.yaml")],
                       input='{"risk_proposed":0.9}', capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and json.loads(r.stdout)["status"] == "halt"
    warnings = [line for line in r.stderr.splitlines() if "telemetry" in line]
    assert len(warnings) == 1 and "could not be delivered" in warnings[0], r.stderr


def test_server_events_and_dropped_counter(http_receiver, tmp_path):
    url, got = http_receiver
    key = "k-telemetry-admin"
    config = tmp_path / "c.yaml"
    config.write_text(
        f"telemetry_url: \"{url}\"\ntelemetry_allow_insecure: true\n"
        "server:\n  api_keys:\n" + api_key_lines({key: ("ops", "admin")})
        + "custodians:\n  - {actor_id: rl, role: risk_lead, public_key: "
        "\"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\"}\n")
    with serving(config, f"sqlite:{tmp_path / 's.db'}") as base:
        status, _, body = call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.3}, key=key)
        assert status == 200
        decision_id = json.loads(body)["decision_id"]
        status, _, body = call(base, "POST", "/v1/overrides",
                               {"proposal_id": "p1", "justification": "j",
                                "failed_gates": ["complexity"]}, key=key)
        assert status == 201
    # Stopping the server flushed its batch sink.
    evs = events(got)
    assert any(e["event_type"] == "decision.made" and e["decision_id"] == decision_id for e in evs)
    kinds = [e["event_type"] for e in evs if e["event_type"].startswith("override.")]
    assert kinds == ["override.requested", "override.rejected"]

    # A receiver that is gone: decisions are unaffected, the loss is counted.
    config.write_text(config.read_text().replace(url, f"http://127.0.0.1:{free_port()}/x"))
    with serving(config, f"sqlite:{tmp_path / 's2.db'}") as base:
        for _ in range(120):  # more than one batch of 100 events
            assert call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.3}, key=key)[0] == 200
        for _ in range(1200):  # a generous bound: only a sink that never counts reaches it
            metrics = call(base, "GET", "/metrics", key=key)[2]
            line = [x for x in metrics.splitlines()
                    if x.startswith("aegis_telemetry_events_dropped_total")]
            if line and float(line[0].split()[-1]) > 0:
                break
            time.sleep(0.1)
        assert line and float(line[0].split()[-1]) >= 100


def test_serve_logs_the_first_lost_event_and_the_total(tmp_path):
    """The first hour: a telemetry sink that cannot deliver said nothing in serve's log."""
    key = "k-telemetry-loss"
    config = tmp_path / "c.yaml"
    config.write_text(f"telemetry_url: \"http://127.0.0.1:{free_port()}/x\"\n"
                      "telemetry_allow_insecure: true\n"
                      "server:\n  api_keys:\n" + api_key_lines({key: ("ops", "admin")}))
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "w") as err:
        proc = subprocess.Popen([AEGIS, "serve", "--listen", f"127.0.0.1:{port}", "-c", str(config),
                                 "--db", f"sqlite:{tmp_path / 's.db'}"], stderr=err)
        try:
            wait_for_port(port, proc)
            base = f"http://127.0.0.1:{port}"
            for _ in range(101):  # one batch of 100 events and more
                assert call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.3}, key=key)[0] == 200
            for _ in range(1200):  # waits for the line; only a server that never says it times out
                if "could not be delivered so far" in log.read_text():
                    break
                time.sleep(0.1)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    lines = [line for line in log.read_text().splitlines() if "telemetry" in line]
    assert len(lines) == 2, lines
    assert "so far" in lines[0] and "aegis_telemetry_events_dropped_total" in lines[0]
    assert "in all" in lines[1]
    assert int(lines[1].split("telemetry: ")[1].split()[0]) >= int(lines[0].split("telemetry: ")[1].split()[0])


def test_gate_sends_telemetry_and_mcp_says_it_does_not(http_receiver, tmp_path):
    """A config's telemetry_url was silently ignored by `aegis gate -c` and `aegis mcp -c`."""
    url, got = http_receiver
    config = tmp_path / "c.yaml"
    config.write_text(f"telemetry_url: \"{url}\"\ntelemetry_allow_insecure: true\n")
    r = subprocess.run([AEGIS, "gate", "-c", str(config), "--format", "json"],
                       input='{"risk_proposed":0.9}', capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    decision_id = json.loads(r.stdout)["decision_id"]
    assert any(e["event_type"] == "decision.made" and e["decision_id"] == decision_id
               for e in events(got))
    r = subprocess.run([AEGIS, "mcp", "-c", str(config)], input="", capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and "sends no telemetry" in r.stderr, r.stderr
