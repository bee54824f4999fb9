#!/usr/bin/python3
"""Writes N generated contexts as JSONL (deterministic): the input of the batch benchmark."""
import json
import random
import sys


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(42)
    impacts = ["low", "medium", "high", "critical"]
    phases = ["plan", "commit", "work"]
    with open(out, "w") as f:
        for i in range(n):
            c = {
                "agent_id": f"agent-{i % 97}",
                "session_id": f"session-{i}",
                "phase": phases[i % 3],
                "proposal_summary": "Generated change for the batch benchmark",
                "estimated_impact": impacts[rng.randrange(4)],
                "risk_baseline": round(rng.random() * 0.3, 4),
                "risk_proposed": round(rng.random() * 0.5, 4),
                "profit_baseline": round(rng.uniform(500, 1500), 2),
                "profit_proposed": round(rng.uniform(400, 1600), 2),
                "novelty_score": round(rng.random(), 4),
                "complexity_score": round(0.3 + rng.random() * 0.7, 4),
                "quality_score": round(0.5 + rng.random() * 0.5, 4),
                "quality_subscores": [round(0.5 + rng.random() * 0.5, 3) for _ in range(3)],
                "reversible": rng.random() < 0.9,
            }
            f.write(json.dumps(c, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
