"""GET /v1/decisions with filters: what the console pages through. Each filter narrows to what the
posted decisions say it should, pages follow the cursor in both orders, every answer is what the
OpenAPI document says, and bad parameters are refused naming the parameter."""
import datetime
import json
import urllib.parse

import pytest

from serve_util import OpenApi, api_key_lines, call, serving

KEYS = {"proposer": "aegis_query_proposer_key", "analyst": "aegis_query_analyst_key"}
AGENTS = ["deploy-bot", "migrator", "agent-7"]


@pytest.fixture(scope="module")
def posted(tmp_path_factory):
    d = tmp_path_factory.mktemp("queries")
    (d / "aegis.yaml").write_text(
        "server:\n  rate_limit_per_minute: 0\n  api_keys:\n"
        + api_key_lines({KEYS["proposer"]: ("ci-bot", "proposer"),
                         KEYS["analyst"]: ("reader", "analyst")}))
    with serving(d / "aegis.yaml", f"sqlite:{d / 'q.db'}") as base:
        items = []
        for i in range(60):
            item = {"agent_id": AGENTS[i % 3], "session_id": f"s-{i % 4}",
                    "risk_proposed": [0.1, 0.3, 0.1, 0.3][i % 4],
                    "novelty_score": [0.9, 0.9, 0.2, 0.5][i % 4],
                    "estimated_impact": "high" if i % 5 == 0 else "low"}
            if i % 2 == 0:
                item["risk_baseline"] = 0.1  # the risk gate passes; without it, it fails
            items.append(item)
        status, _, text = call(base, "POST", "/v1/evaluate/batch", items, key=KEYS["proposer"])
        assert status == 200, text
        decisions = json.loads(text)
        for item, dec in zip(items, decisions):
            dec["_agent"], dec["_session"] = item["agent_id"], item["session_id"]
        yield base, decisions, OpenApi(base)


def get(base, api, **params):
    status, _, text = call(base, "GET", "/v1/decisions?" + urllib.parse.urlencode(params),
                           key=KEYS["analyst"])
    if status == 200:
        return status, api.check("GET", "/v1/decisions", status, text)
    return status, json.loads(text)


def every_page(base, api, **params):
    """Every page, oldest first unless `order` says otherwise."""
    params.setdefault("order", "asc")
    seen, entries, cursor = [], [], None
    while True:
        page = dict(params, **({"cursor": cursor} if cursor else {}))
        status, body = get(base, api, **page)
        assert status == 200, body
        assert len(body["entries"]) == len(body["decisions"])
        seen += body["decisions"]
        entries += body["entries"]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, entries


def test_each_filter_narrows_to_what_the_decisions_say(posted):
    base, decisions, api = posted
    statuses = {d["status"] for d in decisions}
    assert len(statuses) >= 3, statuses
    for status in statuses:
        got, _ = every_page(base, api, status=status, limit=7)
        assert [d["decision_id"] for d in got] == \
            [d["decision_id"] for d in decisions if d["status"] == status]
    for agent in AGENTS:
        got, entries = every_page(base, api, agent_id=agent, limit=9)
        assert [d["decision_id"] for d in got] == \
            [d["decision_id"] for d in decisions if d["_agent"] == agent]
        assert {e["agent_id"] for e in entries} == {agent}
    for gate in ("risk", "novelty"):
        got, _ = every_page(base, api, failing_gate=gate, limit=11)
        assert [d["decision_id"] for d in got] == \
            [d["decision_id"] for d in decisions if gate in d["failing_gates"]]
        assert got
    got, _ = every_page(base, api, failing_gate="risk", agent_id="migrator", status="halt")
    assert [d["decision_id"] for d in got] == \
        [d["decision_id"] for d in decisions
         if "risk" in d["failing_gates"] and d["_agent"] == "migrator" and d["status"] == "halt"]
    assert every_page(base, api, agent_id="nobody")[0] == []
    # Search by id: that decision alone, with its place in the chain.
    _, everything = every_page(base, api, limit=1000)
    target = decisions[17]
    status, one = get(base, api, decision_id=target["decision_id"])
    assert status == 200, one
    assert [d["decision_id"] for d in one["decisions"]] == [target["decision_id"]]
    assert one["entries"] == [everything[17]] and one["next_cursor"] is None
    other = "halt" if target["status"] == "proceed" else "proceed"
    assert get(base, api, decision_id=target["decision_id"], status=other)[1]["decisions"] == []
    assert get(base, api, decision_id=target["decision_id"][:8])[1]["decisions"] == []


