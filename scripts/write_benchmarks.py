#!/usr/bin/python3
"""Turns the raw benchmark outputs in BUILD into BENCHMARKS.md (stdout)."""
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

build = Path(sys.argv[1])
core = json.loads((build / "bench-core.json").read_text())
latency = json.loads((build / "bench-latency.json").read_text())
python = json.loads((build / "bench-python.json").read_text())
crypto = json.loads((build / "bench-crypto.json").read_text())
batch_runs = [float(m) for m in re.findall(r"([0-9.]+) decisions/s",
                                           (build / "bench-batch.txt").read_text())]
batch_all_runs = [float(m) for m in re.findall(r"([0-9.]+) decisions/s",
                                               (build / "bench-batch-all.txt").read_text())]


def median_ns(name, source=None):
    for b in (source or core)["benchmarks"]:
        if b["name"] == f"{name}_median":
            assert b["time_unit"] == "ns", b
            return b["real_time"]
    raise KeyError(name)


def cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                        text=True).stdout.strip() or "unknown"
# BENCHMARKS.md itself is being rewritten by this run: it does not make the tree dirty.
dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                        ":!BENCHMARKS.md"], capture_output=True, text=True).stdout.strip()

rows = [
    ("`evaluate_all` (5 gates)", median_ns("BM_EvaluateAll"), "≤ 150 ns", 150),
    ("`pcw_decide`, a PROCEED context (mean per call, decision record included)", median_ns("BM_PcwDecide"), "—", None),
    ("`pcw_decide`, one context per status in turn (mean)", median_ns("BM_PcwDecideStatusMix"), "—", None),
    ("`pcw_decide` p50 (per-call timing, 200k calls over the four statuses)", latency["p50_ns"], "≤ 1 µs", 1000),
    ("`pcw_decide` p99", latency["p99_ns"], "≤ 3 µs", 3000),
    ("`pcw_decide` with drift monitor", median_ns("BM_PcwDecideWithDrift"), "—", None),
    ("drift `add_observation` + `evaluate`", median_ns("BM_DriftAddEvaluate"), "≤ 100 ns", 100),
    ("JSON parse + decide + serialise", median_ns("BM_JsonParseDecideSerialise"), "—", None),
    ("  of which: context JSON parse", median_ns("BM_JsonParse"), "—", None),
    ("  of which: decision JSON serialise", median_ns("BM_DecisionSerialise"), "—", None),
]

ctx = core["context"]
print("# Benchmarks\n")
print("Written by `make bench` (scripts/bench.sh); every figure is measured on one core "
      "(`taskset`) except thread scaling and HTTP, Release build.\n")
print(f"- Machine: {cpu_model()}, {ctx.get('num_cpus')} CPUs, "
      f"{platform.system()} {platform.release()}")
