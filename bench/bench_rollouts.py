"""The rollout gates' answer latency (docs/rollouts.md), for BENCHMARKS.md: `aegis serve` with a
durable SQLite store measuring a real Prometheus (Debian's server, scraping an exporter run here),
asked as Argo Rollouts and Flagger ask, one question at a time on a kept-alive connection. Each
answer says how long its Prometheus queries took (`query_ms`); the figure the target is about is
the answer's time without them.
Usage: bench_rollouts.py AEGIS BUILD_DIR OUT.json"""
import http.client
import json
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SOURCE / "tests" / "cli"))

from rollouts_util import Exporter, prometheus_scraping  # noqa: E402
from serve_util import free_port, sha256, wait_for_port  # noqa: E402

ROUNDS, PER_ROUND, WARMUP = 3, 600, 100


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    aegis, out = sys.argv[1], pathlib.Path(sys.argv[3])
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="aegis-bench-rollouts-", dir=sys.argv[2]))
    exporter = Exporter()
    for app, canary in (("checkout", 0.012), ("held", 0.6)):  # held: a HALT, kept while it holds
        for track, value in (("stable", 0.01), ("canary", canary)):
            exporter.set(value, namespace="shop", app=app, track=track, pod="a")
    with prometheus_scraping(exporter, tmp) as prom:
        prom.settle("count(app_error_ratio)", lambda r: r and r[0]["value"][1] == "4")
        config = tmp / "aegis.yaml"
        config.write_text(
            "server:\n  rate_limit_per_minute: 0\n  api_keys:\n"
            f"    - {{actor_id: controller, role: executor, key_sha256: \"{sha256('k')}\"}}\n"
            "sources:\n"
            f"  prometheus: {{url: '{prom.base}'}}\n"
            "  fields:\n"
            "    risk_baseline: 'app_error_ratio{namespace=\"{{namespace}}\",app=\"{{name}}\",track=\"stable\"}'\n"
            "    risk_proposed: 'app_error_ratio{namespace=\"{{namespace}}\",app=\"{{name}}\",track=\"canary\"}'\n")
        port = free_port()
        server = subprocess.Popen([aegis, "serve", "--listen", f"127.0.0.1:{port}", "-c",
                                   str(config), "--db", f"sqlite:{tmp / 'bench.db'}"],
                                  stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, server)
            result = measure(port, prom)
        finally:
            server.terminate()
            server.wait(timeout=60)
    exporter.close()
    shutil.rmtree(tmp, ignore_errors=True)
    out.write_text(json.dumps(result, indent=1))


def measure(port, prom):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Authorization": "Bearer k", "Content-Type": "application/json"}
    flagger = {"name": "checkout", "namespace": "shop", "phase": "Progressing"}
    kinds = {
        # Argo Rollouts without a key: every measurement a new decision (two queries, a commit).
        "argo": lambda i: ("GET", "/v1/integrations/argo-rollouts?namespace=shop&rollout=checkout"
                           f"&revision=r{i}&stable_revision=s1", None),
        # Flagger's rollback hook: decided at every call, like Argo's.
        "flagger_rollback": lambda i: ("POST", "/v1/integrations/flagger/rollback",
                                       dict(flagger, checksum=f"c{i}")),
        # Flagger polling confirm-promotion while it holds (a HALT): the kept decision, read
        # from the store.
        "flagger_poll": lambda i: ("POST", "/v1/integrations/flagger/confirm-promotion",
                                   dict(flagger, name="held", checksum="kept")),
    }
    samples = {k: {"total": [], "own": [], "queries": []} for k in kinds}
    n = 0
    for round_ in range(ROUNDS + 1):
        for _ in range(WARMUP if round_ == 0 else PER_ROUND):
            n += 1
            for kind, request in kinds.items():
                method, path, body = request(n)
                start = time.perf_counter()
                conn.request(method, path, json.dumps(body) if body else None, headers)
                response = conn.getresponse()
                text = response.read()
                took = (time.perf_counter() - start) * 1000
                answer = json.loads(text)
                want = "HALT" if kind == "flagger_poll" else "PROCEED"
                assert answer.get("decision") == want, answer
                assert kind != "flagger_poll" or answer["reused"] or n == 1, answer
                queries = 0.0 if answer["reused"] else sum(
                    m["query_ms"] for m in answer["measurements"].values())
                if round_:
                    samples[kind]["total"].append(took)
                    samples[kind]["own"].append(took - queries)
                    samples[kind]["queries"].append(queries)
    # The same query straight to Prometheus, on its own connection: the part excluded.
    direct = []
    pconn = http.client.HTTPConnection(prom.base.removeprefix("http://"))
    for _ in range(PER_ROUND):
        start = time.perf_counter()
        pconn.request("POST", "/api/v1/query",
                      "query=app_error_ratio%7Bapp%3D%22checkout%22%2Ctrack%3D%22canary%22%7D",
                      {"Content-Type": "application/x-www-form-urlencoded"})
        pconn.getresponse().read()
        direct.append((time.perf_counter() - start) * 1000)
    result = {"rounds": ROUNDS, "per_round": PER_ROUND,
              "prometheus_direct": {"p50_ms": statistics.median(direct),
                                    "p99_ms": percentile(direct, 99)}}
    for kind, s in samples.items():
        result[kind] = {f"{part}_{p}_ms": percentile(s[part], q)
                        for part in ("total", "own", "queries") for p, q in (("p50", 50), ("p99", 99))}
        result[kind]["count"] = len(s["total"])
    return result


if __name__ == "__main__":
    main()
