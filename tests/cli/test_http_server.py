"""The event-driven HTTP server (issue 11): bodies bounded whatever their framing and refused
before they are read, strict RFC 9112 framing, pipelining in order, half-closed clients,
control characters, MCP Origin and Host, and the limits under load (idle keep-alive connections,
slowloris clients, connection cap, a header flood, a 100 MB body)."""
import gzip
import json
import resource
import select
import socket
import subprocess
import threading
import time

import pytest

import serve_util
from conftest import AEGIS
from serve_util import api_key_lines, free_port

KEY = "k-http"
EVAL = b'{"risk_proposed":0.2}'


def start(tmp_path, server=""):
    (tmp_path / "c.yaml").write_text("server:\n  rate_limit_per_minute: 0\n" + server
                                     + "  api_keys:\n" + api_key_lines({KEY: ("ci", "admin")}))
    port = free_port()
    proc = subprocess.Popen([AEGIS, "serve", "--listen", f"127.0.0.1:{port}", "-c",
                             str(tmp_path / "c.yaml"), "--db", f"sqlite:{tmp_path / 'h.db'}"],
                            stderr=subprocess.DEVNULL)
    serve_util.wait_for_port(port, proc)
    return proc, port


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("http")
    proc, port = start(d, "  request_timeout_ms: 2000\n  max_connections: 2000\n"
                       "  max_connections_per_peer: 2000\n  reserved_connections: 1\n")
    yield proc, port, d
    proc.terminate()
    proc.wait(timeout=30)


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def exchange(port, raw, timeout=10, shut=False):
    """Sends raw bytes, returns everything the server sends back until it closes or idles."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(raw)
    if shut:
        s.shutdown(socket.SHUT_WR)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if not shut and b"\r\n\r\n" in data and response_complete(data):
                break
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return data


def response_complete(data):
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return False


def status_of(data):
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else None


def post(path, body, extra=b"", key=KEY):
    auth = b"Authorization: Bearer " + key.encode() + b"\r\n" if key else b""
    return (b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + extra
            + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


# ---- bodies are bounded and refused before they are read -----------------------------------------

def test_a_chunked_body_without_a_key_is_refused_before_it_is_read(server):
    proc, port, _ = server
    before = rss_kib(proc.pid)
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"100000\r\n" + b"a" * 0x100000 + b"\r\n"
    answer = b""
    try:
        for _ in range(500):  # up to 500 MB, as the probe sent; the answer comes first
            s.sendall(chunk)
            s.setblocking(False)
            try:
                answer += s.recv(4096)
            except BlockingIOError:
                pass
            s.setblocking(True)
            if answer:
                break
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.settimeout(5)
    try:
        answer += s.recv(4096)
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    assert status_of(answer) == 401, answer[:200]
    assert rss_kib(proc.pid) - before < 64 * 1024


def test_chunked_and_compressed_bodies_are_held_to_the_limit(server):
    _, port, _ = server
    big = b'{"risk_proposed":0.1,"metadata":{"x":"' + b"a" * (2 << 20) + b'"}}'
    chunked = (b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode()
               + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"".join(b"%x\r\n" % len(big[i:i + 65536]) + big[i:i + 65536] + b"\r\n"
                          for i in range(0, len(big), 65536)) + b"0\r\n\r\n")
    assert status_of(exchange(port, chunked)) == 413
    bomb = gzip.compress(b'{"metadata":{"x":"' + b"a" * (64 << 20) + b'"}}')  # ~64 KB
    answer = exchange(port, post(b"/v1/evaluate", bomb, b"Content-Encoding: gzip\r\n"))
    assert status_of(answer) == 415, answer[:200]
    # The MCP endpoint likewise, before its Origin check.
    answer = exchange(port, post(b"/mcp", bomb, b"Content-Encoding: gzip\r\n", key=None))
    assert status_of(answer) in (401, 415), answer[:200]
    ok = (b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode()
          + b"\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n" + EVAL[:5] + b"\r\n"
          + b"%x\r\n" % (len(EVAL) - 5) + EVAL[5:] + b"\r\n0\r\n\r\n")
    assert status_of(exchange(port, ok)) == 200


def test_a_100_mb_body_is_refused_without_being_read(server):
    proc, port, _ = server
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode()
              + b"\r\nContent-Length: 104857600\r\n\r\n" + b"a" * 65536)
    answer = s.recv(4096)
    s.close()
    assert status_of(answer) == 413, answer[:200]
    assert b"payload_too_large" in answer


def test_a_header_flood_is_431(server):
    _, port, _ = server
    many = b"".join(b"X-F%d: v\r\n" % i for i in range(150))
    assert status_of(exchange(port, post(b"/v1/evaluate", EVAL, many))) == 431
    huge = b"X-Big: " + b"a" * 20000 + b"\r\n"
    assert status_of(exchange(port, post(b"/v1/evaluate", EVAL, huge))) == 431
    assert status_of(exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"a" * 30000)) == 431


# ---- strict framing -----------------------------------------------------------------------------

FRAMING = [
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: 21\r\nContent-Length: 22\r\n\r\n"
    + EVAL,
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: 21\r\nTransfer-Encoding: chunked"
    b"\r\n\r\n" + EVAL,
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n" + EVAL,
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nContent-Length: +21\r\n\r\n" + EVAL,
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"15\n" + EVAL + b"\n0\n\n",
    b"POST /v1/evaluate HTTP/1.1\nHost: x\nContent-Length: 21\n\n" + EVAL,
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\nContent-Length: 21\r\n\r\n"
    + EVAL,
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY.encode()
    + b"\x00garbage\r\nContent-Length: 21\r\n\r\n" + EVAL,
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nX-Bell: a\x07b\r\nContent-Length: 21\r\n\r\n"
    + EVAL,
    # RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host.
    b"POST /v1/evaluate HTTP/1.1\r\nAuthorization: Bearer " + KEY.encode()
    + b"\r\nContent-Length: 21\r\n\r\n" + EVAL,
    b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nHost: y\r\nContent-Length: 21\r\n\r\n" + EVAL,
    b"POST /v1/evaluate HTTP/1.0\r\nHost: x\r\nHost: y\r\nContent-Length: 21\r\n\r\n" + EVAL,
    # RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 is faulty framing (refused, connection closed).
    b"POST /v1/evaluate HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"15\r\n" + EVAL + b"\r\n0\r\n\r\n",
    b"POST /v1/evaluate HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"15\r\n" + EVAL + b"\r\n0\r\n\r\n",
    # An absolute-form target with no authority, or with user info.
    b"GET http:///health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://user@127.0.0.1/health HTTP/1.1\r\nHost: x\r\n\r\n",
]


@pytest.mark.parametrize("raw", FRAMING, ids=range(len(FRAMING)))
def test_bad_framing_is_400_and_the_connection_closes(server, raw):
    _, port, _ = server
    auth = b"Authorization: Bearer " + KEY.encode() + b"\r\n"
    if b"Authorization" not in raw:
        raw = raw.replace(b"Host: x\r\n", b"Host: x\r\n" + auth, 1).replace(
            b"Host: x\n", b"Host: x\n" + auth.replace(b"\r\n", b"\n"), 1)
    answer = exchange(port, raw, timeout=5, shut=False)
    assert status_of(answer) == 400, answer[:300]
    assert b"Connection: close" in answer or b"connection: close" in answer.lower()


def test_absolute_form_targets_are_served(server):
    """RFC 9112 §3.2.2: a server MUST accept the absolute form; its authority replaces Host."""
    _, port, _ = server
    raw = (b"POST http://127.0.0.1:%d/v1/evaluate HTTP/1.1\r\nHost: other.example\r\n" % port
           + b"Authorization: Bearer " + KEY.encode() + b"\r\nContent-Length: 21\r\n\r\n" + EVAL)
    answer = exchange(port, raw)
    assert status_of(answer) == 200 and b'"decision_id"' in answer
    for target in (b"http://127.0.0.1:%d/health" % port, b"HTTP://LOCALHOST/health?x=1"):
        answer = exchange(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(answer) == 200, answer[:200]
    # HTTP/1.0 may leave Host out.
    answer = exchange(port, b"GET /health HTTP/1.0\r\n\r\n", shut=True)
    assert status_of(answer) == 200
    # MCP's Host check sees the target's authority: a foreign one is refused.
    body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    raw = (b"POST http://evil.example/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
           + KEY.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    assert status_of(exchange(port, raw)) == 403


def test_head_is_get_without_the_body(server):
    """RFC 9110 §9.1: GET and HEAD are required. The HEAD answer has GET's headers and length
    and no body: the next pipelined answer follows its blank line at once."""
    _, port, _ = server
    get = exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    length = [line for line in get.split(b"\r\n") if line.lower().startswith(b"content-length")]
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while data.count(b"HTTP/1.1 200") < 2 or not response_complete(data.split(b"\r\n\r\n", 1)[1]):
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    assert status_of(head) == 200 and rest.startswith(b"HTTP/1.1 200")
    assert [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")] == length
    # A POST-only route: 405, and Allow names what is allowed; a GET route's Allow has HEAD.
    answer = exchange(port, b"HEAD /v1/evaluate HTTP/1.1\r\nHost: x\r\n\r\n", timeout=3)
    assert status_of(answer) == 405 and b"Allow: POST" in answer
    answer = exchange(port, post(b"/health", b"{}"))
    assert status_of(answer) == 405 and b"HEAD" in answer.partition(b"\r\n\r\n")[0]


def test_pipelined_requests_are_answered_in_order(server):
    _, port, _ = server
    requests = b"".join(post(b"/v1/evaluate", EVAL, b"X-Request-Id: req-%d\r\n" % i)
                        for i in range(10))
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(requests)
    data = b""
    while data.count(b"HTTP/1.1 200") < 10:
        chunk = s.recv(65536)
        assert chunk, data[-300:]
        data += chunk
    s.close()
    ids = [line.split(b": ")[1] for line in data.split(b"\r\n") if line.lower().startswith(b"x-request-id")]
    assert ids == [b"req-%d" % i for i in range(10)]


def test_a_half_closed_client_still_gets_its_answer(server):
    _, port, _ = server
    answer = exchange(port, post(b"/v1/evaluate", EVAL), shut=True)
    assert status_of(answer) == 200 and b'"decision_id"' in answer


@pytest.mark.parametrize("origin,host,status", [
    (None, b"127.0.0.1", 200), (b"http://localhost:3000", b"localhost:8080", 200),
    (b"http://localhost:80@evil.com", b"127.0.0.1", 403),
    (b"http://evil.com", b"127.0.0.1", 403), (b"http://localhost.evil.com", b"127.0.0.1", 403),
    (b"http://localhost/path", b"127.0.0.1", 403), (None, b"evil.com", 403),
    (b"http://localhost\x00.evil.com", b"127.0.0.1", 400),
    # Host names are compared without regard to case (RFC 9110 §4.2.3).
    (None, b"LOCALHOST:8080", 200), (b"HTTP://LocalHost:3000", b"127.0.0.1", 200),
    (b"http://EVIL.com", b"LOCALHOST", 403),
])
def test_mcp_over_http_checks_origin_and_host(origin, host, status, tmp_path):
    port = free_port()
    proc = subprocess.Popen([AEGIS, "mcp", "--transport", "http", "--port", str(port)],
                            stderr=subprocess.DEVNULL)
    try:
        serve_util.wait_for_port(port, proc)
        body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
        raw = (b"POST /mcp HTTP/1.1\r\nHost: " + host + b"\r\n"
               + (b"Origin: " + origin + b"\r\n" if origin else b"")
               + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        assert status_of(exchange(port, raw)) == status
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def header_of(answer, name):
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def test_serve_mounts_mcp_with_keys_rbac_and_sessions(server):
    _, port, _ = server
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": "aegis_evaluate_proposal",
                                  "arguments": {"risk_proposed": 0.1}}}).encode()
    init = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize",
                       "params": {"protocolVersion": "2025-06-18"}}).encode()
    assert status_of(exchange(port, post(b"/mcp", body, key=None))) == 401
    # Before initialize: HTTP 400 with the JSON-RPC error; no decision is made.
    answer = exchange(port, post(b"/mcp", body))
    assert status_of(answer) == 400
    reply = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert reply["error"]["code"] == -32600 and "result" not in reply
    opened = exchange(port, post(b"/mcp", init))
    session = header_of(opened, b"Mcp-Session-Id")
    assert status_of(opened) == 200 and session and len(session) == 36
    with_session = b"Mcp-Session-Id: " + session + b"\r\n"
    answer = exchange(port, post(b"/mcp", body, with_session))
    assert status_of(answer) == 200
    reply = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert reply["result"]["structuredContent"]["status"] in ("halt", "proceed")
    assert status_of(exchange(port, post(b"/mcp", body, b"Mcp-Session-Id: nope\r\n"))) == 404
    assert status_of(exchange(port, post(b"/mcp", body, b"Origin: http://evil.com\r\n"
                                         + with_session))) == 403
    ended = exchange(port, b"DELETE /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                     + KEY.encode() + b"\r\n" + with_session + b"\r\n")
    assert status_of(ended) == 204
    assert status_of(exchange(port, post(b"/mcp", body, with_session))) == 404


# ---- the limits under load ----------------------------------------------------------------------

def test_slowloris_clients_are_cut_off_while_evaluate_answers(server):
    proc, port, _ = server
    slow = []
    for _ in range(1000):
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"POST /v1/evaluate HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        slow.append(s)
    stop = threading.Event()

    def drip():
        while not stop.is_set():
            for s in slow:
                try:
                    s.send(b"a")
                except OSError:
                    pass
            time.sleep(0.2)

    t = threading.Thread(target=drip)
    t.start()
    try:
        for _ in range(20):  # answered meanwhile (a stalled server would time these out)
            status, _, _ = serve_util.call(f"http://127.0.0.1:{port}", "POST", "/v1/evaluate",
                                           {"risk_proposed": 0.2}, key=KEY)
            assert status == 200
        time.sleep(3)  # past the 2 s request deadline of this server
        cut = 0
        for s in slow:
            s.settimeout(5)
            try:
                data = s.recv(4096)
                cut += data == b"" or status_of(data) == 408
            except ConnectionResetError:
                cut += 1
            except socket.timeout:
                pass
        assert cut == len(slow)
    finally:
        stop.set()
        t.join()
        for s in slow:
            s.close()


def test_ten_thousand_idle_keep_alive_connections(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    # 10,000 held from one address and room for more.
    proc, port = start(tmp_path, "  max_connections: 10100\n  max_connections_per_peer: 10100\n"
                       "  reserved_connections: 1\n")
    conns = []
    try:
        before = rss_kib(proc.pid)
        request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        for _ in range(10000):
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.sendall(request)
            conns.append(s)
        for s in conns:  # each got its answer and stays open (keep-alive)
            data = b""
            while not response_complete(data):
                data += s.recv(4096)
            assert status_of(data) == 200
        held = rss_kib(proc.pid)
        status, _, _ = serve_util.call(f"http://127.0.0.1:{port}", "POST", "/v1/evaluate",
                                       {"risk_proposed": 0.2}, key=KEY)
        assert status == 200
        for s in conns[::500]:  # still open: nothing to read, no EOF
            s.setblocking(False)
            with pytest.raises(BlockingIOError):
                s.recv(1)
        print(f"\n10,000 idle connections: {(held - before) / 10000:.1f} KiB each "
              f"(RSS {before} -> {held} KiB)")
    finally:
        for s in conns:
            s.close()
        proc.terminate()
        proc.wait(timeout=60)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def closed_by_server(s, wait=10):
    """Whether the server has closed `s` (EOF or reset) within `wait` seconds."""
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def keyed_connection(port, source="127.0.0.1"):
    """A keep-alive connection one authenticated request has used (proven)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    s.sendall(post(b"/v1/evaluate", EVAL))
    data = b""
    while not response_complete(data):
        data += s.recv(65536)
    assert status_of(data) == 200
    return s


