"""`aegis gate` and the composite action: every outcome classified, against a real `aegis serve`
and a local stub that answers what a broken or hostile service would."""
import http.server
import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from conftest import AEGIS, SOURCE
from serve_util import api_key_lines, serving

KEY = "aegis_gate_test_key_4f9d2c"
PROCEED = {"risk_baseline": 0.1, "risk_proposed": 0.1, "novelty_score": 0.9}
HALT = {"risk_proposed": 0.3}
PAUSE = PROCEED | {"requires_human_approval": True}
ESCALATE = {"risk_proposed": 0.3, "estimated_impact": "high"}


class Stub:
    """An HTTP service on 127.0.0.1 answering POST /v1/evaluate from a script of replies:
    (status, body, headers), "drop" (close without answering) or "hang" (never answer). The last
    reply repeats. Records each request's time and headers."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.requests = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                self.rfile.read(length)
                stub.requests.append((time.monotonic(), self.path, dict(self.headers)))
                reply = stub.replies[min(len(stub.requests), len(stub.replies)) - 1]
                if reply == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if reply == "hang":
                    time.sleep(30)
                    return
                status, body, headers = reply
                data = body if isinstance(body, bytes) else (
                    body.encode() if isinstance(body, str) else json.dumps(body).encode())
                self.send_response(status)
                if "Content-Type" not in headers:
                    self.send_header("Content-Type", "application/json")
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def decision(status, decision_id="d-1"):
    return {"status": status, "decision_id": decision_id, "rationale": "because",
            "failing_gates": [], "next_steps": []}


def gate(tmp_path, *args, context=PROCEED, env=None, timeout=60):
    path = tmp_path / "context.json"
    path.write_text(json.dumps(context))
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("GITHUB_ACTIONS", "AEGIS_API_KEY", "GITHUB_OUTPUT",
                             "GITHUB_STEP_SUMMARY")}
    full_env.update(env or {})
    return subprocess.run([AEGIS, "gate", "-i", str(path), *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    d = tmp_path_factory.mktemp("gate-serve")
    (d / "aegis.yaml").write_text("server:\n  api_keys:\n"
                                  + api_key_lines({KEY: ("ci-bot", "proposer")}))
    with serving(d / "aegis.yaml", f"sqlite:{d / 'serve.db'}") as base:
        yield base


@pytest.mark.parametrize("context,status,code", [(PROCEED, "proceed", 0), (HALT, "halt", 1),
                                                 (PAUSE, "pause", 2), (ESCALATE, "escalate", 2)])
def test_a_real_service_decides_and_the_exit_code_follows(service, tmp_path, context, status, code):
    r = gate(tmp_path, "--url", service, "--format", "json", context=context,
             env={"AEGIS_API_KEY": KEY})
    assert r.returncode == code, r.stdout + r.stderr
    v = json.loads(r.stdout)
    assert v["status"] == status and v["exit_code"] == code and v["attempts"] == 1
    assert v["decision"]["decision_id"] == v["decision_id"]
    # The same context decided here gives the same status.
    local = gate(tmp_path, "--format", "json", context=context)
    assert local.returncode == code and json.loads(local.stdout)["status"] == status


def test_a_wrong_or_missing_key_is_rejected_not_retried(service, tmp_path):
    for env in ({"AEGIS_API_KEY": "not-the-key"}, {}):
        r = gate(tmp_path, "--url", service, "--format", "json", env=env)
        assert r.returncode == 5, r.stdout
        v = json.loads(r.stdout)
        assert v["http_status"] == 401 and v["attempts"] == 1 and v["status"] is None


@pytest.mark.parametrize("reply,code,outcome", [
    ((200, decision("HALT"), {}), 1, "halt"),
    ((200, decision("Proceed"), {}), 0, "proceed"),
    ((200, decision("ESCALATE"), {}), 2, "review"),
    ((200, {"decision_id": "d-1"}, {}), 7, "malformed"),
    ((200, decision("maybe"), {}), 7, "malformed"),
    ((200, {"status": 1}, {}), 7, "malformed"),
    ((200, "<html>ok</html>", {}), 7, "malformed"),
    ((200, ["proceed"], {}), 7, "malformed"),
    ((200, {"status": "proceed", "decision_id": 5}, {}), 7, "malformed"),
    # An id that would write another line into $GITHUB_OUTPUT, or break out of markup.
    ((200, {"status": "halt", "decision_id": "x\nstatus=proceed"}, {}), 7, "malformed"),
    ((200, {"status": "proceed", "decision_id": "a`b"}, {}), 7, "malformed"),
    ((200, {"status": "proceed", "decision_id": ""}, {}), 7, "malformed"),
    # Read strictly: a proxy reading the first of two keys would see HALT.
    ((200, '{"status":"halt","status":"proceed","decision_id":"d-1"}', {}), 7, "malformed"),
    ((200, '{"status":"proceed","decision_id":"d-1","x":{"a":1,"a":2}}', {}), 7, "malformed"),
    ((200, b'\xef\xbb\xbf{"status":"proceed","decision_id":"d-1"}', {}), 7, "malformed"),
    ((200, '{"status":"proceed","decision_id":"d-1"} {}', {}), 7, "malformed"),
    ((200, '{"status":"proceed","decision_id":"d-1"}\x00', {}), 7, "malformed"),
    ((200, {"status": "proceed"}, {}), 7, "malformed"),
    ((200, decision("proceed"), {"Content-Type": "text/html"}), 7, "malformed"),
    ((200, decision("proceed"), {"Content-Type": "application/jsonx"}), 7, "malformed"),
    ((200, decision("proceed"), {"Content-Type": "Application/JSON; charset=utf-8"}), 0,
     "proceed"),
    ((500, {"error": {"code": "internal", "message": "boom"}}, {}), 5, "rejected"),
    ((501, "", {}), 5, "rejected"),
    ((400, {"error": {"code": "invalid_input", "field": "risk", "message": "bad"}}, {}), 5,
     "rejected"),
    ((404, "", {}), 5, "rejected"),
    ((302, "", {"Location": "http://127.0.0.1:1/v1/evaluate"}), 5, "rejected"),
])
def test_every_answer_is_classified(tmp_path, reply, code, outcome):
    with Stub([reply]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--format", "json", "--retries", "2")
    assert r.returncode == code, r.stdout + r.stderr
    v = json.loads(r.stdout)
    assert v["outcome"] == outcome
    assert len(stub.requests) == 1  # none of these is retried
    assert stub.requests[0][1] == "/v1/gate"
    if code == 5 and reply[0] in (400, 500):
        assert reply[1]["error"]["message"] in v["detail"]


@pytest.mark.parametrize("reply", [(503, "", {}), (502, "", {}), (504, "", {}), (429, "", {}),
                                   "drop"])
def test_unavailable_is_retried_then_fails_closed(tmp_path, reply):
    with Stub([reply]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--format", "json", "--retries", "2")
    assert r.returncode == 6, r.stdout + r.stderr
    assert len(stub.requests) == 3  # the first attempt and two retries
    v = json.loads(r.stdout)
    assert v["outcome"] == "unavailable" and v["attempts"] == 3
    # The backoff doubles: read from what gate says it waits, not from the clock (a loaded
    # machine stretches the gaps, never what was asked for).
    waits = [float(line.split("retrying in ")[1].split()[0])
             for line in r.stderr.splitlines() if "retrying in" in line]
    assert waits == [0.5, 1.0], r.stderr


def test_a_retry_that_succeeds_gives_its_decision(tmp_path):
    with Stub([(503, "", {}), "drop", (200, decision("proceed"), {})]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--format", "json")
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["attempts"] == 3 and len(stub.requests) == 3


def test_each_retry_is_said_on_stderr(tmp_path):
    """The first hour: gate retried for up to 30 s without a line."""
    with Stub([(503, "", {}), (502, "", {}), (200, decision("proceed"), {})]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--format", "json")
    assert r.returncode == 0, r.stdout
    lines = [line for line in r.stderr.splitlines() if "retrying in" in line]
    assert len(lines) == 2 and "attempt 1 failed (HTTP 503)" in lines[0], r.stderr
    assert "attempt 2 failed (HTTP 502)" in lines[1]


def test_retry_after_is_honoured(tmp_path):
    with Stub([(429, "", {"Retry-After": "2"}), (200, decision("halt"), {})]) as stub:
        r = gate(tmp_path, "--url", stub.url)
    assert r.returncode == 1, r.stdout
    assert stub.requests[1][0] - stub.requests[0][0] >= 1.9


def test_the_timeout_bounds_the_whole_run(tmp_path):
    # The service never answers: gate ends by itself (the generous bound of the subprocess is
    # only reached by a gate that waits for the service), having tried again within --timeout.
    with Stub(["hang"]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--timeout", "8", "--format", "json", timeout=120)
    assert r.returncode == 6
    assert len(stub.requests) >= 2  # the hung attempt did not take the whole timeout
    # A service that hangs once and then answers gives its decision.
    with Stub(["hang", (200, decision("proceed"), {})]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--timeout", "8", "--format", "json", timeout=120)
    assert r.returncode == 0 and json.loads(r.stdout)["attempts"] == 2
    # A Retry-After beyond the timeout is not waited for.
    with Stub([(429, "", {"Retry-After": "120"})]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--timeout", "3", "--format", "json", timeout=120)
    assert r.returncode == 6 and len(stub.requests) == 1
    assert "retry after 120" in json.loads(r.stdout)["detail"]


def test_on_unavailable_pass_turns_only_unavailable_into_success(tmp_path):
    with Stub([(503, "", {})]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--retries", "0", "--on-unavailable", "pass")
    assert r.returncode == 0
    assert "WARNING" in r.stderr and "PASSING WITHOUT A DECISION" in r.stdout
    for reply, code in [((500, "", {}), 5), ((200, {}, {}), 7), ((200, decision("halt"), {}), 1)]:
        with Stub([reply]) as stub:
            r = gate(tmp_path, "--url", stub.url, "--retries", "0", "--on-unavailable", "pass")
        assert r.returncode == code


def test_tls_failures_are_rejected_even_when_unavailable_may_pass(tmp_path):
    # https to a service that speaks plain http: the handshake fails; not retried, not passed.
    with Stub([(200, decision("proceed"), {})]) as stub:
        r = gate(tmp_path, "--url", stub.url.replace("http:", "https:"), "--format", "json",
                 "--on-unavailable", "pass")
    assert r.returncode == 5, r.stdout + r.stderr
    v = json.loads(r.stdout)
    assert v["outcome"] == "rejected" and v["detail"].startswith("TLS: ") and v["attempts"] == 1


def test_plain_http_never_goes_through_a_proxy(tmp_path):
    # A proxy from the environment would see the key in clear: the gate goes straight to the
    # loopback service and the proxy gets nothing.
    with Stub([(502, "", {})]) as proxy, Stub([(200, decision("halt"), {})]) as stub:
        r = gate(tmp_path, "--url", stub.url, env={
            "http_proxy": proxy.url, "HTTP_PROXY": proxy.url, "ALL_PROXY": proxy.url,
            "no_proxy": "", "NO_PROXY": "", "AEGIS_API_KEY": KEY})
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(stub.requests) == 1 and not proxy.requests


def test_service_text_cannot_start_a_workflow_command_or_markup(tmp_path):
    out, summary = tmp_path / "out.txt", tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary)}
    hostile = decision("halt", "d-7") | {
        "rationale": "see [here](https://evil.example) `x` ![i](https://evil.example/i.png)\n"
                     "::stop-commands::t0ken\r\n::add-mask::secret",
        "next_steps": ["one\n::warning::fake", "# heading *bold*"]}
    with Stub([(200, hostile, {})]) as stub:
        r = gate(tmp_path, "--url", stub.url, env=env)
    assert r.returncode == 1
    commands = [line for line in r.stdout.splitlines() if line.startswith("::")]
    assert len(commands) == 1 and commands[0].startswith("::error title=")  # our one annotation
    md = summary.read_text()
    assert "](" not in md.replace("\\](", "") and "\\[here\\]\\(" in md and "\\`x\\`" in md
    assert "\n::" not in md and "\\# heading \\*bold\\*" in md
    assert dict(line.split("=", 1) for line in out.read_text().splitlines())["status"] == "halt"


def test_bad_input_and_usage_are_exit_3_and_nothing_is_sent(tmp_path):
    with Stub([(200, decision("proceed"), {})]) as stub:
        path = tmp_path / "broken.json"
        path.write_text("{not json")
        r = subprocess.run([AEGIS, "gate", "-i", str(path)], capture_output=True, text=True)
        assert r.returncode == 3
        assert gate(tmp_path, "--url", "http://example.com").returncode == 3  # key in clear
        assert gate(tmp_path, "--url", "ftp://127.0.0.1/").returncode == 3
        assert gate(tmp_path, "--url", stub.url, "--retries", "-1").returncode == 3
        assert gate(tmp_path, "--url", stub.url, "--on-unavailable", "maybe").returncode == 3
        assert gate(tmp_path, "--url", stub.url, "-c", "x.yaml").returncode == 3
        r = subprocess.run([AEGIS, "gate", "-i", str(path), "--url", stub.url],
                           capture_output=True, text=True)
        assert r.returncode == 3 and json.loads(r.stdout)["error"]["detail"] == "json.syntax"
        r = gate(tmp_path, "--url", stub.url, context=[PROCEED])
        assert r.returncode == 3 and json.loads(r.stdout)["error"]["detail"] == "json.not_object"
        assert not stub.requests
    r = gate(tmp_path, "--format", "json", context={"risk_proposed": 2})
    assert r.returncode == 3 and "risk_proposed" in r.stdout


def test_github_actions_summary_outputs_annotations_and_the_key_stays_secret(tmp_path):
    out, summary = tmp_path / "out.txt", tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary),
           "AEGIS_API_KEY": KEY}
    halted = decision("halt", "d-42") | {"failing_gates": ["risk"],
                                         "rationale": "risk <b>high</b> | 100%\nsecond line",
                                         "next_steps": ["lower the risk"]}
    with Stub([(200, halted, {})]) as stub:
        r = gate(tmp_path, "--url", stub.url, env=env)
    assert r.returncode == 1
    assert stub.requests[0][2]["Authorization"] == f"Bearer {KEY}"
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["status"] == "halt" and outputs["decision_id"] == "d-42"
    assert outputs["outcome"] == "halt" and outputs["exit_code"] == "1"
    md = summary.read_text()
    assert "## AEGIS gate: HALT" in md and "`d-42`" in md and "lower the risk" in md
    assert "<b>" not in md and "&lt;b&gt;" in md and "\\|" in md
    error = [line for line in r.stdout.splitlines() if line.startswith("::error")]
    assert len(error) == 1 and "100%25" in error[0] and "%0Asecond line" in error[0]
    for text in (r.stdout, r.stderr, md, out.read_text()):
        assert KEY not in text
    # Unavailable and passed: a warning, an empty status.
    out.write_text("")
    with Stub([(503, "", {})]) as stub:
        r = gate(tmp_path, "--url", stub.url, "--retries", "0", "--on-unavailable", "pass", env=env)
    assert r.returncode == 0
    assert any(line.startswith("::warning") for line in r.stdout.splitlines())
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    assert outputs["status"] == "" and outputs["outcome"] == "unavailable"
    assert outputs["exit_code"] == "0"


def run_action(tmp_path, inputs):
    """Runs action.yml's composite steps the way Actions does: `${{ inputs.x }}` replaced by the
    input (or its default) in env, bash with -eo pipefail, GITHUB_* files set."""
    action = yaml.safe_load((SOURCE / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    values = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    values.update(inputs)
    for name, spec in action["inputs"].items():
        if spec.get("required"):
            assert name in inputs
    out, summary = tmp_path / "gh-output", tmp_path / "gh-summary"
    out.write_text("")
    env = {"PATH": os.environ["PATH"], "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(out),
           "GITHUB_STEP_SUMMARY": str(summary)}
    code = 0
    for step in action["runs"]["steps"]:
        step_env = dict(env)
        for k, v in step.get("env", {}).items():
            for name, value in values.items():
                v = v.replace("${{ inputs." + name + " }}", value)
            assert "${{" not in v, v
            step_env[k] = v
        assert "${{" not in step["run"]  # inputs never pasted into the script
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                               step["run"]], env=step_env, capture_output=True, text=True,
                              timeout=60)
        code = proc.returncode
        if code:
            break
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    return code, outputs, proc


def test_the_action_runs_its_steps_against_real_and_stub_services(service, tmp_path):
    context = tmp_path / "change.json"
    context.write_text(json.dumps(HALT))
    base = {"context": str(context), "aegis": AEGIS}
    code, outputs, _ = run_action(tmp_path, base | {"url": service, "api-key": KEY})
    assert code == 1 and outputs["status"] == "halt" and outputs["decision_id"]
    context.write_text(json.dumps(PROCEED))
    code, outputs, _ = run_action(tmp_path, base | {"url": service, "api-key": KEY})
    assert code == 0 and outputs["status"] == "proceed"
    code, outputs, _ = run_action(tmp_path, base)  # no url: decided on the runner
    assert code == 0 and outputs["status"] == "proceed"
    cases = [([(503, "", {})], {}, 6), ([(503, "", {})], {"on-unavailable": "pass"}, 0),
             ([(500, "", {})], {}, 5), ([(500, "", {})], {"on-unavailable": "pass"}, 5),
             ([(429, "", {"Retry-After": "0"})], {}, 6), ([(200, decision("HALT"), {})], {}, 1),
             ([(200, decision("Proceed"), {})], {}, 0), ([(200, {"decision_id": "x"}, {})], {}, 7),
             (["drop"], {}, 6)]
    for replies, extra, want in cases:
        with Stub(replies) as stub:
            code, outputs, proc = run_action(tmp_path, base | {"url": stub.url, "api-key": KEY}
                                             | extra)
        assert code == want, (replies, extra, proc.stdout, proc.stderr)
        assert KEY not in proc.stdout + proc.stderr
    # A context path that tries to inject a command is only a path.
    marker = tmp_path / "injected"
    code, _, _ = run_action(tmp_path, base | {"context": f"x.json\"; touch {marker}; echo \""})
    assert code == 3 and not marker.exists()
