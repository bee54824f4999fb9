"""`aegis evaluate --batch`: streaming, bad lines, and agreement with an independent oracle."""
import json
import os
import random
import re
import subprocess

import pytest

import reference_impl
from random_contexts import random_context
from conftest import AEGIS


def test_batch_agrees_with_independent_oracle(aegis, tmp_path, validate):
    rng = random.Random(7)
    contexts = [random_context(rng, i) for i in range(5000)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(c) + "\n" for c in contexts))
    r = aegis("evaluate", "--batch", str(src))
    assert r.code == 0, r.err
    decisions = r.lines()
    assert len(decisions) == len(contexts)
    statuses = set()
    for i, (c, d) in enumerate(zip(contexts, decisions)):
        want = reference_impl.decide(c)
        statuses.add(d["status"])
        assert d["status"] == want["status"], (i, c, d["rationale"])
        assert d["failing_gates"] == want["failing"], i
        assert d["decision_trace"]["x_R"] == pytest.approx(want["x_R"], rel=1e-12, abs=1e-300)
        assert d["decision_trace"]["x_P"] == pytest.approx(want["x_P"], rel=1e-12, abs=1e-300)
        assert d["confidence"] == pytest.approx(want["confidence"], rel=1e-9, abs=1e-12)
        for name, (passed, value, _) in want["gates"].items():
            got = d["gate_evaluation"]["gates"][name]
            assert got["passed"] == passed, (i, name)
            assert got["value"] == pytest.approx(value, rel=1e-12, abs=1e-15), (i, name)
        assert d["override_eligible"] == (bool(want["failing"]) and "complexity" not in want["failing"])
        if i < 50:
            validate(d, "decision.schema.json")
    assert statuses == {"proceed", "pause", "halt", "escalate"}


def test_bad_lines_get_error_records_and_the_batch_goes_on(aegis, tmp_path, validate):
    good = '{"risk_baseline":0.1,"risk_proposed":0.1,"novelty_score":0.9}'
    lines = [good, "{broken", "", '{"risk_propsed":0.1}', good, '{"risk_proposed":2}', "   ", good]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines))  # no newline after the last line
    out = tmp_path / "out.jsonl"
    r = aegis("evaluate", "--batch", str(src), "-o", str(out))
    assert r.code == 3
    assert r.out == ""
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 6  # blank lines produce nothing
    errors = [rec for rec in records if "error" in rec]
    assert [e["line"] for e in errors] == [2, 4, 6]
    for e in errors:
        validate(e, "error.schema.json")
    assert errors[1]["error"]["field"] == "risk_propsed"
    assert errors[2]["error"]["field"] == "risk_proposed"
    assert [rec["status"] for rec in records if "status" in rec] == ["proceed"] * 3
    assert "6 lines, 3 decisions (proceed 3, pause 0, halt 0, escalate 0), 3 errors" in r.err


def test_oversize_line_is_an_error_record(aegis, tmp_path):
    big = '{"metadata":{"pad":"' + "x" * (3 << 20) + '"}}'
    src = tmp_path / "in.jsonl"
    src.write_text('{"risk_proposed":0.1}\n' + big + '\n{"risk_proposed":0.1}\n')
    r = aegis("evaluate", "--batch", str(src))
    assert r.code == 3
    recs = r.lines()
    assert len(recs) == 3
    assert recs[1]["line"] == 2 and recs[1]["error"]["code"] == "payload_too_large"
    assert "status" in recs[2]


def test_batch_from_stdin_with_shadow(aegis):
    r = aegis("evaluate", "--batch", "-", "--shadow", stdin='{"risk_proposed":0.9}\n' * 5)
    assert r.code == 0
    recs = r.lines()
    assert len(recs) == 5
    assert all(d["status"] == "halt" and d["shadow_result"]["shadow_only"] for d in recs)


def test_batch_drift_accumulates(aegis, tmp_path):
    base = tmp_path / "b.json"
    base.write_text(json.dumps([i / 100 for i in range(100)]))
    r = aegis("evaluate", "--batch", "-", "--drift-baseline", str(base),
              stdin='{"risk_proposed":0.95,"novelty_score":0.9}\n' * 12)
    recs = r.lines()
    assert [d["drift_result"]["n_current"] for d in recs] == list(range(1, 13))
    assert recs[8]["drift_result"]["status"] == "insufficient_data"
    assert recs[9]["drift_result"]["status"] == "critical"
    assert recs[9]["status"] == "halt" and recs[9]["failing_gates"][-1] == "drift"


def test_missing_batch_file(aegis, tmp_path):
    r = aegis("evaluate", "--batch", str(tmp_path / "none.jsonl"))
    assert r.code == 3
    assert r.json()["error"]["code"] == "not_found"


VOLATILE = re.compile(rb'("decision_id":)"[0-9a-f-]{36}"|("timestamp":)"[^"]+"|("evaluation_time_ns":)\d+')


def steady(output):
    """The output with the fields that differ from run to run set to 0."""
    return VOLATILE.sub(lambda m: next(g for g in m.groups() if g) + b"0", output)