def test_connections_beyond_the_cap_get_503_only_when_every_one_is_proven(tmp_path):
    # A first-request deadline far away: only eviction closes an idle connection here.
    proc, port = start(tmp_path, "  max_connections: 20\n  reserved_connections: 5\n"
                                 "  request_timeout_ms: 600000\n")
    try:
        # Idle connections no key has used are the first to go: the oldest makes room.
        # (Two I/O threads may admit two connections in either order: "oldest" is up to one
        # place off.)
        # Sixteen against a share of fifteen: the sixteenth's admission closes exactly one.
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        readable, _, _ = select.select(idle, [], [], 120)  # generous: only a hang reaches it
        assert readable, "a connection should have been closed to make room"
        closed = [closed_by_server(s, wait=0.05) for s in idle]
        assert closed.count(True) == 1 and closed.index(True) < 2, closed
        # A keyed client is served while the unproven ones fill their share.
        assert status_of(exchange(port, post(b"/v1/evaluate", EVAL))) == 200
        for s in idle:
            s.close()
        # Twenty connections that keys have used are never closed to make room: 503.
        held = [keyed_connection(port) for _ in range(20)]
        answer = exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert status_of(answer) == 503 and b"unavailable" in answer
        for s in held:
            s.close()
        time.sleep(0.5)
        assert status_of(exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")) == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_one_address_flooding_idle_connections_locks_no_keyed_client_out(tmp_path):
    """The probe's flood: 10,000 idle connections from one address while keyed evaluates (from
    another loopback address) keep answering 200; the flood is held to its per-address share,
    and memory comes back down after it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    proc, port = start(tmp_path)  # the defaults: 10,000 connections, 100 per address
    flood = []
    try:
        before = rss_kib(proc.pid)
        refused = 0
        statuses = []
        for i in range(10000):
            s = socket.create_connection(("127.0.0.1", port), timeout=30,
                                         source_address=("127.0.0.2", 0))
            flood.append(s)
            if i % 500 == 499:  # a keyed client, meanwhile
                statuses.append(serve_util.call(f"http://127.0.0.1:{port}", "POST",
                                                "/v1/evaluate", {"risk_proposed": 0.2},
                                                key=KEY)[0])
        # Every refusal is answered at once, however slow the machine: wait (generously) until
        # all but the address's share have their 503, then count.
        poller = select.poll()
        for s in flood:
            poller.register(s, select.POLLIN)
        deadline = time.monotonic() + 300
        readable = set()
        while len(readable) < 10000 - 100 and time.monotonic() < deadline:
            for fd, _ in poller.poll(1000):
                readable.add(fd)
                poller.unregister(fd)
        by_fd = {s.fileno(): s for s in flood}
        for fd in readable:
            s = by_fd[fd]
            s.setblocking(False)
            try:
                if s.recv(4096)[:12] == b"HTTP/1.1 503":
                    refused += 1
            except (BlockingIOError, ConnectionResetError):
                pass
        keyed = keyed_connection(port)
        keyed.close()
        assert statuses == [200] * 20
        held = 10000 - refused
        print(f"\nflood: {held} held, {refused} refused at once; RSS {before} KiB before")
        assert held <= 100 + 50  # the address's share (and refusals not yet read)
        during = rss_kib(proc.pid)
    finally:
        for s in flood:
            s.close()
    try:
        time.sleep(1)
        assert status_of(exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")) == 200
        after = rss_kib(proc.pid)
        print(f"RSS during the flood {during} KiB, after {after} KiB")
        assert after - before < 16 * 1024  # the probe saw +61 MB that stayed
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_client_that_leaves_mid_request_loses_nothing_committed(server):
    _, port, d = server

    def entries():
        r = subprocess.run([AEGIS, "audit", "verify", "--db", f"sqlite:{d / 'h.db'}"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout  # intact at every moment
        return json.loads(r.stdout)["entries"]

    before = entries()
    # Leaves after sending a whole batch: it is decided and committed even so.
    batch = json.dumps([{"risk_proposed": 0.2}] * 50).encode()
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(post(b"/v1/evaluate/batch", batch))
    s.close()
    # Leaves in the middle of a body: nothing of it is decided.
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(post(b"/v1/evaluate", EVAL)[:-5])
    s.close()
    for _ in range(300):  # the batch is committed after its client left; wait for it
        if entries() >= before + 50:
            break
        time.sleep(0.1)
    time.sleep(0.5)
    assert entries() == before + 50  # the whole batch, and nothing of the cut request
