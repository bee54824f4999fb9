"""Issue 14, parts 3–6: the reference's import paths as installed packages, public keys in every
form the reference implies, Python-written sinks, logging, threads (pcw_decide_batch and the GIL
released around slow calls) and inspect.signature everywhere."""
import base64
import inspect
import json
import logging
import subprocess
import sys
import threading

import pytest

import aegis_governance as ag
from conftest import BUILD


def context(**kw):
    base = dict(agent_id="agent-7", session_id="s-1", phase=ag.PCWPhase.PLAN,
                proposal_summary="Add caching layer", estimated_impact="medium")
    base.update(kw)
    return ag.PCWContext(**base)


# ---- 3: the reference's import paths ----------------------------------------------------------

def test_reference_import_paths_are_real_packages_beside_aegis_governance():
    import crypto.bip322_provider
    import telemetry.emitter
    from crypto.bip322_provider import BIP322Provider
    from telemetry.emitter import TelemetryEmitter
    assert BIP322Provider is ag.BIP322Provider and TelemetryEmitter is ag.TelemetryEmitter
    here = (BUILD / "python").resolve()
    for module in (crypto.bip322_provider, telemetry.emitter):
        assert module.__file__ and here in __import__("pathlib").Path(module.__file__).resolve().parents


# ---- 4: public keys ------------------------------------------------------------------------------

def key_forms(public_hex, address):
    raw = bytes.fromhex(public_hex)
    return {"raw bytes": raw, "bytearray": bytearray(raw), "memoryview": memoryview(raw),
            "hex": public_hex, "hex bytes": public_hex.encode(),
            "base64": base64.b64encode(raw).decode(), "P2TR address": address}


def test_every_key_form_authorizes_and_signs():
    risk, risk_pub, risk_addr = ag.BIP322Provider.generate_keypair()
    sec, sec_pub, sec_addr = ag.BIP322Provider.generate_keypair()
    h = ag.create_message_hash("prop-001", "Emergency hotfix", ["risk"])
    risk_sig, sec_sig = ag.BIP322Provider.sign(h, risk), ag.BIP322Provider.sign(h, sec)
    approver = ag.Approver("risk-lead-1", "Risk Lead", True, ag.BIP322Provider())
    sec_forms = key_forms(sec_pub, sec_addr)
    for form, key in key_forms(risk_pub, risk_addr).items():
        r = approver.authorize_override("prop-001", ["risk"], "Emergency hotfix", risk_sig, key)
        assert r.authorized and r.reason == "", form
        w = ag.OverrideWorkflow("prop-001", "Emergency hotfix", ["risk"], "engineer-1")
        assert w.add_signature("risk-lead-1", "risk_lead", risk_sig, key) \
            is ag.OverrideRejection.NONE, form
        assert w.add_signature("sec-lead-1", "security_lead", sec_sig, sec_forms[form]) \
            is ag.OverrideRejection.NONE, form
        assert w.get_result().approved
        assert ag.DualSignatureValidator.validate(h, risk_sig, key, sec_sig, sec_forms[form]) \
            is ag.OverrideRejection.NONE, form
        assert ag.BIP322Provider().verify(h, risk_sig, key), form
    registry = ag.CustodianRegistry([("risk-lead-1", "risk_lead", bytes.fromhex(risk_pub)),
                                     ("sec-lead-1", "security_lead", sec_pub)])
    w = ag.OverrideWorkflow("prop-001", "Emergency hotfix", ["risk"], "engineer-1",
                            registry=registry)
    assert w.add_signature("risk-lead-1", "risk_lead", risk_sig, risk_addr) \
        is ag.OverrideRejection.NONE


