"""One strict JSON reading on every surface (issue 10): the context fuzzer's seed corpus and a list
of hostile bodies go through `aegis evaluate`, POST /v1/evaluate, the MCP tool
aegis_evaluate_proposal (stdio and streamable HTTP) and POST /v1/afa/decide. Each must give the
same decision status or the same error `detail`, apart from these documented differences:
- MCP takes no CLI aliases (risk, risk_base, ..., risk_score are unknown fields there);
- AFA sets agent_id, session_id, phase, proposal_summary and metadata itself (afa.fixed_field
  when the metrics carry them), takes context fields only (no aliases, no `shadow` or
  `drift_baseline_data`) and calls a non-object `metrics` afa.wrong_type;
- a body that is not one complete JSON value changes meaning when it is embedded in an envelope,
  so there MCP and AFA only have to refuse it as malformed JSON.
"""
import json
import subprocess
from pathlib import Path

import pytest

import serve_util
from conftest import AEGIS, SOURCE
from serve_util import api_key_lines, free_port, serving

ALIASES = {"risk", "risk_base", "profit", "profit_base", "novelty", "complexity", "quality",
           "risk_score"}
AFA_FIXED = {"agent_id", "session_id", "phase", "proposal_summary", "metadata"}
REQUEST_FIELDS = {"shadow", "drift_baseline_data"}
STRUCTURAL = {"json.syntax", "json.invalid_utf8", "json.too_deep", "json.duplicate_key",
              "json.number_out_of_range", "json.empty", "json.too_large"}


def nest(depth):
    """A metadata value nested so that the whole context has `depth` containers."""
    return b'{"metadata":' + b'{"a":' * (depth - 2) + b"{}" + b"}" * (depth - 2) + b"}"


HOSTILE = [
    b'{"proposal_summary":"x","risk_proposed":0.9,"risk_baseline":0.2,"novelty_score":0.9,'
    b'"complexity_score":0.9,"quality_score":0.9,"risk_proposed":0.01}',
    b'{"risk_proposed":0.1,"metadata":{"k":1,"k":2}}',
    b'{"utility":{"expected_benefit":1,"expected_benefit":2}}',
    b'{"risk_proposed":0.1,"Risk_proposed":0.2}',
    b'{"risk_proposed":NaN}', b'{"risk_proposed":Infinity}', b'{"risk_proposed":-Infinity}',
    b'{"risk_proposed":nan}', b'{"agent_id":"\xc3\x28"}', b'{"\xff":1}', b'{"a":"\xed\xa0\x80"}',
    b'{"agent_id":"\\ud800"}', b'{"agent_id":"\\udc00x"}', nest(64), nest(65), nest(200),
    b'{"risk_proposed":1e400}', b'{"risk_proposed":-1e400}', b'{"risk_proposed":1e-400}',
    b'{"profit_proposed":123456789012345678901234567890}', b'{"profit_proposed":-0}',
    b'{"profit_baseline":1e308,"profit_proposed":-1e308}',
    b'{"profit_baseline":0,"profit_proposed":-1.7976931348623157e308}',
    b'\xef\xbb\xbf{"risk_proposed":0.1}', b'{"risk_proposed":0.1} x', b'{}{}', b'{}\x00',
    b'[]', b'"x"', b'null', b'1', b'[{"risk_proposed":0.1}]',
    b'{"zz":1,"aa":2}', b'{"aa":2,"zz":1}', b'{"risk_proposed":"0.3"}', b'{"reversible":1}',
    b'{"risk_proposed":1.5}', b'{"risk_proposed":-0.1}', b'{"quality_subscores":[0.5,"x"]}',
    b'{"utility":{"n_samples":"x","expected_benefit":"y"}}',
    b'{"utility":{"zeta":1,"alpha":2,"expected_benefit":1}}',
    b'{"utility":{"expected_benefit":1,"n_samples":2.0}}',
    b'{"risk":0.3}', b'{"risk":0.1,"risk_proposed":0.2}', b'{"risk_score":0.2,"novelty":0.9}',
    b'{"agent_id":"a\tb"}', b'{"agent_id":"a\nb"}', b'{"":1}', b'{"shadow":true}',
    b'{"shadow":"yes"}', b'{"drift_baseline_data":[0.1,0.2]}',
    b'{"risk_proposed":0.3,"drift_baseline_data":' + json.dumps([0.3] * 40).encode() + b'}',
    b'{"estimated_impact":"High"}', b'{"phase":"deploy"}', b'{"change_type":"feature"}',
    b'{"metadata":[]}', b'{"metadata":{"change_type":"x"},"change_type":"bugfix"}',
    b'{"risk_proposed":0.3,"estimated_impact":"critical","reversible":false}',
    b'{"novelty_score":0.95,"complexity_score":0.9,"quality_score":0.95}',
    b'  \n\t{"risk_proposed":0.2}\n  ', b'{"risk_proposed":0.2,}', b'{"risk_proposed" 0.2}',
    b'{"risk_proposed":01}', b'{"risk_proposed":.5}', b'{"risk_proposed":1.}',
]