def test_threads_keep_input_order_and_bytes(aegis, tmp_path):
    """--threads N writes what one thread writes, byte for byte, apart from the decision id,
    the time and the evaluation time; error records and blank lines stay where they were."""
    rng = random.Random(11)
    lines = []
    for i in range(6000):
        roll = rng.random()
        if roll < 0.05:
            lines.append("{broken")
        elif roll < 0.08:
            lines.append("   ")
        elif roll < 0.1:
            lines.append('{"risk_proposed": 7}')
        else:
            lines.append(json.dumps(random_context(rng, i)))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n")
    outputs = {}
    for threads in (1, 2, 3, 8):
        out = tmp_path / f"out{threads}.jsonl"
        r = aegis("evaluate", "--batch", str(src), "-o", str(out), "--threads", str(threads))
        assert r.code == 3, r.err  # the bad lines
        outputs[threads] = steady(out.read_bytes())
        assert r.err.splitlines()[-1].startswith(f"aegis: batch: {len(lines) - lines.count('   ')} lines")
    assert outputs[2] == outputs[1] and outputs[3] == outputs[1] and outputs[8] == outputs[1]
    records = [json.loads(x) for x in outputs[1].splitlines()]
    expected_errors = [i + 1 for i, x in enumerate(lines) if x in ("{broken", '{"risk_proposed": 7}')]
    assert [r["line"] for r in records if "error" in r] == expected_errors
    # the same through a pipe, where reads return what has arrived
    piped = aegis("evaluate", "--batch", "-", "--threads", "4", stdin=src.read_text())
    assert steady(piped.out.encode()) == outputs[1]


def test_threads_with_a_store_print_only_what_is_durable(aegis, tmp_path):
    url = f"sqlite:{tmp_path / 'threads.db'}"
    line = '{"risk_proposed":0.1,"novelty_score":0.9}\n'
    r = aegis("evaluate", "--batch", "-", "--db", url, "--threads", "4", stdin=line * 20000)
    assert r.code == 0, r.err
    printed = [d["decision_id"] for d in r.lines()]
    exported = [e["id"] for e in aegis("audit", "export", "--db", url).lines()]
    assert printed == exported  # stored in the order printed, every one
    assert aegis("audit", "verify", "--db", url).json()["intact"] is True


def test_fields_choose_what_is_printed_and_the_store_keeps_the_whole(aegis, tmp_path):
    url = f"sqlite:{tmp_path / 'fields.db'}"
    rng = random.Random(11)
    stdin = "".join(json.dumps(random_context(rng, i)) + "\n" for i in range(300))
    full = aegis("evaluate", "--batch", "-", "--threads", "2", stdin=stdin)
    r = aegis("evaluate", "--batch", "-", "--db", url, "--threads", "2",
              "--fields", "status, failing_gates,decision_id", stdin=stdin)
    assert r.code == full.code, r.err
    printed = r.lines()
    assert all(list(d) == ["decision_id", "failing_gates", "status"] for d in printed)
    # The same decisions as the full records, written as canonical JSON (keys in order, compact).
    assert [(d["status"], d["failing_gates"]) for d in printed] == \
        [(d["status"], d["failing_gates"]) for d in full.lines()]
    assert all(line == json.dumps(json.loads(line), separators=(",", ":"))
               for line in r.out.splitlines())
    stored = {e["id"]: e["body"] for e in aegis("audit", "export", "--db", url).lines()}
    assert list(stored) == [d["decision_id"] for d in printed]
    for d in printed:
        body = stored[d["decision_id"]]
        assert "gate_evaluation" in body and "decision_trace" in body and "rationale" in body
        assert {k: body[k] for k in d} == d
    bad = aegis("evaluate", "--batch", "-", "--fields", "status,verdict", stdin=stdin)
    assert bad.code == 3
    assert bad.json()["error"]["field"] == "fields"
    assert "verdict" in bad.json()["error"]["message"]
    assert aegis("evaluate", "--fields", "status", stdin="{}").code == 3


def peak_resident_kib(pid):
    """VmHWM of a running process: its peak resident memory since exec (ru_maxrss would also
    count the pages of the forked test process before the exec)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (FileNotFoundError, ProcessLookupError, StopIteration):
        return 0


def test_a_gigabyte_through_a_pipe_in_bounded_memory(tmp_path):
    """1 GiB of input on stdin, the output to /dev/null: resident memory stays under 256 MiB."""
    pad = "x" * (256 << 10)
    block = "".join(
        json.dumps({"risk_proposed": 0.1, "novelty_score": 0.9, "metadata": {"pad": pad}}) + "\n"
        + '{"risk_proposed":0.2}\n' * 50 for _ in range(4)).encode()
    total = 1 << 30
    peak = 0
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen([AEGIS, "evaluate", "--batch", "-"], stdin=subprocess.PIPE,
                                stdout=null, stderr=subprocess.PIPE)
        sent = 0
        while sent < total:
            proc.stdin.write(block)
            sent += len(block)
            if sent % (64 * len(block)) == 0:
                peak = max(peak, peak_resident_kib(proc.pid))
        proc.stdin.close()
        peak = max(peak, peak_resident_kib(proc.pid))
        err = proc.stderr.read().decode()
        assert proc.wait() == 0, err
    assert 0 < peak < 256 * 1024, f"peak resident memory {peak} KiB"
    assert f"{sent // len(block) * 204} lines" in err
