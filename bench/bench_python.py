#!/usr/bin/python3
"""Per-call time of pcw_decide through aegis_governance (the C++ engine) beside a plain-Python
implementation of the same gates and decision with scipy, as the original SDK computes them.
With --threads: pcw_decide_batch's decisions/s in one thread and in two threads at once (run it
unpinned, on two cores).
Usage: bench_python.py BUILD_DIR OUT.json [--threads]"""
import hashlib
import json
import sys
import threading
import time
import timeit
from math import sqrt

from scipy import stats

sys.path.insert(0, f"{sys.argv[1]}/python")
import aegis_governance as ag  # noqa: E402
from bench_batch_python import PCWContext as Ctx, decide  # noqa: E402  (the reference's shape)


def scipy_posterior(x):
    """The risk posterior as the original SDK computes it, with scipy."""
    prec = 1.0 + 4.0
    return stats.norm.sf(2.0, loc=(4.0 * x) / prec, scale=sqrt(1 / prec))


def py_decide(c):
    """The reference-shaped decision of the batch benchmark's loop, with scipy's posterior."""
    return decide(c, posterior=scipy_posterior)


def per_call_ns(fn, n):
    best = min(timeit.repeat(fn, number=n, repeat=5))
    return best / n * 1e9


def rate(threads, work, items):
    """Items/s of `threads` threads each running work() once, started together."""
    barrier = threading.Barrier(threads + 1)

    def run():
        barrier.wait()
        work()

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    return threads * items / (time.perf_counter() - start)


def threads_main():
    """pcw_decide_batch in one thread and in two, for batches of 100 and of 1,000 contexts,
    rounds interleaved, best of each; beside it the same measure of a task that scales perfectly
    in software (SHA-256 of 4 MiB, which hashlib computes without the GIL): what the two cores
    of this shared machine give at best, in the same run."""
    ev = ag.GateEvaluator()
    contexts = [ag.PCWContext(agent_id="deploy-bot", session_id=f"s-{i}", phase=ag.PCWPhase.COMMIT,
                              proposal_summary="Deploy v2.5", estimated_impact="medium",
                              risk_baseline=0.1, risk_proposed=0.1 + (i % 20) / 100,
                              novelty_score=(i % 10) / 10, complexity_score=0.8,
                              quality_score=0.9)
                for i in range(1_000)]
    block = bytes(4 << 20)
    tasks = {"reference": (lambda: [hashlib.sha256(block).digest() for _ in range(8)], 8)}

    def deciding(batch, calls):
        def work():
            for _ in range(calls):  # each call's decisions dropped before the next, as a caller
                ag.pcw_decide_batch(batch, ev)
        return work

    for size in (100, 1_000):
        tasks[f"batch{size}"] = (deciding(contexts[:size], 20_000 // size), 20_000)
    best = {}
    for _ in range(15):
        for name, (work, items) in tasks.items():
            for threads in (1, 2):
                key = f"{name}_{threads}"
                best[key] = max(best.get(key, 0.0), rate(threads, work, items))
    out = {"per_s": best}
    for name in tasks:
        out[f"{name}_scaling"] = best[f"{name}_2"] / best[f"{name}_1"]
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)
    print(json.dumps(out))


def main():
    kw = dict(agent_id="deploy-bot", session_id="deploy-123", proposal_summary="Deploy v2.5",
              estimated_impact="medium", risk_baseline=0.1, risk_proposed=0.15,
              profit_baseline=1000.0, profit_proposed=1200.0, novelty_score=0.8,
              complexity_score=0.8, quality_score=0.9)
    ctx = ag.PCWContext(phase=ag.PCWPhase.COMMIT, **kw)
    ev = ag.GateEvaluator()
    pctx = Ctx(phase="commit", **kw)
    assert ag.pcw_decide(ctx, ev).status.value == py_decide(pctx).status
    cpp = per_call_ns(lambda: ag.pcw_decide(ctx, ev), 200_000)
    scipy_ns = per_call_ns(lambda: py_decide(pctx), 5_000)
    out = {"cpp_module_ns": cpp, "python_scipy_ns": scipy_ns, "ratio": scipy_ns / cpp}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)
    print(json.dumps(out))


if __name__ == "__main__":
    threads_main() if "--threads" in sys.argv[3:] else main()