def test_the_same_fault_has_the_same_name_in_approver_and_workflow():
    risk, risk_pub, _ = ag.BIP322Provider.generate_keypair()
    other, _, _ = ag.BIP322Provider.generate_keypair()
    sec, sec_pub, _ = ag.BIP322Provider.generate_keypair()
    h = ag.create_message_hash("prop-001", "Emergency hotfix", ["risk"])
    good = ag.BIP322Provider.sign(h, risk)
    sec_sig = ag.BIP322Provider.sign(h, sec)
    raw = bytes.fromhex(risk_pub)
    cases = {
        "malformed_key": [(good, raw[:31]), (good, raw + b"\0"), (good, "not a key"),
                          (good, "ff" * 32)],  # 0xff…ff is not an x coordinate on the curve
        "bad_signature": [(ag.BIP322Provider.sign(h, other), raw),
                          (ag.BIP322Provider.sign("another message", risk), raw)],
        "malformed_signature": [("not base64!", raw), (base64.b64encode(b"\x01\x41" + b"\0" * 65)
                                                       .decode(), raw)],
    }
    for name, inputs in cases.items():
        for signature, key in inputs:
            a = ag.Approver("risk-lead-1", "Risk Lead", True).authorize_override(
                "prop-001", ["risk"], "Emergency hotfix", signature, key)
            w = ag.OverrideWorkflow("prop-001", "Emergency hotfix", ["risk"], "engineer-1")
            rejection = w.add_signature("risk-lead-1", "risk_lead", signature, key)
            dual = ag.DualSignatureValidator.validate(h, signature, key, sec_sig, sec_pub)
            assert not a.authorized and a.reason == name == rejection.value == dual.value, \
                (name, key)
            assert not ag.BIP322Provider().verify(h, signature, key)
    with pytest.raises(TypeError):
        ag.Approver("r", "R", True).authorize_override("p", ["risk"], "j", good, 12345)


# ---- 5: Python-written sinks and logging -------------------------------------------------------

class ListSink:
    def __init__(self):
        self.events, self.threads, self.flushed, self.closed = [], set(), 0, 0

    def emit(self, event):
        self.events.append(event)
        self.threads.add(threading.get_ident())

    def flush(self):
        self.flushed += 1

    def close(self):
        self.closed += 1


def test_a_python_object_with_emit_is_a_sink_called_off_the_decision_path():
    sink = ListSink()
    emitter = ag.TelemetryEmitter(source="svc")
    emitter.add_sink(sink)
    d = ag.pcw_decide(context(risk_proposed=0.3), telemetry_emitter=emitter)
    emitter.flush()
    assert sink.flushed == 1
    made = [e for e in sink.events if e["event_type"] == "decision.made"]
    assert len(made) == 1 and made[0]["decision_id"] == d.decision_id
    assert made[0]["payload"]["status"] == "halt" and made[0]["agent_id"] == "agent-7"
    assert {e["event_type"] for e in sink.events} == {"decision.made", "gate.evaluated"}
    assert threading.get_ident() not in sink.threads  # the sink's own thread
    emitter.close()
    assert sink.closed == 1 and emitter.lost == 0


