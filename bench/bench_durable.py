#!/usr/bin/python3
"""Durable decisions against this disk's own limit, in one run.

1. The disk's sustained synced-append bandwidth (before the runs and after them): 1 GiB appended to a new file next to the
   database in 32 MiB pieces, each followed by fdatasync(2) (what a WAL commit of a large group
   does), plus the fdatasync latency after small (4 KiB) appends.
2. `aegis evaluate --batch IN --db URL -o /dev/null --threads N`: its rate (from its summary
   line) and, for SQLite, the bytes it wrote to the disk (the child's block writes, rusage
   ru_oublock × 512: the WAL and the checkpoints into the database), then `aegis audit verify`.
The share of the bandwidth used is bytes per decision × rate ÷ bandwidth.
Usage: bench_durable.py AEGIS IN.jsonl DIR OUT.json URL [URL ...] (a URL "sqlite" means a new
database in DIR)."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time


def synced_append_bandwidth(directory, total=1 << 30, piece=32 << 20):
    block = os.urandom(piece)  # incompressible, in case the device compresses
    fd, path = tempfile.mkstemp(dir=directory, prefix="disk-append-")
    try:
        written = 0
        start = time.perf_counter()
        while written < total:
            view = memoryview(block)
            while view:
                view = view[os.write(fd, view):]
            os.fdatasync(fd)
            written += piece
        elapsed = time.perf_counter() - start
        small = os.urandom(4096)
        syncs = []
        for _ in range(400):
            os.write(fd, small)
            t = time.perf_counter()
            os.fdatasync(fd)
            syncs.append(time.perf_counter() - t)
        syncs.sort()
    finally:
        os.close(fd)
        os.unlink(path)
    return {"bytes_per_s": written / elapsed, "piece": piece,
            "small_sync_p50_ms": syncs[len(syncs) // 2] * 1e3,
            "small_sync_p99_ms": syncs[len(syncs) * 99 // 100] * 1e3}


def durable_run(aegis, batch, url, threads):
    err = tempfile.TemporaryFile()
    child = subprocess.Popen([aegis, "evaluate", "--batch", batch, "-o", "/dev/null",
                              "--threads", str(threads), "--db", url],
                             stdout=subprocess.DEVNULL, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
    err.seek(0)
    text = err.read().decode()
    if status != 0:
        sys.exit(f"bench_durable: {url}: exit status {status}: {text}")
    rate = float(re.findall(r"([0-9.]+) decisions/s", text)[-1])
    decisions = int(re.findall(r"(\d+) decisions \(", text)[-1])
    subprocess.run([aegis, "audit", "verify", "--db", url], check=True, stdout=subprocess.DEVNULL)
    return {"rate": rate, "decisions": decisions, "disk_bytes": usage.ru_oublock * 512}


def main():
    aegis, batch, directory, out, *urls = sys.argv[1:]
    threads = os.cpu_count()
    before = synced_append_bandwidth(directory)
    result = {"threads": threads, "runs": {}}
    for url in urls:
        engine = "sqlite" if url == "sqlite" else "postgresql"
        if url == "sqlite":
            db = os.path.join(directory, "bench-durable.db")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.unlink(db + suffix)
            url = "sqlite:" + db
        run = durable_run(aegis, batch, url, threads)
        if engine == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.unlink(db + suffix)
        if engine != "sqlite":
            del run["disk_bytes"]  # the server writes, not this child
        result["runs"][engine] = run
    # The disk is shared and its bandwidth moves: measured before and after, the mean is used.
    after = synced_append_bandwidth(directory)
    result["disk"] = {"bytes_per_s": (before["bytes_per_s"] + after["bytes_per_s"]) / 2,
                      "before": before, "after": after}
    if "sqlite" in result["runs"]:
        run = result["runs"]["sqlite"]
        run["bytes_per_decision"] = run["disk_bytes"] / run["decisions"]
        run["share_of_bandwidth"] = (run["bytes_per_decision"] * run["rate"]
                                     / result["disk"]["bytes_per_s"])
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
