"""`aegis report`: one self-contained HTML file with the charts of a decision or a batch."""
import json
import re

import pytest

from conftest import SOURCE

EXAMPLES = sorted((SOURCE / "examples").glob("*.json"))


def decisions(aegis):
    out = []
    for path in EXAMPLES:
        r = aegis("evaluate", "-i", str(path))
        out.append(r.json())
    return out


def test_batch_report_counts_and_charts(aegis, tmp_path):
    ds = decisions(aegis)
    batch = tmp_path / "b.jsonl"
    error_record = {"error": {"code": "invalid_input", "detail": "x", "field": "risk",
                              "message": "m"}, "line": 9}
    batch.write_text("".join(json.dumps(d) + "\n" for d in ds) + json.dumps(error_record) + "\n")
    r = aegis("report", str(batch), "-o", str(tmp_path / "r.html"))
    assert r.code == 0, r.err
    html = (tmp_path / "r.html").read_text()
    assert html.startswith("<!doctype html>") and "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # self-contained
    for chart in ("chart-recent", "chart-status-mix", "chart-gate-pass-rates",
                  "chart-gate-distance", "chart-drift"):
        assert f'id="{chart}"' in html
    assert f"{len(ds)} decisions" in html and "1 record was not a decision" in html
    for status in ("proceed", "pause", "halt", "escalate"):
        n = sum(d["status"] == status for d in ds)
        assert f'<span data-status="{status}">{status} {n}</span>' in html
        drawn = sum(int(c) for c in re.findall(
            rf'class="bar status-{status}"[^>]*data-count="(\d+)"', html))
        assert drawn == n
    assert html.count("<tr data-decision-id=") == len(ds)
    # Pass rates are what the decisions say.
    risk_rate = sum(d["gate_evaluation"]["gates"]["risk"]["passed"] for d in ds) / len(ds)
    rate = float(re.search(r'data-gate="risk" data-rate="([0-9.e-]+)"', html).group(1))
    assert rate == pytest.approx(risk_rate, rel=1e-3)


def test_single_decision_margins_and_chosen_decision(aegis, tmp_path):
    ds = decisions(aegis)
    halted = next(d for d in ds if d["status"] == "halt")
    one = tmp_path / "one.json"
    one.write_text(json.dumps(halted, indent=2))
    r = aegis("report", str(one))
    assert r.code == 0
    for gate, g in halted["gate_evaluation"]["gates"].items():
        m = re.search(rf'data-gate="{gate}" data-distance="([-0-9.e]+)"', r.out)
        assert m, gate
        distance = float(m.group(1))
        assert (distance >= 0) == g["passed"]
        assert abs(distance) == pytest.approx(abs(g["margin"]), rel=1e-3, abs=1e-4)
    batch = tmp_path / "b.jsonl"
    batch.write_text("".join(json.dumps(d) + "\n" for d in ds))
    chosen = ds[2]["decision_id"]
    r = aegis("report", str(batch), "--decision", chosen)
    assert r.code == 0 and f"Distance to each threshold of decision <code>{chosen}</code>" in r.out
    assert aegis("report", str(batch), "--decision", "nope").code == 3


def test_strings_are_escaped(aegis, tmp_path):
    d = decisions(aegis)[0]
    d["failing_gates"] = ["<script>alert(1)</script>"]
    d["decision_id"] = '"><img src=x onerror=alert(1)>'
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(d))
    r = aegis("report", str(path))
    assert r.code == 0
    assert "<script>" not in r.out and "<img" not in r.out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.out


def test_bad_inputs(aegis, tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    r = aegis("report", str(tmp_path / "empty.jsonl"))
    assert r.code == 3 and "no decision" in r.err
    (tmp_path / "junk.txt").write_text("not json\n")
    assert aegis("report", str(tmp_path / "junk.txt")).code == 3
    assert aegis("report", str(tmp_path / "missing.json")).code == 3


def test_malformed_decision_records_do_not_crash(aegis, tmp_path):
    d = decisions(aegis)[0]
    odd = [dict(d, gate_evaluation={}), dict(d, gate_evaluation={"gates": 5}),
           dict(d, gate_evaluation={"gates": {"risk": {"passed": "yes", "margin": "x"}}}),
           dict(d, timestamp="yesterday", failing_gates=[1, None], confidence="high")]
    path = tmp_path / "odd.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in odd))
    r = aegis("report", str(path))
    assert r.code == 0, r.err
    assert "4 decisions" in r.out
