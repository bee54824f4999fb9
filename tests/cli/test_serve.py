"""`aegis serve`: auth, RBAC per route, limits, the evaluate/decisions/risk-check/AFA routes."""
import json
import signal
import subprocess
import threading
import time

import pytest

import serve_util
from conftest import AEGIS
from serve_util import api_key_lines, free_port, serving

KEYS = {"proposer": "aegis_test_proposer_key", "analyst": "aegis_test_analyst_key",
        "limited": "aegis_test_limited_key"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("serve")
    (d / "aegis.yaml").write_text(
        "server:\n  rate_limit_per_minute: 600\n  max_body_bytes: 65536\n  api_keys:\n"
        + api_key_lines({KEYS["proposer"]: ("ci-bot", "proposer"),
                         KEYS["analyst"]: ("model-7", "analyst")}))
    with serving(d / "aegis.yaml", f"sqlite:{d / 'serve.db'}") as base:
        yield base, d


def call(base, method, path, body=None, key="proposer", raw=None, headers=None):
    return serve_util.call(base, method, path, body, key=KEYS.get(key, key) if key else None,
                           raw=raw, headers=headers)


def test_evaluate_is_stored_and_retrievable(server, validate):
    base, _ = server
    status, headers, body = call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.3})
    assert status == 200, body
    d = json.loads(body)
    validate(d, "decision.schema.json")
    assert d["status"] == "halt"
    assert headers["X-AEGIS-Version"] and headers["X-Request-Id"]
    assert int(headers["X-AEGIS-Rate-Remaining"]) >= 0
    status, _, got = call(base, "GET", f"/v1/decisions/{d['decision_id']}")
    assert status == 200 and json.loads(got) == d
    status, _, listed = call(base, "GET", "/v1/decisions?limit=1000")
    assert d["decision_id"] in [x["decision_id"] for x in json.loads(listed)["decisions"]]
    assert call(base, "POST", "/evaluate", {"risk_proposed": 0.1})[0] == 200  # alias


def test_auth_and_rbac(server):
    base, _ = server
    assert call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.3}, key=None)[0] == 401
    status, _, body = call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.3}, key="wrong")
    assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"
    status, _, body = call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.3}, key="analyst")
    assert status == 403 and json.loads(body)["error"]["code"] == "forbidden"
    assert call(base, "GET", "/v1/decisions", key="analyst")[0] == 200  # analysts may read


@pytest.mark.parametrize("raw,code", [
    (b"{not json", 400),
    (b"[1]", 400),
    (b'{"risk_proposed": "NaN"}', 400),
    (b'{"risk_proposed": 1.5}', 422),
    (b'{"risk_propsed": 0.1}', 400),
    (b'{"agent_id": "\xc3\x28"}', 400),
    (b'{"metadata":' + b'{"a":' * 100 + b'1' + b'}' * 101, 400),
])
def test_bad_input_is_4xx_and_the_server_keeps_serving(server, raw, code):
    base, _ = server
    status, _, body = call(base, "POST", "/v1/evaluate", raw=raw)
    assert status == code, body
    assert "proceed" not in body
    assert call(base, "GET", "/health", key=None)[0] == 200


def test_oversize_body_is_413(server):
    base, _ = server
    status, _, _ = call(base, "POST", "/v1/evaluate", raw=b'{"x":"' + b"a" * 70000 + b'"}')
    assert status == 413


def test_batch_risk_check_afa_health_metrics(server):
    base, _ = server
    status, _, body = call(base, "POST", "/v1/evaluate/batch",
                           [{"risk_proposed": 0.3}, {"risk_proposed": 9}, {"novelty_score": 0.9}])
    out = json.loads(body)
    assert status == 200 and len(out) == 3
    assert out[0]["status"] == "halt" and out[1]["error"]["field"] == "risk_proposed"
    ndjson = b'{"risk_proposed":0.3}\n{"risk_proposed":0.1}\n'
    assert len(json.loads(call(base, "POST", "/v1/evaluate/batch", raw=ndjson)[2])) == 2
    status, _, body = call(base, "POST", "/v1/risk-check",
                           {"action_description": "restart pod", "risk_score": 0.2})
    assert status == 200 and json.loads(body) == {"safe": True, "risk_score": 0.2, "threshold": 0.5}
    assert call(base, "POST", "/v1/risk-check", {"risk_score": 0.2})[0] == 422
    status, _, body = call(base, "POST", "/v1/afa/decide",
                           {"request_id": "r1", "candidate_id": "c", "function_name": "f",
                            "metrics": {"risk_proposed": 0.3}})
    assert status == 200 and json.loads(body)["approved"] is False
    status, _, body = call(base, "GET", "/health", key=None)
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert call(base, "GET", "/metrics", key=None)[0] == 401
    status, _, metrics = call(base, "GET", "/metrics", key="analyst")
    assert status == 200 and "aegis_http_requests_total" in metrics
    assert 'aegis_decisions_total{phase="plan",shadow="false",status="halt"}' in metrics
    assert call(base, "GET", "/v1/decisions/ffffffff-0000-4000-8000-000000000000")[0] == 404
    assert call(base, "GET", "/no/such/route/123", key=None)[0] == 404
    metrics = call(base, "GET", "/metrics", key="analyst")[2]
    assert "/no/such/route" not in metrics and 'route="other"' in metrics


