#!/usr/bin/python3
"""The batch benchmark's reference run: the same JSONL decided by a plain-Python loop shaped like
the reference SDK — json.loads, its dataclasses, the gates with math.erfc (no scipy), uuid4, a
timestamp, the decision record as a dict, json.dumps — on one core, written to /dev/null.
Usage: bench_batch_python.py IN.jsonl OUT.json"""
import json
import math
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional


@dataclass
class PCWContext:
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
    time_sensitive: bool = False
    reversible: bool = True
    metadata: dict = field(default_factory=dict)


@dataclass
class GateResult:
    gate_type: str
    passed: bool
    value: float
    threshold: float
    confidence: Optional[float] = None
    posterior_probability: Optional[float] = None
    message: Optional[str] = None


@dataclass
class PCWDecision:
    status: str
    confidence: float
    gates_passed: int
    gates_failed: int
    failing_gates: list
    rationale: str
    next_steps: list
    gates: dict
    x_R: float
    x_P: float
    decision_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timestamp: str = field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="milliseconds"))


def posterior(x):
    """P(Δ ≥ 2) for the normal posterior of docs/gates.md#posterior: prior N(0, 1), likelihood variance 0.25."""
    precision = 1.0 + 4.0
    mean, sd = 4.0 * x / precision, math.sqrt(1.0 / precision)
    return 0.5 * math.erfc((2.0 - mean) / (sd * math.sqrt(2.0)))


def decide(c, posterior=posterior):
    gates = {}
    x_r = (c.risk_proposed - c.risk_baseline) / max(c.risk_baseline, 0.01)
    p = posterior(x_r)
    gates["risk"] = GateResult("risk", p <= 0.95, p, 0.95, 1 - p, p,
                               f"risk posterior {p:.4g} vs 0.95")
    x_p = (c.profit_baseline - c.profit_proposed) / max(abs(c.profit_baseline), 0.01)
    pp = posterior(x_p)
    gates["profit"] = GateResult("profit", pp <= 0.95, pp, 0.95, 1 - pp, pp,
                                 f"profit posterior {pp:.4g} vs 0.95")
    g = 1 / (1 + math.exp(-10.0 * (c.novelty_score - 0.7)))
    gates["novelty"] = GateResult("novelty", g >= 0.6, g, 0.6, message=f"novelty {g:.4g} vs 0.6")
    gates["complexity"] = GateResult("complexity", c.complexity_score >= 0.5, c.complexity_score,
                                     0.5, message="complexity floor 0.5")
    q_ok = c.quality_score >= 0.7 and 0.0 not in c.quality_subscores
    gates["quality"] = GateResult("quality", q_ok, c.quality_score, 0.7,
                                  message="quality minimum 0.7")
    failing = [k for k, v in gates.items() if not v.passed]
    high = c.estimated_impact in ("high", "critical")
    if "complexity" in failing:
        status = "halt"
    elif failing:
        status = "escalate" if high or not c.reversible else "halt"
    elif high or not c.reversible or c.requires_human_approval or p >= 0.5:
        status = "pause"
    else:
        status = "proceed"
    confidences = [v.confidence for v in gates.values() if v.confidence is not None]
    rationale = f"{status.upper()}: " + ", ".join(
        f"{k} (value {gates[k].value:.4g}, threshold {gates[k].threshold:.4g})" for k in failing)
    steps = [f"Address the failing gates: {', '.join(failing)}"] if failing else ["Proceed"]
    return PCWDecision(status, min(confidences), 5 - len(failing), len(failing), failing,
                       rationale, steps, gates, x_r, x_p)


def record(d):
    return {"status": d.status, "confidence": d.confidence, "gates_passed": d.gates_passed,
            "gates_failed": d.gates_failed, "failing_gates": d.failing_gates,
            "rationale": d.rationale, "next_steps": d.next_steps,
            "decision_id": d.decision_id, "timestamp": d.timestamp,
            "gate_evaluation": {"gates": {k: vars(g) for k, g in d.gates.items()}},
            "decision_trace": {"x_R": d.x_R, "x_P": d.x_P}}


def main():
    start = time.perf_counter()
    n = 0
    with open(sys.argv[1]) as src, open("/dev/null", "w") as out:
        for line in src:
            out.write(json.dumps(record(decide(PCWContext(**json.loads(line))))) + "\n")
            n += 1
    secs = time.perf_counter() - start
    result = {"lines": n, "seconds": secs, "decisions_per_s": n / secs}
    with open(sys.argv[2], "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
