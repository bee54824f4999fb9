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
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from math import exp, sqrt

from scipy import stats

sys.path.insert(0, f"{sys.argv[1]}/python")
import aegis_governance as ag  # noqa: E402


@dataclass
class Ctx:
    agent_id: str
    session_id: str
    phase: str
    proposal_summary: str
    estimated_impact: str
    risk_baseline: float = 0.0
    risk_proposed: float = 0.0
    profit_baseline: float = 0.0
    profit_proposed: float = 0.0
    novelty_score: float = 0.5
    complexity_score: float = 0.5
    quality_score: float = 0.7
    quality_subscores: list = field(default_factory=lambda: [0.7, 0.7, 0.7])
    requires_human_approval: bool = False
    reversible: bool = True


def py_posterior_p(x):
    prec = 1.0 + 4.0
    return stats.norm.sf(2.0, loc=(4.0 * x) / prec, scale=sqrt(1 / prec))


def py_decide(c):
    gates = {}
    x_r = (c.risk_proposed - c.risk_baseline) / max(c.risk_baseline, 0.01)
    p = py_posterior_p(x_r)
    gates["risk"] = (p <= 0.95, p, (1 - p) if p <= 0.95 else p)
    x_p = (c.profit_baseline - c.profit_proposed) / max(abs(c.profit_baseline), 0.01)
    pp = py_posterior_p(x_p)
    gates["profit"] = (pp <= 0.95, pp, (1 - pp) if pp <= 0.95 else pp)
    g = 1 / (1 + exp(-10.0 * (c.novelty_score - 0.7)))
    gates["novelty"] = (g >= 0.6, g, None)
    gates["complexity"] = (c.complexity_score >= 0.5, c.complexity_score, None)
    gates["quality"] = (c.quality_score >= 0.7 and 0.0 not in c.quality_subscores,
                        c.quality_score, None)
    failing = [k for k, v in gates.items() if not v[0]]
    high = c.estimated_impact in ("high", "critical")
    if "complexity" in failing:
        status = "halt"
    elif failing:
        status = "escalate" if high or not c.reversible else "halt"
    elif high or not c.reversible or c.requires_human_approval or p >= 0.5:
        status = "pause"
    else:
        status = "proceed"
    confs = [v[2] for v in gates.values() if v[2] is not None]
    rationale = f"{status.upper()}: " + ", ".join(
        f"{k} (value {gates[k][1]:.4g}, threshold)" for k in failing)
    return {"status": status, "confidence": min(confs), "failing_gates": failing,
            "rationale": rationale, "decision_id": str(uuid.uuid4()),
            "timestamp": datetime.now(timezone.utc)}


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
    assert ag.pcw_decide(ctx, ev).status.value == py_decide(pctx)["status"]
    cpp = per_call_ns(lambda: ag.pcw_decide(ctx, ev), 200_000)
    scipy_ns = per_call_ns(lambda: py_decide(pctx), 5_000)
    out = {"cpp_module_ns": cpp, "python_scipy_ns": scipy_ns, "ratio": scipy_ns / cpp}
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)
    print(json.dumps(out))


if __name__ == "__main__":
    threads_main() if "--threads" in sys.argv[3:] else main()