def test_a_failing_python_sink_is_counted_never_raised_into_pcw_decide(monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    class Broken:
        def emit(self, event):
            raise RuntimeError("receiver down")

    emitter = ag.TelemetryEmitter(source="svc")
    emitter.add_sink(Broken())
    good = ListSink()
    emitter.add_sink(good)
    decided = [ag.pcw_decide(context(), telemetry_emitter=emitter) for _ in range(3)]
    assert all(d.decision_id for d in decided)  # each returned: nothing raised into pcw_decide
    emitter.flush()
    per_decision = len(good.events) // 3
    assert per_decision >= 2 and emitter.lost == 3 * per_decision  # every event of Broken lost
    # the first failure is reported (sys.unraisablehook), not each
    assert len(reported) == 1 and "receiver down" in str(reported[0].exc_value)
    emitter.close()
    with pytest.raises(ValueError, match="sink"):
        emitter.add_sink(object())


def test_decisions_are_logged_through_the_aegis_governance_logger(caplog):
    secret = "sk-live-do-not-log"
    logger = logging.getLogger("aegis_governance")
    with caplog.at_level(logging.WARNING, logger="aegis_governance"):
        ag.pcw_decide(context(metadata={"api_key": secret}))
        assert not caplog.records  # off at WARNING
    with caplog.at_level(logging.INFO, logger="aegis_governance"):
        d = ag.pcw_decide(context(metadata={"api_key": secret}, risk_proposed=0.3))
        assert ag.quick_risk_check("agent-9", "Update config", risk_score=0.1)
        batch = ag.pcw_decide_batch([context(agent_id="agent-b")])
    messages = [r.getMessage() for r in caplog.records if r.name == "aegis_governance"]
    assert messages[0] == f"pcw_decide agent_id=agent-7 decision_id={d.decision_id} status=halt"
    assert messages[1].startswith("quick_risk_check agent_id=agent-9 risk_score=0.1 ")
    assert messages[2] == (f"pcw_decide agent_id=agent-b decision_id={batch[0].decision_id} "
                           f"status={batch[0].status.value}")
    assert all(secret not in m for m in messages)
    assert logger.level == logging.NOTSET  # caplog put it back


# ---- 6: threads --------------------------------------------------------------------------------

def comparable(decision):
    d = decision.to_dict()
    for k in ("decision_id", "timestamp"):
        d.pop(k)
    d["decision_trace"].pop("evaluation_time_ns", None)
    return d


def test_pcw_decide_batch_decides_each_as_pcw_decide_does():
    evaluator = ag.AegisConfig.default().create_gate_evaluator()
    contexts = [context(risk_proposed=r / 10, novelty_score=n / 10)
                for r in range(0, 10, 3) for n in range(0, 10, 4)]
    batch = ag.pcw_decide_batch(contexts, evaluator)
    assert [comparable(b) for b in batch] == \
        [comparable(ag.pcw_decide(c, evaluator)) for c in contexts]
    assert len({b.decision_id for b in batch}) == len(contexts)
    assert ag.pcw_decide_batch(tuple(contexts[:2]))[1].status is \
        ag.pcw_decide(contexts[1]).status
    shadow = ag.pcw_decide_batch(contexts[:1], shadow_mode=True)[0]
    assert shadow.shadow_result is not None and shadow.shadow_result.shadow_only
    monitor = ag.AegisConfig.default().create_drift_monitor()
    monitor.set_baseline([0.1, 0.12, 0.11, 0.13] * 10)
    assert ag.pcw_decide_batch(contexts[:1], drift_monitor=monitor)[0].drift_result is not None
    assert ag.pcw_decide_batch([]) == []


def test_pcw_decide_batch_names_the_bad_context():
    contexts = [context(), context(), context(estimated_impact="enormous")]
    with pytest.raises(ValueError, match=r"contexts\[2\]") as e:
        ag.pcw_decide_batch(contexts)
    assert "estimated_impact" in str(e.value)
    with pytest.raises(TypeError, match=r"contexts\[1\]"):
        ag.pcw_decide_batch([context(), {"agent_id": "x"}])
    with pytest.raises(TypeError, match="sequence"):
        ag.pcw_decide_batch(c for c in [context()])
    with pytest.raises(TypeError):
        ag.pcw_decide_batch(contexts[:1], shadow=True)  # keyword-only names are checked


def other_thread_runs_during(call):
    """Whether another Python thread ran while `call` was inside C++: with the switch interval
    out of reach, the waiting thread can take the GIL only if the call lets go of it."""
    ran = []
    go = threading.Event()
    t = threading.Thread(target=lambda: (go.wait(), ran.append(1)))
    t.start()
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    try:
        go.set()
        call()
        during = bool(ran)
    finally:
        sys.setswitchinterval(old)
    t.join()
    return during


def test_the_gil_is_released_around_batches_signatures_and_the_store(tmp_path):
    contexts = [context(risk_proposed=0.01 * (i % 50)) for i in range(30000)]
    assert other_thread_runs_during(lambda: ag.pcw_decide_batch(contexts))
    # The control: with a DriftMonitor (not thread-safe) the batch keeps the GIL.
    monitor = ag.AegisConfig.default().create_drift_monitor()
    assert not other_thread_runs_during(
        lambda: ag.pcw_decide_batch(contexts[:3000], drift_monitor=monitor))
    sk, pub, _ = ag.BIP322Provider.generate_keypair()
    h = ag.create_message_hash("p", "j", ["risk"])
    sig = ag.BIP322Provider.sign(h, sk)
    approver = ag.Approver("r", "R", True)
    assert other_thread_runs_during(
        lambda: [approver.authorize_override("p", ["risk"], "j", sig, pub) for _ in range(300)])
    assert other_thread_runs_during(
        lambda: [ag.DualSignatureValidator.validate(h, sig, pub, sig, pub) for _ in range(300)])
    store = ag.Store.open(f"sqlite:{tmp_path / 'a.db'}")
    decisions = ag.pcw_decide_batch(contexts[:200])
    assert other_thread_runs_during(lambda: store.record_decisions(decisions))


def test_threads_sharing_a_store_take_turns(tmp_path):
    store = ag.Store.open(f"sqlite:{tmp_path / 'shared.db'}")
    errors = []

    def record():
        try:
            for _ in range(20):
                store.record_decisions(ag.pcw_decide_batch([context()] * 5))
        except Exception as e:  # pragma: no cover - the assertion below reports it
            errors.append(e)

    threads = [threading.Thread(target=record) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    chain = store.verify_chain()
    assert chain["intact"] and chain["entries"] == 4 * 20 * 5


def public_callables():
    for name in ag.__all__:
        obj = getattr(ag, name)
        if isinstance(obj, type):
            if issubclass(obj, BaseException) or issubclass(obj, __import__("enum").Enum):
                continue
            init = vars(obj).get("__init__")
            # A class without a constructor (HybridKEM, Store: static factories) has a slot
            # wrapper that only raises "No constructor defined".
            if hasattr(obj, "__dataclass_fields__") or \
                    (init is not None and type(init).__name__ != "wrapper_descriptor"):
                yield name, obj
            for attr, member in vars(obj).items():
                if attr.startswith("_") or isinstance(member, property):
                    continue
                if callable(getattr(obj, attr)):
                    yield f"{name}.{attr}", getattr(obj, attr)
        elif callable(obj):
            yield name, obj


def test_inspect_signature_works_for_every_public_function_and_constructor():
    failures = []
    for name, obj in public_callables():
        try:
            inspect.signature(obj)
        except (ValueError, TypeError) as e:
            failures.append(f"{name}: {e}")
    assert failures == []
    sig = inspect.signature(ag.pcw_decide_batch)
    assert list(sig.parameters) == ["contexts", "gate_evaluator", "shadow_mode", "drift_monitor"]
    assert sig.parameters["shadow_mode"].kind is inspect.Parameter.KEYWORD_ONLY
    assert sig.parameters["shadow_mode"].default is False
    assert str(inspect.signature(ag.quick_risk_check)) == \
        "(agent_id, action_description, risk_score, threshold=0.5)"
    assert list(inspect.signature(ag.OverrideWorkflow).parameters)[:4] == \
        ["proposal_id", "justification", "failed_gates", "requested_by"]
    assert list(inspect.signature(ag.PCWContext).parameters)[0] == "agent_id"
    bound = ag.GateEvaluator().evaluate_risk_gate
    assert list(inspect.signature(bound).parameters) == ["baseline", "proposed"]
    assert inspect.signature(ag.GateEvaluator().evaluate_risk_gate).bind(0.1, 0.3)
    assert "Evaluates a proposal" in ag.pcw_decide.__doc__  # the description stays


def test_a_sink_may_flush_close_or_drop_its_emitter_from_inside_emit():
    class Reentrant:
        def __init__(self):
            self.emitter, self.seen = None, 0

        def emit(self, event):
            self.seen += 1
            self.emitter.flush()  # would wait for itself: returns at once instead
            if self.seen == 2:
                self.emitter.close()
                self.emitter = None  # the last reference: the sink is destroyed off its thread

    sink = Reentrant()
    emitter = ag.TelemetryEmitter(source="svc")
    emitter.add_sink(sink)
    sink.emitter, emitter = emitter, None
    sink.emitter.emit("override.requested", {"n": 1})
    sink.emitter.emit("override.requested", {"n": 2})
    for _ in range(200):
        if sink.emitter is None:
            break
        threading.Event().wait(0.01)
    assert sink.seen == 2 and sink.emitter is None


def test_queued_events_reach_a_python_sink_at_interpreter_exit(tmp_path):
    out = tmp_path / "events.txt"
    script = tmp_path / "exit.py"
    script.write_text(f"""
import sys, time
sys.path.insert(0, {str(BUILD / "python")!r})
import aegis_governance as ag

class Slow:
    def emit(self, event):
        time.sleep(0.01)
        with open({str(out)!r}, "a") as f:
            f.write(event["event_type"] + "\\n")
    def close(self):
        with open({str(out)!r}, "a") as f:
            f.write("closed\\n")

emitter = ag.TelemetryEmitter(source="svc")
emitter.add_sink(Slow())
for i in range(5):
    emitter.emit("override.requested", {{"i": i}})
""")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_text().splitlines() == ["override.requested"] * 5 + ["closed"]


def test_a_store_given_to_an_afa_bridge_is_the_bridges(tmp_path):
    store = ag.Store.open(f"sqlite:{tmp_path / 'afa.db'}")
    bridge = ag.AFABridge(store=store)
    r = bridge.evaluate(ag.DecisionRequest("req-1", "cand-7", "rebalance",
                                           metrics={"risk_proposed": 0.3}))
    with pytest.raises(RuntimeError, match="AFABridge"):
        store.get_decision(r.decision_id)
    with pytest.raises(RuntimeError, match="already"):
        ag.AFABridge(store=store)
    with pytest.raises(TypeError, match="store must be a Store"):
        ag.AFABridge(store="sqlite:x.db")
    del bridge  # its log drains; another Store on the same database reads what it wrote
    other = ag.Store.open(f"sqlite:{tmp_path / 'afa.db'}")
    assert json.loads(other.get_decision(r.decision_id))["decision_id"] == r.decision_id
