"""Telemetry from Python: the reference's snippets unchanged, and real deliveries to a receiver
on loopback."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import aegis_governance as ag
import reference_snippets as S
from test_reference_snippets import run


@pytest.fixture
def receiver():
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((json.loads(body), self.headers.get("Authorization")))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/events", got
    server.shutdown()
    server.server_close()


def test_reference_sink_snippets():
    ns, _ = run(S.HTTP_EVENT_SINK)
    assert isinstance(ns["sink"], ag.HTTPEventSink)
    assert ns["sink"].url == "https://telemetry.example.com/events"
    ns, _ = run(S.BATCH_HTTP_SINK)
    assert isinstance(ns["sink"], ag.BatchHTTPSink)
    ns, _ = run(S.HTTP_SINK_FACTORY)
    assert isinstance(ns["sink"], ag.BatchHTTPSink)  # the last assignment has batch_size=50


def test_reference_wiring_snippet_decides_even_when_the_receiver_is_unreachable():
    ns, _ = run(S.TELEMETRY_WIRING)
    assert ns["decision"].status == ag.PCWStatus.HALT
    ns["emitter"].close()  # this machine has no route to telemetry.example.com
    assert ns["emitter"].lost > 0


def test_http_is_refused_unless_insecure_is_allowed(receiver):
    url, _ = receiver
    with pytest.raises(ValueError) as e:
        ag.HTTPEventSink(url)
    assert e.value.field == "url"
    with pytest.raises(ValueError):
        ag.http_sink(url, batch_size=0, allow_insecure=True)


def test_decisions_arrive_as_events(receiver):
    url, got = receiver
    emitter = ag.TelemetryEmitter("py-service")
    sink = ag.HTTPEventSink(url, headers={"Authorization": "Bearer abc"}, allow_insecure=True)
    emitter.add_sink(sink)
    ctx = ag.PCWContext(agent_id="a1", session_id="s1", phase=ag.PCWPhase.PLAN,
                        proposal_summary="p", estimated_impact="medium", risk_proposed=0.3)
    d = ag.pcw_decide(ctx, telemetry_emitter=emitter)
    emitter.emit("override.requested", {"proposal_id": "p-1"}, agent_id="a1")
    emitter.flush()
    events = [e for e, _ in got]
    made = [e for e in events if e["event_type"] == "decision.made"]
    assert len(made) == 1 and made[0]["decision_id"] == d.decision_id
    assert made[0]["payload"]["status"] == "halt" and made[0]["source"] == "py-service"
    gates = {e["payload"]["gate"] for e in events if e["event_type"] == "gate.evaluated"}
    assert gates == {g.value for g in d.gate_evaluation.gates}
    assert any(e["event_type"] == "override.requested" and e["payload"] == {"proposal_id": "p-1"}
               for e in events)
    assert all(auth == "Bearer abc" for _, auth in got)
    assert sink.stats["sent"] == len(events) and sink.stats["failed"] == 0


def test_batch_sink_sends_arrays(receiver):
    url, got = receiver
    sink = ag.BatchHTTPSink(url, batch_size=3, flush_interval_seconds=60, allow_insecure=True)
    for i in range(7):
        sink.emit({"event_type": "decision.made", "payload": {"i": i}})
    sink.close()
    sizes = [len(batch) for batch, _ in got]
    assert sizes == [3, 3, 1]
    assert [e["payload"]["i"] for batch, _ in got for e in batch] == list(range(7))
    sink.emit({"event_type": "decision.made"})  # after close: dropped, not raised
    assert sink.stats["dropped"] == 1
