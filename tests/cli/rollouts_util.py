"""Shared by the rollout gate tests: a real Prometheus server (Debian's `prometheus`, started on
loopback and stopped by its pid) scraping a small exporter the test runs, whose series the test
moves; and the controllers' own request code, replayed by tests/rollouts/controllers.go (built in
GOPATH mode with Debian's golang-go and github.com/antonmedv/expr)."""
import contextlib
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import SOURCE
from serve_util import free_port

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
GO = shutil.which("go") or "/usr/bin/go"


class Exporter:
    """Serves /metrics in Prometheus' text format: gauges `app_error_ratio` from `series`
    ({labels tuple: value}) and counters `http_requests_total` from `rates` ({labels tuple:
    per second}, counted from when each was set)."""

    def __init__(self):
        self.series = {}
        self.rates = {}
        self.lock = threading.Lock()
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with exporter.lock:
                    lines = ["# TYPE app_error_ratio gauge"]
                    for labels, value in sorted(exporter.series.items()):
                        text = ",".join(f'{k}="{v}"' for k, v in labels)
                        lines.append(f"app_error_ratio{{{text}}} {value}")
                    lines.append("# TYPE http_requests_total counter")
                    now = time.monotonic()
                    for labels, (per_second, since, base) in sorted(exporter.rates.items()):
                        text = ",".join(f'{k}="{v}"' for k, v in labels)
                        lines.append(f"http_requests_total{{{text}}} "
                                     f"{base + per_second * (now - since):.3f}")
                body = ("\n".join(lines) + "\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def set(self, value, **labels):
        """Sets one series (value None removes it)."""
        key = tuple(sorted(labels.items()))
        with self.lock:
            if value is None:
                self.series.pop(key, None)
            else:
                self.series[key] = value

    def count(self, per_second, **labels):
        """Sets the rate at which one counter grows from now on."""
        key = tuple(sorted(labels.items()))
        now = time.monotonic()
        with self.lock:
            rate, since, base = self.rates.get(key, (0.0, now, 0.0))
            self.rates[key] = (per_second, now, base + rate * (now - since))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Prometheus:
    def __init__(self, base):
        self.base = base

    def query(self, promql):
        data = urllib.parse.urlencode({"query": promql}).encode()
        with urllib.request.urlopen(self.base + "/api/v1/query", data=data, timeout=10) as r:
            return json.loads(r.read())["data"]["result"]

    def settle(self, promql, want, timeout=90):
        """Waits until the server's answer to `promql` satisfies `want` (its scrapes lag the
        exporter by up to a second or two); raises when it never does."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = self.query(promql)
            if want(last):
                return last
            time.sleep(0.25)
        raise AssertionError(f"Prometheus never settled on {promql}: {last}")


@contextlib.contextmanager
def prometheus_scraping(exporter, tmp):
    """Starts Prometheus scraping `exporter` every second; yields a Prometheus; stops it by pid."""
    port = free_port()
    config = tmp / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: app\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{exporter.port}']}}]\n")
    proc = subprocess.Popen(
        [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"prometheus exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(base + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("prometheus did not become ready")
            time.sleep(0.2)
        prom = Prometheus(base)
        prom.settle('up{job="app"}', lambda r: r and r[0]["value"][1] == "1")
        yield prom
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def build_controllers(tmp):
    """tests/rollouts/controllers.go, built in GOPATH mode: the path of the program."""
    out = tmp / "controllers"
    env = dict(os.environ, GOPATH="/usr/share/gocode", GO111MODULE="off",
               GOCACHE=str(tmp / "gocache"), HOME=str(tmp), GOFLAGS="", CGO_ENABLED="0")
    subprocess.run([GO, "build", "-o", str(out), str(SOURCE / "tests" / "rollouts" /
                                                     "controllers.go")],
                   env=env, check=True, cwd=tmp, timeout=600)
    return out


def replay(program, controller, spec):
    """One request as the controller's own code makes it: Argo's measurement ({phase, value,
    error, status}) or Flagger's webhook result ({success, status, body})."""
    r = subprocess.run([str(program), controller], input=json.dumps(spec).encode(),
                       capture_output=True, check=True, timeout=60)
    return json.loads(r.stdout)