def test_audit_chain_of_served_decisions_verifies(server):
    _, d = server
    r = subprocess.run([AEGIS, "audit", "verify", "--db", f"sqlite:{d / 'serve.db'}"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["entries"] >= 3


def test_rate_limit_429_with_retry_after(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "server:\n  rate_limit_per_minute: 3\n  api_keys:\n"
        + api_key_lines({KEYS["limited"]: ("slow", "proposer")}))
    with serving(tmp_path / "c.yaml", f"sqlite:{tmp_path / 'r.db'}") as base:
        codes = [call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.1}, key="limited")[0]
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        status, headers, body = call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.1}, key="limited")
        assert status == 429 and int(headers["Retry-After"]) >= 1
        assert json.loads(body)["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("setting,field", [
    ("max_body_bytes: -1", "server.max_body_bytes"),
    ("max_body_bytes: 0", "server.max_body_bytes"),
    ("rate_limit_per_minute: -5", "server.rate_limit_per_minute"),
])
def test_bad_server_settings_are_refused_naming_the_field(tmp_path, setting, field):
    (tmp_path / "c.yaml").write_text(f"server:\n  {setting}\n")
    r = subprocess.run([AEGIS, "serve", "--listen", f"127.0.0.1:{free_port()}", "-c",
                        str(tmp_path / "c.yaml"), "--db", f"sqlite:{tmp_path / 'x.db'}"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert field in r.stderr
    assert not (tmp_path / "x.db").exists()


def test_sigterm_drains_in_flight_requests_and_keeps_what_was_answered(tmp_path):
    (tmp_path / "c.yaml").write_text(
        "server:\n  rate_limit_per_minute: 0\n  api_keys:\n"
        + api_key_lines({KEYS["proposer"]: ("ci-bot", "proposer")}))
    port = free_port()
    proc = subprocess.Popen([AEGIS, "serve", "--listen", f"127.0.0.1:{port}", "-c",
                             str(tmp_path / "c.yaml"), "--db", f"sqlite:{tmp_path / 'd.db'}"],
                            stderr=subprocess.DEVNULL)
    serve_util.wait_for_port(port, proc)
    base = f"http://127.0.0.1:{port}"
    answered, lock = [], threading.Lock()

    def client():
        for _ in range(200):
            try:
                status, _, body = call(base, "POST", "/v1/evaluate", {"risk_proposed": 0.2})
            except OSError:
                return  # the server has stopped accepting
            if status == 200:
                with lock:
                    answered.append(json.loads(body)["decision_id"])

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    while len(answered) < 50:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)  # by the pid we started
    for t in threads:
        t.join()
    assert proc.wait(timeout=20) == 0
    # Every answered decision is in the chain, and the chain is intact.
    r = subprocess.run([AEGIS, "audit", "export", "--db", f"sqlite:{tmp_path / 'd.db'}"],
                       capture_output=True, text=True)
    stored = {json.loads(line)["id"] for line in r.stdout.splitlines()}
    assert len(answered) >= 50 and set(answered) <= stored
    r = subprocess.run([AEGIS, "audit", "verify", "--db", f"sqlite:{tmp_path / 'd.db'}"],
                       capture_output=True, text=True)
    assert r.returncode == 0 and json.loads(r.stdout)["entries"] == len(stored)


def test_serve_without_an_api_key_says_how_to_add_one(tmp_path):
    """The first hour: serve without server.api_keys started normally, then answered 401 to
    everything."""
    port = free_port()
    proc = subprocess.Popen([AEGIS, "serve", "--listen", f"127.0.0.1:{port}",
                             "--db", f"sqlite:{tmp_path / 'k.db'}"],
                            stderr=subprocess.PIPE, text=True)
    try:
        serve_util.wait_for_port(port, proc)
        assert call(f"http://127.0.0.1:{port}", "POST", "/v1/evaluate", {})[0] == 401
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert "no API key is configured" in err and "aegis apikey new" in err, err
