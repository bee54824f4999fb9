"""The rollout gates (docs/rollouts.md) against a real Prometheus server scraping an exporter the
test runs, asked by the controllers' own request code (tests/rollouts/controllers.go): Argo
Rollouts' web provider with its conditions evaluated by the expression library Argo used, and
Flagger's webhooks with their <= 202 rule."""
import contextlib
import json
import re
import socket
import subprocess
import threading
import urllib.parse
import uuid

import pytest

from conftest import AEGIS, SOURCE
from rollouts_util import Exporter, build_controllers, prometheus_scraping, replay
from serve_util import OpenApi, api_key_lines, call, serving, sha256

KEYS = {"k-argo": ("argo-rollouts", "executor"), "k-flagger": ("flagger", "executor"),
        "k-approver": ("alice", "approver"), "k-reader": ("reader", "proposer")}
# Both controllers fill {{namespace}}, {{name}} and {{revision}}; the exporter labels each
# deployment's pods by track, as a service mesh's metrics do.
TRACK_FIELDS = (
    "    risk_baseline: 'app_error_ratio{namespace=\"{{namespace}}\",app=\"{{name}}\",track=\"stable\"}'\n"
    "    risk_proposed: 'app_error_ratio{namespace=\"{{namespace}}\",app=\"{{name}}\",track=\"canary\"}'\n")
# Argo Rollouts' pod-template hashes: {{stable_revision}} too, which Flagger does not send.
HASH_FIELDS = (
    "    risk_baseline: 'app_error_ratio{namespace=\"{{namespace}}\",app=\"{{name}}\",hash=\"{{stable_revision}}\"}'\n"
    "    risk_proposed: 'app_error_ratio{namespace=\"{{namespace}}\",app=\"{{name}}\",hash=\"{{revision}}\"}'\n")
# (app, track or hash, pod) -> value; None: no series.
SERIES = {
    ("good", "stable", "a"): 0.01, ("good", "canary", "a"): 0.01,
    ("bad", "stable", "a"): 0.01, ("bad", "canary", "a"): 0.6,
    ("gone", "stable", "a"): 0.01,
    ("twin", "stable", "a"): 0.01, ("twin", "canary", "a"): 0.01, ("twin", "canary", "b"): 0.02,
    ("nan", "stable", "a"): 0.01, ("nan", "canary", "a"): float("nan"),
    ("moving", "stable", "a"): 0.01, ("moving", "canary", "a"): 0.01,
}
HASHES = {("checkout", "s1"): 0.01, ("checkout", "c1"): 0.01, ("checkout", "c2"): 0.7}


def config(path, prometheus, fields, impact="medium", timeout_ms=2000):
    path.write_text(
        "server:\n  api_keys:\n" + api_key_lines(KEYS) +
        "sources:\n"
        f"  prometheus: {{url: '{prometheus}', timeout_ms: {timeout_ms}}}\n"
        "  fields:\n" + fields +
        f"  context: {{estimated_impact: {impact}}}\n")
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rollouts")
    exporter = Exporter()
    for (app, track, pod), value in SERIES.items():
        exporter.set(value, namespace="shop", app=app, track=track, pod=pod)
    for (app, hash_), value in HASHES.items():
        exporter.set(value, namespace="shop", app=app, hash=hash_, pod="p")
    program = build_controllers(tmp)
    with prometheus_scraping(exporter, tmp) as prom:
        prom.settle("count(app_error_ratio)",
                    lambda r: r and int(r[0]["value"][1]) == len(SERIES) + len(HASHES))
        db = f"sqlite:{tmp / 'medium.db'}"
        with serving(config(tmp / "medium.yaml", prom.base, TRACK_FIELDS), db) as medium, \
                serving(config(tmp / "high.yaml", prom.base, TRACK_FIELDS, impact="high"),
                        f"sqlite:{tmp / 'high.db'}") as high, \
                serving(config(tmp / "hash.yaml", prom.base, HASH_FIELDS),
                        f"sqlite:{tmp / 'hash.db'}") as hashes:
            yield {"exporter": exporter, "prom": prom, "program": program, "medium": medium,
                   "high": high, "hash": hashes, "medium_db": db, "tmp": tmp,
                   "openapi": OpenApi(medium)}
    exporter.close()