print(f"- Commit: {commit}{' (with uncommitted changes)' if dirty else ''}")
print(f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
print(f"- Google Benchmark: median of 5 repetitions; CPU scaling "
      f"{'enabled' if ctx.get('cpu_scaling_enabled') else 'disabled'}\n")
print("| what | measured | target | verdict |")
print("|---|---:|---:|---|")
for name, ns, target, limit in rows:
    verdict = "" if limit is None else ("met" if ns <= limit else "**missed**")
    print(f"| {name} | {ns:,.0f} ns | {target} | {verdict} |")
print(f"| Python `pcw_decide` through `aegis_governance` (best of 5 × 200k calls) "
      f"| {python['cpp_module_ns']:,.0f} ns | ≤ 2 µs | "
      f"{'met' if python['cpp_module_ns'] <= 2000 else '**missed**'} |")
print(f"| the same decision in plain Python with scipy (as the original SDK) "
      f"| {python['python_scipy_ns']:,.0f} ns | — | the module is "
      f"{python['ratio']:.0f}× faster |")
threads = json.loads((build / "bench-python-threads.json").read_text())
per_s = threads["per_s"]
for size in (100, 1000):
    one, two = per_s[f"batch{size}_1"], per_s[f"batch{size}_2"]
    scaling = threads[f"batch{size}_scaling"]
    print(f"| Python `pcw_decide_batch`, batches of {size:,}: one thread → two threads (unpinned, "
          f"best of 15 interleaved rounds) | {one:,.0f} → {two:,.0f} decisions/s = "
          f"{scaling:.2f}× | ≥ 1.7× | {'met' if scaling >= 1.7 else '**missed**'} |")
print(f"|   the two cores' ceiling in the same run (SHA-256 of 4 MiB without the GIL, one thread "
      f"→ two) | {threads['reference_scaling']:.2f}× | — |  |")
raw = median_ns("BM_RawSecp256k1SchnorrVerify", crypto)
override = median_ns("BM_OverrideTwoSignatures", crypto)
for label, name in [("raw libsecp256k1 `schnorrsig_verify` (one signature, parsed key)",
                     "BM_RawSecp256k1SchnorrVerify"),
                    ("BIP-340 sign (fresh aux randomness)", "BM_Bip340Sign"),
                    ("BIP-322 simple P2TR sign", "BM_Bip322SignSimple"),
                    ("BIP-322 simple P2TR verify from an internal key (tweak included)",
                     "BM_Bip322VerifyWithInternalKey")]:
    print(f"| {label} | {median_ns(name, crypto):,.0f} ns | — |  |")
print(f"| two-key override verification (registry, two BIP-322 P2TR signatures) | "
      f"{override:,.0f} ns = {override / raw:.2f} × raw verify | ≤ 2.5 × raw verify | "
      f"{'met' if override <= 2.5 * raw else '**missed**'} |")
med = statistics.median(batch_runs)
med_all = statistics.median(batch_all_runs)
verdict = "met" if med_all >= 500_000 else "**missed**"
print(f"| `aegis evaluate --batch --threads {os.cpu_count()}`, 1,000,000 lines JSONL → JSONL, "
      f"every core (median of {len(batch_all_runs)} runs: "
      f"{', '.join(f'{r:,.0f}' for r in batch_all_runs)}) "
      f"| {med_all:,.0f} decisions/s = {med_all / med:.2f}× one thread | ≥ 500,000/s | {verdict} |")
print(f"| the same with `--threads 1` on one core "
      f"(median of {len(batch_runs)} runs: {', '.join(f'{r:,.0f}' for r in batch_runs)}) "
      f"| {med:,.0f} decisions/s | — |  |")
py_loop = json.loads((build / "bench-batch-python.json").read_text())["decisions_per_s"]
ratio_all, ratio_one = med_all / py_loop, med / py_loop
print(f"| the same lines through a plain-Python loop shaped like the reference SDK (json, its "
      f"dataclasses, math.erfc, uuid4, json.dumps; one core): the reference run "
      f"| {py_loop:,.0f} decisions/s; `--batch` is **{ratio_all:.1f}×** on every core, "
      f"{ratio_one:.1f}× on one | ≥ 15× | {'met' if ratio_all >= 15 else '**missed**'} |")
kem = json.loads((build / "bench-kem.json").read_text())
noble = json.loads((build / "bench-noble.json").read_text())
# mlkem-native (liboqs's ML-KEM-768 since liboqs 0.13), AVX2, Intel Xeon 4th gen (AWS c7i), as
# published by its CI (github.com/pq-code-package/mlkem-native, pull 1619): cycles per call.
published = {"keygen": 21_321, "encapsulate": 22_292, "decapsulate": 28_060}
for op, name, noble_key in [("keygen", "BM_XWingKeygen", "keygen_ns"),
                            ("encapsulate", "BM_XWingEncapsulate", "encapsulate_ns"),
                            ("decapsulate", "BM_XWingDecapsulate", "decapsulate_ns")]:
    ns = median_ns(name, kem)
    print(f"| X-Wing {op} (ML-KEM-768 + X25519; noble `ml_kem768_x25519` in the same run: "
          f"{noble[noble_key]:,.0f} ns) | {ns:,.0f} ns = **{noble[noble_key] / ns:.1f}× faster "
          f"than noble** | — |  |")
for op, name in [("keygen", "BM_MlKem768Keygen"), ("encapsulate", "BM_MlKem768Encapsulate"),
                 ("decapsulate", "BM_MlKem768Decapsulate")]:
    print(f"| ML-KEM-768 {op} alone (portable C++, no SIMD; published mlkem-native AVX2: "
          f"{published[op]:,} cycles on a Xeon 4th gen) | {median_ns(name, kem):,.0f} ns | — |  |")
epoch = median_ns('BM_TelemetryEpoch', kem)
event = median_ns('BM_TelemetrySealEvent', kem)
print(f"| telemetry encryption, per epoch (HPKE setup: one X-Wing encapsulation + export; at "
      f"most every 10,000 events or 300 s; @hpke/core in the same run: {noble['epoch_ns']:,.0f} "
      f"ns) | {epoch:,.0f} ns = **{noble['epoch_ns'] / epoch:.1f}× faster** | — |  |")
print(f"| telemetry encryption, per event (personal fields out, JSON, AES-256-GCM; WebCrypto "
      f"AES-GCM of the same fields in the same run: {noble['event_ns']:,.0f} ns) "
      f"| {event:,.0f} ns = {noble['event_ns'] / event:.1f}× | — |  |")
print(f"| KEK wrap + unwrap of 32 bytes, in memory (RFC 5649, OpenSSL) "
      f"| {median_ns('BM_InMemoryWrapUnwrap', kem):,.0f} ns | — |  |")
try:
    print(f"| KEK wrap + unwrap of 32 bytes, SoftHSM2 2.6 through PKCS#11 (session objects, "
          f"CKM_AES_KEY_WRAP_PAD) | {median_ns('BM_HsmWrapUnwrap', kem):,.0f} ns | — |  |")
except KeyError:
    pass
durable = json.loads((build / "bench-durable.json").read_text())
disk, sqlite, pg = durable["disk"], durable["runs"]["sqlite"], durable["runs"]["postgresql"]
print(f"| this disk's synced-append bandwidth (1 GiB in 32 MiB appends, each followed by "
      f"fdatasync; before the durable runs {disk['before']['bytes_per_s'] / 1e6:,.0f} MB/s, after "
      f"{disk['after']['bytes_per_s'] / 1e6:,.0f} MB/s; fdatasync after a 4 KiB append: p50 "
      f"{disk['before']['small_sync_p50_ms']:.2f} ms) | {disk['bytes_per_s'] / 1e6:,.0f} MB/s "
      f"(mean) | — |  |")
print(f"| durable decisions into SQLite (`evaluate --batch --db`, {durable['threads']} threads, WAL, "
      f"synchronous=FULL, group commit, 100,000 lines; chain verified after; "
      f"{sqlite['bytes_per_decision']:,.0f} bytes written to the disk a decision, WAL and "
      f"checkpoints) | {sqlite['rate']:,.0f} decisions/s = **{sqlite['share_of_bandwidth']:.0%} of "
      f"the disk's bandwidth** | ≥ 100,000/s | "
      f"{'met' if sqlite['rate'] >= 100_000 else '**missed**'} |")
print(f"| durable decisions into PostgreSQL 15 (same input and threads; COPY, lz4 bodies, locked "
      f"chain head, server on this machine) | {pg['rate']:,.0f} decisions/s | ≥ 50,000/s | "
      f"{'met' if pg['rate'] >= 50_000 else '**missed**'} |")
def wrk_figures(name):
    return {k: float(v) for k, v in
            (kv.split("=") for kv in (build / name).read_text().split()[1:])}


http = {}
for line in (build / "bench-http.txt").read_text().splitlines():
    fields = dict(kv.split("=") for kv in line.split()[1:])
    name = fields.pop("name")
    http[name] = {k: float(v) for k, v in fields.items()}
nginx = http["nginx"]["requests_per_sec"]


def http_row(name, what, share, p99_limit=None):
    w = http[name]
    rps, p99, errors = w["requests_per_sec"], w["p99_ms"], int(w["errors"] + w["non2xx"])
    ratio = rps / nginx
    target = f"≥ {share:.0%} of nginx" if share else "—"
    ok = share is None or (ratio >= share and (p99_limit is None or p99 <= p99_limit) and
                           errors == 0)
    if p99_limit:
        target += f", p99 ≤ {p99_limit} ms, 0 errors"
    verdict = "" if share is None else ("met" if ok else "**missed**")
    print(f"| {what} | {rps:,.0f} req/s = **{ratio:.2f}× nginx**, p50 {w['p50_ms']:.2f} ms, "
          f"p99 {p99:.2f} ms, {errors} errors | {target} | {verdict} |")


print(f"| nginx 1.22 (Debian nginx-light, worker_processes 2, access_log off, a fixed ~100-byte "
      f"JSON body): this machine's ceiling, same wrk settings | {nginx:,.0f} req/s, p99 "
      f"{http['nginx']['p99_ms']:.2f} ms | reference | |")
http_row("risk-check", "`aegis serve` POST /v1/risk-check (API key, RBAC, rate limiter, JSON; no "
         "store), wrk 2 threads × 64 connections, 10 s, keep-alive", 0.5)
http_row("evaluate-sqlite", "`aegis serve` POST /v1/evaluate, durable SQLite (each answer "
         "committed first, group commit)", 0.25, 5)
http_row("evaluate-postgresql", "`aegis serve` POST /v1/evaluate, PostgreSQL 15 on this machine",
         None)
http_row("mcp-tools-call", "`aegis serve` POST /mcp, MCP `tools/call aegis_quick_risk_check`",
         None)
gateway = json.loads((build / "bench-gateway.json").read_text())
g, d, sync = gateway["gateway"], gateway["direct"], gateway["fdatasync"]
added_p50, added_p99 = g["p50_ms"] - d["p50_ms"], g["p99_ms"] - d["p99_ms"]
p50_ok = added_p50 <= sync["p50_ms"] + 0.3
p99_ok = added_p99 <= sync["p99_ms"] + 2
print("\n## The MCP gateway, side by side\n")
print("The same `tools/call` (server-everything's `echo`) from the official TypeScript SDK client, "
      f"{gateway['in_flight']} requests in flight on one stdio session, {gateway['calls']:,} calls "
      f"after a warm-up, {gateway['rounds']} interleaved rounds (medians shown): directly to the "
      "server, and through `aegis gateway` with a durable SQLite store (each call decided, its "
      "decision and call record committed, then forwarded). The client, the gateway and the "
      "server share this machine's two cores.\n")
print("| what | p50 | p99 | calls/s | target | |")
print("|---|---|---|---|---|---|")
print(f"| this disk's fdatasync (256-byte appends, same run) | {sync['p50_ms']:.3f} ms | "
      f"{sync['p99_ms']:.3f} ms | — | reference | |")
print(f"| direct to server-everything (stdio) | {d['p50_ms']:.2f} ms | {d['p99_ms']:.2f} ms | "
      f"{d['calls_per_s']:,.0f} | reference | |")
print(f"| through `aegis gateway` (stdio, SQLite) | {g['p50_ms']:.2f} ms | {g['p99_ms']:.2f} ms | "
      f"{g['calls_per_s']:,.0f} = **{g['calls_per_s'] / d['calls_per_s']:.0%} of direct** | — | |")
print(f"| added by the gateway | **{added_p50:+.2f} ms** | **{added_p99:+.2f} ms** | — | p50 ≤ "
      f"fdatasync p50 + 0.3 ms, p99 ≤ fdatasync p99 + 2 ms | "
      f"{'met' if p50_ok and p99_ok else '**missed**'} |")
dh, gh = gateway["direct_http"], gateway["gateway_http"]
http_share = gh["calls_per_s"] / dh["calls_per_s"]
print(f"| direct to server-everything over Streamable HTTP, {gateway['in_flight']} clients (a "
      f"session each) | {dh['p50_ms']:.2f} ms | {dh['p99_ms']:.2f} ms | {dh['calls_per_s']:,.0f} | "
      "reference | |")
print(f"| through `aegis gateway --listen` (Streamable HTTP both sides, SQLite) | {gh['p50_ms']:.2f} ms "
      f"| {gh['p99_ms']:.2f} ms | {gh['calls_per_s']:,.0f} = **{http_share:.0%} of direct** | ≥ 80% "
      f"of direct | {'met' if http_share >= 0.8 else '**missed**'} |")

rollouts = json.loads((build / "bench-rollouts.json").read_text())
print("\n## The rollout gates' answers\n")
print("`aegis serve` with a durable SQLite store measuring a real Prometheus (Debian's server, "
      "scraping an exporter on this machine), asked as Argo Rollouts and Flagger ask: one question "
      f"at a time on a kept-alive connection, {rollouts['rounds']} rounds of "
      f"{rollouts['per_round']:,} per kind, the kinds interleaved. Each answer says how long its "
      "Prometheus queries took (`query_ms`: libcurl's exchange with the server, connect to last "
      "byte); *own* is the answer's time without them (AEGIS's encoding of the queries and "
      "reading of the answers stay in it), which the target is about (both controllers wait "
      "10 s by default).\n")
print("| what | p50 | p99 | queries p50 (excluded) | own p50 | own p99 | target | |")
print("|---|---|---|---|---|---|---|---|")
pd = rollouts["prometheus_direct"]
print(f"| one instant query straight to Prometheus from Python, for comparison | {pd['p50_ms']:.2f} ms "
      f"| {pd['p99_ms']:.2f} ms | — | — | — | reference | |")
for kind, what in (("argo", "Argo Rollouts `GET /v1/integrations/argo-rollouts`: two queries, a "
                    "decision committed"),
                   ("flagger_rollback", "Flagger `rollback` hook: two queries, a decision committed"),
                   ("flagger_poll", "Flagger polling `confirm-promotion` while it holds (a HALT): "
                    "the kept decision, read from the store")):
    r = rollouts[kind]
    print(f"| {what} | {r['total_p50_ms']:.2f} ms | {r['total_p99_ms']:.2f} ms | "
          f"{r['queries_p50_ms']:.2f} ms | "
          f"{r['own_p50_ms']:.2f} ms | **{r['own_p99_ms']:.2f} ms** | own p99 ≤ 10 ms | "
          f"{'met' if r['own_p99_ms'] <= 10 else '**missed**'} |")

per_line = 1e9 / med
print(f"\n**Where the batch time goes.** On one thread, at {med:,.0f} decisions/s a line costs "
      f"{per_line:,.0f} ns: "
      f"parsing the context {median_ns('BM_JsonParse'):,.0f} ns, deciding "
      f"{median_ns('BM_PcwDecideStatusMix'):,.0f} ns, writing the decision {median_ns('BM_DecisionSerialise'):,.0f} ns "
      "(figures for the benchmark context; batch lines that HALT or ESCALATE carry longer "
      "rationales), the rest reading lines and writing output. A full decision is about 2.3 KB of "
      "JSON with ~36 numbers, each printed in shortest round-trip form (Dragonbox's digits in "
      "ECMAScript's layout), plus the six gate messages. Every core divides the line's cost by "
      "about the number of cores (`--threads`); the 500,000/s target on two cores leaves "
      "4,000 ns of one core per line, so it is missed with full decision records; "
      "the decision path itself (`pcw_decide`) is well inside its own target.")
print(f"\n**What bounds the durable batch.** SQLite writes {sqlite['bytes_per_decision']:,.0f} bytes "
      "to the disk a decision (the child's block writes: each 3.4 KB row goes to the WAL and again "
      "to the database at checkpoint, with the decision-id index's random leaves), "
      f"{sqlite['bytes_per_decision'] * sqlite['rate'] / 1e6:,.0f} MB/s at this rate. The share "
      "compares that with appends that are each synced; it can pass 100% because the checkpoints' "
      "writes are synced once per checkpoint, not per append, and because this shared disk's "
      "bandwidth moves from minute to minute (both readings are above). The run is bound by CPU: "
      "about 34 µs of it a decision on two cores (the kernel's page-cache work 28%, SQLite 17%, "
      "deciding and writing 22%, SHA-256 8%), and with `synchronous=NORMAL` (no sync at all) it "
      "was no faster (docs/DECISIONS.md, store). PostgreSQL's server, on the same two cores, "
      "spends its time in the heap and index inserts and lz4.")
print("\nThe p50/p99 figures time each call with two `steady_clock` reads, whose cost "
      "(~20–40 ns) is included. For comparison, published figures: Cedar reports 4–11 µs "
      "median per authorization, the Microsoft agent governance toolkit 11–103 µs p50, "
      "OPA budgets ~1 ms.")