def test_pages_follow_the_cursor_newest_first_and_carry_the_chain_place(posted):
    base, decisions, api = posted
    got, entries = every_page(base, api, order="desc", limit=8)
    assert [d["decision_id"] for d in got] == [d["decision_id"] for d in reversed(decisions)]
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)
    assert all(len(e["entry_hash"]) == 64 for e in entries)
    # The stored bytes, as GET /v1/decisions/{id} answers them.
    status, _, one = call(base, "GET", f"/v1/decisions/{got[0]['decision_id']}", key=KEYS["analyst"])
    assert status == 200 and json.loads(one) == got[0]
    assert entries[0]["session_id"] == decisions[-1]["_session"]


def test_newest_first_unless_asked_otherwise(posted):
    """The README's own example (`?limit=10`) used to answer the ten oldest decisions."""
    base, decisions, api = posted
    status, newest = get(base, api, limit=10)
    assert status == 200
    assert [d["decision_id"] for d in newest["decisions"]] == \
        [d["decision_id"] for d in reversed(decisions)][:10]
    status, oldest = get(base, api, limit=10, order="asc")
    assert [d["decision_id"] for d in oldest["decisions"]] == \
        [d["decision_id"] for d in decisions][:10]
    status, following = get(base, api, limit=10, cursor=newest["next_cursor"])
    assert [d["decision_id"] for d in following["decisions"]] == \
        [d["decision_id"] for d in reversed(decisions)][10:20]


def test_time_bounds(posted):
    base, decisions, api = posted
    today = datetime.datetime.now(datetime.timezone.utc).date()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert len(every_page(base, api, since=yesterday, until=tomorrow, limit=1000)[0]) == 60
    assert every_page(base, api, since=tomorrow)[0] == []
    assert every_page(base, api, until=yesterday)[0] == []
    _, entries = every_page(base, api, limit=1000)
    t = entries[30]["time"]
    later = every_page(base, api, since=t, limit=1000)[1]
    assert later and all(e["time"] >= t for e in later)
    earlier = every_page(base, api, until=t, limit=1000)[1]
    assert all(e["time"] < t for e in earlier) and len(earlier) + len(later) == 60


@pytest.mark.parametrize("params,field", [
    ({"status": "HALT"}, "status"), ({"failing_gate": "speed"}, "failing_gate"),
    ({"order": "newest"}, "order"), ({"since": "yesterday"}, "since"),
    ({"until": "2026-12-02T21:08:01+01:00"}, "until"), ({"agent_id": ""}, "agent_id"),
    ({"decision_id": ""}, "decision_id"), ({"decision_id": "x" * 257}, "decision_id"),
    ({"agent_id": "a\x00b"}, "agent_id"), ({"agent_id": b"\xff"}, "agent_id"),
    ({"decision_id": b"\xc3"}, "decision_id"),
    ({"limit": "0"}, "limit"), ({"cursor": "-1"}, "cursor"), ({"page": "2"}, "page"),
])
def test_bad_parameters_are_refused_naming_them(posted, params, field):
    base, _, api = posted
    status, body = get(base, api, **params)
    assert status == 400, body  # as every malformed query (json.query)
    assert body["error"]["field"] == field and body["error"]["detail"] == "json.query"