def argo_url(base, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"{base}/v1/integrations/argo-rollouts?{query}"


# The documented AnalysisTemplate's metric (README "Gate a Kubernetes rollout").
CONDITIONS = {"jsonPath": "{$.decision}", "successCondition": 'result == "PROCEED"',
              "failureCondition": 'result == "HALT"'}


def argo(world, server, method="GET", **args):
    spec = dict(CONDITIONS, headers=[{"key": "Authorization", "value": "Bearer k-argo"}])
    if method == "GET":
        spec.update(url=argo_url(world[server], **args))
    else:
        spec.update(url=f"{world[server]}/v1/integrations/argo-rollouts", method="POST",
                    jsonBody=args)
    return replay(world["program"], "argo", spec)


def argo_answer(world, server, **args):
    status, _, text = call(world[server], "GET", "/v1/integrations/argo-rollouts?" +
                           "&".join(f"{k}={v}" for k, v in args.items()), key="k-argo")
    assert status == 200, text
    return world["openapi"].check("GET", "/v1/integrations/argo-rollouts", status, text)


@pytest.mark.parametrize("server,app,phase,value", [
    ("medium", "good", "Successful", "PROCEED"),
    ("medium", "bad", "Failed", "HALT"),
    ("high", "good", "Inconclusive", "PAUSE"),
    ("high", "bad", "Inconclusive", "ESCALATE"),
    ("medium", "gone", "Inconclusive", "NO_DATA"),
    ("medium", "twin", "Inconclusive", "NO_DATA"),
    ("medium", "nan", "Inconclusive", "NO_DATA"),
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_argo_computes_each_answer_as_the_template_says(world, server, app, phase, value, method):
    """PAUSE, ESCALATE and NO_DATA are Inconclusive (the rollout pauses for a person), never Failed."""
    m = argo(world, server, method, namespace="shop", rollout=app, revision="c" + app)
    assert (m["phase"], m["value"]) == (phase, f'"{value}"'), m


def test_argo_answers_carry_the_decision_and_say_why_there_is_none(world):
    a = argo_answer(world, "medium", namespace="shop", rollout="bad", revision="r1")
    assert a["decision"] == "HALT" and a["status"] == "halt"
    assert a["decision_id"] and "risk" in a["failing_gates"] and a["rationale"]
    assert a["gate_evaluation"]["gates"]["risk"]["passed"] is False
    assert a["measurements"]["risk_proposed"]["value"] == 0.6
    assert a["rollout"] == {"controller": "argo-rollouts", "hook": "analysis",
                            "namespace": "shop", "name": "bad", "revision": "r1"}
    gaps = {app: argo_answer(world, "medium", namespace="shop", rollout=app, revision="r1")
            for app in ("gone", "twin", "nan")}
    for app, a in gaps.items():
        assert a["decision"] == "NO_DATA" and "decision_id" not in a and a["event_id"]
        assert a["measurements"]["risk_baseline"]["value"] == 0.01
    assert gaps["gone"]["measurements"]["risk_proposed"]["gap"] == "no series"
    assert gaps["twin"]["measurements"]["risk_proposed"]["gap"] == "2 series where one is expected"
    assert "NaN" in gaps["nan"]["measurements"]["risk_proposed"]["gap"]
    # The query as Prometheus ran it: the labels filled in from the request.
    assert gaps["gone"]["measurements"]["risk_proposed"]["query"] == \
        'app_error_ratio{namespace="shop",app="gone",track="canary"}'


def test_argo_key_reuses_the_decision_within_its_window(world):
    args = dict(namespace="shop", rollout="good", revision="k1")
    first = argo_answer(world, "medium", **args)
    again = argo_answer(world, "medium", **args)
    assert first["decision_id"] != again["decision_id"] and not again["reused"]
    keyed = argo_answer(world, "medium", key="good-k1-errors", **args)
    repeat = argo_answer(world, "medium", key="good-k1-errors", **args)
    assert repeat["decision_id"] == keyed["decision_id"] and repeat["reused"]
    assert repeat["rollout"]["key"] == "good-k1-errors"
    other = argo_answer(world, "medium", key="good-k1-latency", **args)
    assert other["decision_id"] != keyed["decision_id"]


def test_pod_template_hashes_fill_both_revisions(world):
    """The README's form: the stable and canary pod-template hashes as Argo's args give them."""
    good = argo(world, "hash", namespace="shop", rollout="checkout", revision="c1",
                stable_revision="s1")
    bad = argo(world, "hash", namespace="shop", rollout="checkout", revision="c2",
               stable_revision="s1")
    assert (good["phase"], bad["phase"]) == ("Successful", "Failed")
    status, _, text = call(world["hash"], "POST", "/v1/integrations/flagger/confirm-rollout",
                           {"name": "checkout", "namespace": "shop", "checksum": "abc"},
                           key="k-flagger")
    err = json.loads(text)["error"]
    assert status == 422 and err["field"] == "stable_revision", text
    assert "{{stable_revision}}" in err["message"]


def audit(db):
    out = subprocess.run([AEGIS, "audit", "export", "--db", db], capture_output=True, check=True)
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def test_a_rollout_moves_between_healthy_degraded_and_missing(world):
    exporter, prom = world["exporter"], world["prom"]
    canary = 'app_error_ratio{app="moving",track="canary"}'

    def ask():
        return argo_answer(world, "medium", namespace="shop", rollout="moving", revision="m1")

    assert ask()["decision"] == "PROCEED"
    exporter.set(0.6, namespace="shop", app="moving", track="canary", pod="a")
    prom.settle(canary, lambda r: r and r[0]["value"][1] == "0.6")
    halted = ask()
    assert halted["decision"] == "HALT"
    exporter.set(None, namespace="shop", app="moving", track="canary", pod="a")
    prom.settle(canary, lambda r: r == [])
    missing = ask()
    assert missing["decision"] == "NO_DATA"
    exporter.set(0.01, namespace="shop", app="moving", track="canary", pod="a")
    prom.settle(canary, lambda r: r and r[0]["value"][1] == "0.01")
    assert ask()["decision"] == "PROCEED"
    # The chain: each decision beside its rollout.gate entry; the gap as an event of its own.
    chain = audit(world["medium_db"])
    by_id = {}
    for e in chain:
        by_id.setdefault(e["id"], []).append(e["kind"])
    assert sorted(by_id[halted["decision_id"]]) == ["decision", "rollout.gate"]
    assert by_id[missing["event_id"]] == ["rollout.no_data"]
    gap = next(json.loads(e["body"]) if isinstance(e["body"], str) else e["body"]
               for e in chain if e["id"] == missing["event_id"])
    assert gap["measurements"]["risk_proposed"]["gap"] == "no series"
    assert gap["rollout"]["name"] == "moving" and gap["requested_by"] == "argo-rollouts"
    # The decisions are found by the rollout (the console's agent column) and revision.
    status, _, text = call(world["medium"], "GET",
                           "/v1/decisions?agent_id=argo-rollouts/shop/moving", key="k-approver")
    assert status == 200, text
    found = json.loads(text)
    assert len(found["decisions"]) == 3
    assert {e["session_id"] for e in found["entries"]} == {"m1"}


# docs/rollouts.md#flagger: hook x answer -> status code; every cell is asked below.
def flagger_table():
    text = (SOURCE / "docs" / "rollouts.md").read_text()
    section = text.split("<!-- flagger-table -->")[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].startswith("`"):
            codes = [int(re.match(r"\*?\*?(\d{3})", c).group(1)) for c in cells[1:5]]
            rows[cells[0].strip("`")] = dict(zip(["PROCEED", "PAUSE/ESCALATE", "HALT",
                                                  "NO_DATA"], codes), decision=cells[5])
    return rows


def flagger(world, server, hook, name, checksum=None, key="k-flagger", metadata=None):
    base = world[server].replace("http://", f"http://flagger:{key}@")
    payload = {"name": name, "namespace": "shop", "phase": "Progressing",
               "checksum": checksum or uuid.uuid4().hex[:10]}
    if metadata:
        payload["metadata"] = metadata
    return replay(world["program"], "flagger",
                  {"url": f"{base}/v1/integrations/flagger/{hook}", "payload": payload})


def test_the_flagger_table_is_what_the_server_answers(world):
    table = flagger_table()
    assert set(table) == {"confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase",
                          "confirm-promotion", "post-rollout", "rollback", "event"}
    cells = {"PROCEED": [("medium", "good", "PROCEED")],
             "PAUSE/ESCALATE": [("high", "good", "PAUSE"), ("high", "bad", "ESCALATE")],
             "HALT": [("medium", "bad", "HALT")],
             "NO_DATA": [("medium", "gone", "NO_DATA")]}
    for hook, row in table.items():
        for column, asks in cells.items():
            for server, app, verdict in asks:
                r = flagger(world, server, hook, app)
                assert r["status"] == row[column], (hook, column, r)
                assert r["success"] == (row[column] <= 202)
                body = json.loads(r["body"])
                if hook == "event":
                    assert body["recorded"] is True and body["event_id"]
                else:
                    assert body["decision"] == verdict and body["open"] == r["success"], body
                    status = 200 if r["status"] <= 202 else r["status"]
                    world["openapi"].check("POST", "/v1/integrations/flagger/{hook}",
                                           status, r["body"])


def test_the_table_says_which_hooks_keep_their_decision_and_which_are_approvable(world):
    for hook, row in flagger_table().items():
        if hook == "event":
            assert row["decision"] == "none"
            continue
        kept = row["decision"].startswith("kept while held")
        assert kept or row["decision"] == "each call", row
        # A held answer (PAUSE) is kept where the table says so ...
        checksum = uuid.uuid4().hex[:10]
        one, two = (json.loads(flagger(world, "high", hook, "good", checksum)["body"])
                    for _ in range(2))
        assert (one["decision_id"] == two["decision_id"]) == kept, hook
        assert two["reused"] == kept and not one["reused"]
        assert (one["approval"] is not None) == row["decision"].endswith("approvable"), hook
        # ... and an open one never: Flagger moves on, and its next call is a new question.
        checksum = uuid.uuid4().hex[:10]
        one, two = (json.loads(flagger(world, "medium", hook, "good", checksum)["body"])
                    for _ in range(2))
        assert one["decision"] == "PROCEED" and one["decision_id"] != two["decision_id"], hook


def test_flagger_polls_get_one_decision_and_an_approval_opens_it(world):
    checksum = uuid.uuid4().hex[:10]
    held = flagger(world, "high", "confirm-promotion", "good", checksum)
    assert held["status"] == 403
    first = json.loads(held["body"])
    approval = first["approval"]
    assert first["decision"] == "PAUSE" and approval["state"] == "pending"
    again = json.loads(flagger(world, "high", "confirm-promotion", "good", checksum)["body"])
    assert again["decision_id"] == first["decision_id"] and again["reused"]
    assert again["approval"]["id"] == approval["id"]
    # The controller's own key cannot approve what it asked for; a person can.
    status, _, text = call(world["high"], "POST", f"/v1/approvals/{approval['id']}/approve",
                           {"reason": "canary looks fine"}, key="k-flagger")
    assert status == 403, text
    status, _, text = call(world["high"], "POST", f"/v1/approvals/{approval['id']}/approve",
                           {"reason": "canary looks fine"}, key="k-approver")
    assert status == 200 and json.loads(text)["state"] == "approved", text
    opened = flagger(world, "high", "confirm-promotion", "good", checksum)
    assert opened["status"] == 200 and opened["success"]
    body = json.loads(opened["body"])
    assert body["released"] and body["decision"] == "PAUSE"
    assert body["decision_id"] == first["decision_id"]
    # Once: Flagger has moved on, and a later call is a new question, held anew.
    later = flagger(world, "high", "confirm-promotion", "good", checksum)
    assert later["status"] == 403
    assert json.loads(later["body"])["decision_id"] != first["decision_id"]
    # Bound to that hook's decision: another hook, or a new checksum, is held anew.
    assert flagger(world, "high", "confirm-rollout", "good", checksum)["status"] == 403
    fresh = flagger(world, "high", "confirm-promotion", "good")
    assert fresh["status"] == 403 and json.loads(fresh["body"])["decision_id"] != first["decision_id"]
    # A HALT is never held for approval.
    halted = json.loads(flagger(world, "medium", "confirm-rollout", "bad")["body"])
    assert halted["decision"] == "HALT" and halted["approval"] is None


def test_flagger_no_data_is_asked_again_not_kept(world):
    checksum = uuid.uuid4().hex[:10]
    one = json.loads(flagger(world, "medium", "confirm-rollout", "gone", checksum)["body"])
    two = json.loads(flagger(world, "medium", "confirm-rollout", "gone", checksum)["body"])
    assert one["decision"] == two["decision"] == "NO_DATA"
    assert one["event_id"] != two["event_id"] and not two["reused"]


@pytest.fixture(scope="module")
def hung(world):
    """A server that accepts and never answers: the stand-in for a Prometheus that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                pass

    threading.Thread(target=accept, daemon=True).start()
    tmp = world["tmp"]
    cfg = config(tmp / "hung.yaml", f"http://127.0.0.1:{listener.getsockname()[1]}", TRACK_FIELDS,
                 timeout_ms=300)
    with serving(cfg, f"sqlite:{tmp / 'hung.db'}") as base:
        yield base
    stop.set()
    for s in held:
        s.close()
    listener.close()


def test_a_query_that_times_out_is_no_data(world, hung):
    status, _, text = call(hung, "GET", "/v1/integrations/argo-rollouts?namespace=shop&rollout=good"
                           "&revision=r1", key="k-argo")
    a = json.loads(text)
    assert status == 200 and a["decision"] == "NO_DATA", text
    assert a["measurements"]["risk_baseline"]["gap"] == "timed out after 300 ms"
    r = replay(world["program"], "flagger", {
        "url": hung.replace("http://", "http://flagger:k-flagger@") +
        "/v1/integrations/flagger/confirm-rollout",
        "payload": {"name": "good", "namespace": "shop", "phase": "Progressing",
                    "checksum": "abc"}})
    assert r["status"] == 503 and not r["success"]


@pytest.mark.parametrize("path,key,status,detail,field", [
    ("/v1/integrations/flagger/confirm-rolout", "k-flagger", 404, "rollout.unknown_hook", "hook"),
    ("/v1/integrations/argo-rollouts?namespace=shop&rollout=good", "k-argo", 422,
     "rollout.invalid", "revision"),
    ("/v1/integrations/argo-rollouts?namespace=Shop!&rollout=good&revision=r", "k-argo", 422,
     "rollout.invalid", "namespace"),
    ("/v1/integrations/argo-rollouts?namespace=shop&rolout=good&revision=r", "k-argo", 400,
     None, "rolout"),
    ("/v1/integrations/argo-rollouts?namespace=shop&rollout=good&revision=r", "k-reader", 403,
     None, None),
    ("/v1/integrations/argo-rollouts?namespace=shop&rollout=good&revision=r&key=%FF", "k-argo",
     422, "rollout.invalid", "key"),
    ("/v1/integrations/argo-rollouts?namespace=shop&rollout=good&revision=r&key=a%20b", "k-argo",
     422, "rollout.invalid", "key"),
])
def test_bad_questions_are_refused_naming_the_field(world, path, key, status, detail, field):
    method = "POST" if "flagger" in path else "GET"
    body = {"name": "good", "namespace": "shop", "checksum": "a"} if method == "POST" else None
    got, _, text = call(world["medium"], method, path, body, key=key)
    assert got == status, text
    err = json.loads(text)["error"]
    if detail:
        assert err["detail"] == detail
    if field:
        assert err["field"] == field
    if "confirm-rolout" in path:
        assert "did you mean 'confirm-rollout'" in err["message"]
    if "rolout=" in path:
        assert "did you mean 'rollout'" in err["message"]


def test_flagger_metadata_is_strings_and_the_payload_is_strict(world):
    got, _, text = call(world["medium"], "POST", "/v1/integrations/flagger/rollout",
                        {"name": "good", "namespace": "shop", "checksum": "a",
                         "metadata": {"retries": 3}}, key="k-flagger")
    assert got == 422 and json.loads(text)["error"]["field"] == "metadata.retries", text
    got, _, text = call(world["medium"], "POST", "/v1/integrations/flagger/rollout",
                        {"name": "good", "namespace": "shop", "checksum": "a", "phse": "x"},
                        key="k-flagger")
    assert got == 400 and json.loads(text)["error"]["field"] == "phse", text
    # An event is recorded only for a rollout named as a decision's would be.
    got, _, text = call(world["medium"], "POST", "/v1/integrations/flagger/event",
                        {"name": "good", "namespace": "Shop!"}, key="k-flagger")
    assert got == 422 and json.loads(text)["error"]["field"] == "namespace", text


def test_without_sources_the_gates_say_so(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("server:\n  api_keys:\n" + api_key_lines(KEYS))
    with serving(cfg, f"sqlite:{tmp_path / 'x.db'}") as base:
        got, _, text = call(base, "GET", "/v1/integrations/argo-rollouts?namespace=shop"
                            "&rollout=good&revision=r", key="k-argo")
    assert got == 404 and json.loads(text)["error"]["detail"] == "rollout.not_configured"


@pytest.mark.parametrize("section,field,message", [
    ("  fields: {risk_propose: 'up'}\n", "sources.fields.risk_propose", "did you mean 'risk_proposed'"),
    ("  fields: {risk_proposed: 'x{app=\"{{nmae}}\"}'}\n", "sources.fields.risk_proposed",
     "did you mean 'name'"),
    ("  fields: {agent_id: 'up'}\n", "sources.fields.agent_id", "not a numeric context field"),
    ("  fields: {risk_proposed: 'up'}\n  context: {risk_proposed: 0.1}\n",
     "sources.context.risk_proposed", "is measured"),
    ("  fields: {risk_proposed: 'up'}\n  context: {estimated_impact: huge}\n",
     "sources.context.estimated_impact", ""),
    ("  fields: {risk_proposed: 'up'}\n  contxt: {}\n", "sources.contxt", "did you mean 'context'"),
])
def test_the_sources_section_is_checked_at_load(tmp_path, section, field, message):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sources:\n  prometheus: {url: 'http://127.0.0.1:9'}\n" + section)
    r = subprocess.run([AEGIS, "validate-config", str(cfg)], capture_output=True)
    err = json.loads(r.stdout)["error"]
    assert r.returncode == 3 and err["field"] == field, err
    assert message in err["message"]


def test_the_query_budget_stays_inside_the_controllers_timeout(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("sources:\n  prometheus: {url: 'http://127.0.0.1:9', timeout_ms: 5000}\n"
                   "  fields: {risk_baseline: 'up', risk_proposed: 'up'}\n")
    r = subprocess.run([AEGIS, "validate-config", str(cfg)], capture_output=True)
    err = json.loads(r.stdout)["error"]
    assert err["field"] == "sources.prometheus.timeout_ms" and "10 s" in err["message"]


# README "Gate a Kubernetes rollout": its configs and manifests, parsed and asked for real.
def readme_documents():
    import yaml
    text = (SOURCE / "README.md").read_text()
    section = text.split("## Gate a Kubernetes rollout\n")[1].split("\n## ")[0]
    docs = []
    for block in re.findall(r"```yaml\n(.*?)```", section, re.S):
        docs.extend(d for d in yaml.safe_load_all(block) if d)
    configs = [d for d in docs if "sources" in d]
    kinds = {d["kind"]: d for d in docs if "kind" in d}
    return configs, kinds


def test_the_readme_manifests_fit_the_endpoints(world):
    configs, kinds = readme_documents()
    assert len(configs) == 2 and set(kinds) == {"AnalysisTemplate", "Rollout", "Canary"}
    spec = world["openapi"].doc["paths"]
    argo_args = {p["name"] for p in spec["/v1/integrations/argo-rollouts"]["get"]["parameters"]}
    hooks = set(spec["/v1/integrations/flagger/{hook}"]["post"]["parameters"][0]["schema"]["enum"])
    # The AnalysisTemplate: its URL, header, path and conditions.
    template = kinds["AnalysisTemplate"]
    declared = {a["name"] for a in template["spec"]["args"]}
    (metric,) = template["spec"]["metrics"]
    web = metric["provider"]["web"]
    url = urllib.parse.urlsplit(web["url"])
    assert url.path == "/v1/integrations/argo-rollouts" and web.get("method", "GET") == "GET"
    query = dict(urllib.parse.parse_qsl(url.query))
    assert set(query) <= argo_args and {"namespace", "rollout", "revision"} <= set(query)
    used = set(re.findall(r"\{\{args\.([a-z-]+)\}\}", json.dumps(metric)))
    assert used <= declared and used == declared
    assert web["headers"] == [{"key": "Authorization", "value": "Bearer {{args.aegis-key}}"}]
    assert web["timeoutSeconds"] <= 10 and web["jsonPath"] == CONDITIONS["jsonPath"]
    assert metric["successCondition"] == CONDITIONS["successCondition"]
    assert metric["failureCondition"] == CONDITIONS["failureCondition"]
    # The Rollout passes every argument the template does not fill itself.
    steps = kinds["Rollout"]["spec"]["strategy"]["canary"]["steps"]
    (analysis,) = [s["analysis"] for s in steps if "analysis" in s]
    assert analysis["templates"] == [{"templateName": template["metadata"]["name"]}]
    passed = {a["name"]: a["valueFrom"] for a in analysis["args"]}
    own = {a["name"] for a in template["spec"]["args"] if "valueFrom" in a}
    assert set(passed) == declared - own
    assert passed["canary-hash"] == {"podTemplateHashValue": "Latest"}
    assert passed["stable-hash"] == {"podTemplateHashValue": "Stable"}
    assert query["revision"] == "{{args.canary-hash}}"
    assert query["stable_revision"] == "{{args.stable-hash}}"
    # The Canary's webhooks: each URL's path is its type's endpoint, with the key as credentials.
    for hook in kinds["Canary"]["spec"]["analysis"]["webhooks"]:
        url = urllib.parse.urlsplit(hook["url"])
        assert hook["type"] in hooks and url.path == f"/v1/integrations/flagger/{hook['type']}"
        assert url.username == "flagger" and url.password == "FLAGGER_KEY"
    # Both configs are valid as written (once the key placeholders hold a hash).
    for i, doc in enumerate(configs):
        cfg = world["tmp"] / f"readme-{i}.yaml"
        text = json.dumps(doc)
        for n in range(text.count("<sha256 of the key>")):
            text = text.replace("<sha256 of the key>", sha256(f"key-{n}"), 1)
        cfg.write_text(text)
        r = subprocess.run([AEGIS, "validate-config", str(cfg)], capture_output=True)
        assert r.returncode == 0, r.stdout


@pytest.fixture(scope="module")
def readme_servers(world):
    """aegis serve with each README config, measuring the test's Prometheus; the exporter counts
    requests as the README's queries read them."""
    exporter, prom = world["exporter"], world["prom"]
    for labels, ok, failed in [({"rollouts_pod_template_hash": "s1"}, 10, 0.1),
                               ({"rollouts_pod_template_hash": "c1"}, 10, 0.1),
                               ({"rollouts_pod_template_hash": "c2"}, 5, 5),
                               ({"deployment": "podinfo-primary"}, 10, 0.1),
                               ({"deployment": "podinfo"}, 10, 0.1)]:
        exporter.count(ok, namespace="shop", code="200", **labels)
        exporter.count(failed, namespace="shop", code="500", **labels)
    prom.settle('count(rate(http_requests_total[2m]) > 0)', lambda r: r and r[0]["value"][1] == "10")
    configs, _ = readme_documents()
    bases = []
    with contextlib.ExitStack() as stack:
        for i, doc in enumerate(configs):
            doc = dict(doc, server={"api_keys": [
                {"actor_id": a, "role": role, "key_sha256": sha256(k)}
                for k, (a, role) in KEYS.items()]})
            doc["sources"]["prometheus"]["url"] = prom.base
            cfg = world["tmp"] / f"readme-serve-{i}.yaml"
            cfg.write_text(json.dumps(doc))
            bases.append(stack.enter_context(serving(cfg, f"sqlite:{world['tmp']}/readme-{i}.db")))
        yield {"argo": bases[0], "flagger": bases[1]}


def fill(text, values):
    for name, value in values.items():
        text = text.replace("{{args.%s}}" % name, value)
    return text


def test_the_readme_manifests_ask_a_real_server(world, readme_servers):
    _, kinds = readme_documents()
    (metric,) = kinds["AnalysisTemplate"]["spec"]["metrics"]
    web = metric["provider"]["web"]
    phases = {}
    for canary in ("c1", "c2"):
        args = {"namespace": "shop", "rollout": "checkout", "canary-hash": canary,
                "stable-hash": "s1", "aegis-key": "k-argo"}
        url = urllib.parse.urlsplit(fill(web["url"], args))
        spec = {"url": urllib.parse.urlunsplit(url._replace(
                    scheme="http", netloc=readme_servers["argo"].removeprefix("http://"))),
                "headers": [{"key": h["key"], "value": fill(h["value"], args)}
                            for h in web["headers"]],
                "timeoutSeconds": web["timeoutSeconds"], "jsonPath": web["jsonPath"],
                "successCondition": metric["successCondition"],
                "failureCondition": metric["failureCondition"]}
        phases[canary] = replay(world["program"], "argo", spec)
    assert phases["c1"]["phase"] == "Successful", phases
    assert phases["c2"]["phase"] == "Failed", phases
    canary = kinds["Canary"]
    results = {}
    for hook in canary["spec"]["analysis"]["webhooks"]:
        url = urllib.parse.urlsplit(hook["url"])
        target = urllib.parse.urlunsplit(url._replace(netloc="flagger:k-flagger@" +
                                                      readme_servers["flagger"].removeprefix("http://")))
        results[hook["type"]] = replay(world["program"], "flagger", {
            "url": target, "timeout": hook.get("timeout", ""),
            "payload": {"name": canary["metadata"]["name"],
                        "namespace": canary["metadata"]["namespace"],
                        "phase": "Progressing", "checksum": "7d9f8c6b5"}})
    # A healthy canary: no rollback, promotion confirmed, the event recorded.
    assert results["rollback"]["status"] == 403 and not results["rollback"]["success"]
    assert results["confirm-promotion"]["status"] == 200, results
    assert results["event"]["status"] == 200