def inputs():
    corpus = sorted((SOURCE / "fuzz" / "corpus").iterdir())
    return [(p.name, p.read_bytes()) for p in corpus] + [
        (f"hostile-{i}", raw) for i, raw in enumerate(HOSTILE)]


NOT_ONE_VALUE = object()


def complete_value(raw):
    """The input as one complete JSON value (Python's reading, lenient about duplicates and
    UTF-8), or NOT_ONE_VALUE."""
    text = raw.decode("utf-8", "surrogateescape")
    stripped = text.strip(" \t\r\n")
    if not stripped or text.startswith("\ufeff"):
        return NOT_ONE_VALUE
    try:
        value, end = json.JSONDecoder().raw_decode(stripped)
    except (ValueError, RecursionError):
        return NOT_ONE_VALUE
    return value if end == len(stripped) else NOT_ONE_VALUE


def outcome_of_decision_or_error(body):
    j = json.loads(body)
    if "error" in j:
        return ("error", j["error"]["detail"])
    return ("status", j["status"])


def cli_outcome(raw):
    r = subprocess.run([AEGIS, "evaluate"], input=raw, capture_output=True, timeout=60)
    assert r.returncode in (0, 1, 2, 3), (raw[:80], r.returncode, r.stdout, r.stderr)
    return outcome_of_decision_or_error(r.stdout)


def mcp_outcome(reply):
    if "error" in reply:
        return ("rpc", reply["error"]["code"], reply["error"].get("data", {}).get("detail"))
    content = reply["result"]["structuredContent"]
    if reply["result"].get("isError"):
        return ("error", content["error"]["detail"])
    return ("status", content["status"])


def envelope(i, raw):
    return (b'{"jsonrpc":"2.0","id":' + str(i).encode() + b',"method":"tools/call","params":'
            b'{"name":"aegis_evaluate_proposal","arguments":' + raw + b"}}")


def expected_elsewhere(cli, value, surface):
    """What `surface` ("mcp" or "afa") must answer, given the CLI's outcome and the input."""
    if cli[0] == "error" and cli[1] in STRUCTURAL:
        return cli
    if not isinstance(value, dict):
        return ("error", "afa.wrong_type") if surface == "afa" else cli
    keys = set(value)
    if surface == "afa":
        if keys & AFA_FIXED:
            return ("error", "afa.fixed_field")
        if keys & (ALIASES | REQUEST_FIELDS):
            return ("error", "json.unknown_field")
    if surface == "mcp" and keys & ALIASES:
        return ("error", "json.unknown_field")
    return cli


@pytest.fixture(scope="module")
def surfaces(tmp_path_factory):
    d = tmp_path_factory.mktemp("diff")
    (d / "aegis.yaml").write_text("server:\n  rate_limit_per_minute: 0\n  api_keys:\n"
                                  + api_key_lines({"k": ("ci-bot", "proposer")})
                                  + "mcp_rate_limit: 0\n")
    port = free_port()
    mcp_http = subprocess.Popen([AEGIS, "mcp", "--transport", "http", "--port", str(port), "-c",
                                 str(d / "aegis.yaml")], stderr=subprocess.DEVNULL)
    try:
        serve_util.wait_for_port(port, mcp_http)
        with serving(d / "aegis.yaml", f"sqlite:{d / 'diff.db'}") as base:
            yield base, f"http://127.0.0.1:{port}", d
    finally:
        mcp_http.terminate()
        mcp_http.wait(timeout=20)


def test_every_surface_reads_the_same_bytes_the_same_way(surfaces):
    base, mcp_base, d = surfaces
    cases = inputs()
    # MCP over stdio: one session, one line per input (inputs with a raw newline cannot be one
    # line of the stdio transport; they go over HTTP only).
    lines = [json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                         "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                    "clientInfo": {"name": "diff", "version": "1"}}}).encode()]
    stdio_ids = {}
    for i, (name, raw) in enumerate(cases, start=1):
        if b"\n" not in raw and b"\r" not in raw:
            lines.append(envelope(i, raw))
            stdio_ids[i] = name
    r = subprocess.run([AEGIS, "mcp", "-c", str(d / "aegis.yaml")], input=b"\n".join(lines) + b"\n",
                       capture_output=True, timeout=120)
    replies = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(replies) == len(lines), r.stdout[-400:]
    stdio = dict(zip(stdio_ids, replies[1:]))  # one reply per line, in order
    # MCP over HTTP: one session, opened by initialize.
    status, headers, _ = serve_util.call(mcp_base, "POST", "/mcp", raw=lines[0])
    assert status == 200
    session = {"Mcp-Session-Id": headers["Mcp-Session-Id"]}
    failures = []
    for i, (name, raw) in enumerate(cases, start=1):
        value = complete_value(raw)
        cli = cli_outcome(raw)
        status, _, body = serve_util.call(base, "POST", "/v1/evaluate", raw=raw, key="k")
        assert status < 500, (name, body)
        http = outcome_of_decision_or_error(body)
        status, _, body = serve_util.call(mcp_base, "POST", "/mcp", raw=envelope(i, raw),
                                          headers=session)
        assert status == 200, (name, status, body)
        mcp = [mcp_outcome(json.loads(body))]
        if i in stdio:
            mcp.append(mcp_outcome(stdio[i]))
        afa_raw = b'{"request_id":"r","candidate_id":"c","function_name":"f","metrics":' + raw + b"}"
        status, _, body = serve_util.call(base, "POST", "/v1/afa/decide", raw=afa_raw, key="k")
        assert status < 500, (name, body)
        j = json.loads(body)
        afa = ("error", j["error"]["detail"]) if "error" in j else ("status", j["status"])

        if http != cli:
            failures.append((name, "http", cli, http))
        for got in mcp:
            if value is NOT_ONE_VALUE:  # embedded, it must be refused as malformed
                ok = got[0] == "rpc" and got[1] == -32700 or (
                    got[0] == "error" and got[1] in STRUCTURAL)
            else:
                want = expected_elsewhere(cli, value, "mcp")
                ok = got == want or (got[0] == "rpc" and got[2] == want[1])
            if not ok:
                failures.append((name, "mcp", cli, got))
        if value is NOT_ONE_VALUE:
            if not (afa[0] == "error" and afa[1] in STRUCTURAL):
                failures.append((name, "afa", cli, afa))
        elif afa != expected_elsewhere(cli, value, "afa"):
            failures.append((name, "afa", cli, afa))
    assert not failures, "\n".join(map(str, failures))
    assert len(cases) >= 60


def test_the_issue_example_is_refused_everywhere(surfaces):
    base, mcp_base, _ = surfaces
    raw = HOSTILE[0]
    assert cli_outcome(raw) == ("error", "json.duplicate_key")
    status, _, body = serve_util.call(base, "POST", "/v1/evaluate", raw=raw, key="k")
    assert status == 400
    status, _, body = serve_util.call(mcp_base, "POST", "/mcp", raw=envelope(7, raw))
    reply = json.loads(body)
    assert reply["error"]["code"] == -32700 and "result" not in reply
    assert reply["error"]["data"]["detail"] == "json.duplicate_key"
    assert reply["error"]["data"]["field"] == "risk_proposed"
