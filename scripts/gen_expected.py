#!/usr/bin/python3
"""Independent expected values for the engine's formulas, computed with scipy/numpy.

Writes tests/data/expected_values.json (committed). `--check` recomputes and fails when the
committed file differs, so the oracle cannot silently go stale.
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "expected_values.json"

SIGMA0, SIGMAL, MU0 = 1.0, 0.5, 0.0


def posterior(obs):
    prec = 1 / SIGMA0**2 + len(obs) / SIGMAL**2
    mu = (MU0 / SIGMA0**2 + sum(obs) / SIGMAL**2) / prec
    return mu, math.sqrt(1 / prec)


def prob_exceeds(threshold, obs):
    mu, sd = posterior(obs)
    return float(stats.norm.sf(threshold, loc=mu, scale=sd))


def build():
    xs = [-8, -5, -3.4195, -1, -0.25, 0, 0.5, 1, 1.6449, 2.5, 3, 5, 8]
    ps = [1e-300, 1e-100, 1e-10, 1e-5, 1e-3, 0.02, 0.02425, 0.025, 0.05, 0.1, 0.3, 0.5, 0.7,
          0.9, 0.95, 0.975, 0.98, 0.999, 1 - 1e-10]
    out = {
        "normal_cdf": [[x, float(stats.norm.cdf(x))] for x in xs],
        "normal_sf": [[x, float(stats.norm.sf(x))] for x in xs],
        "normal_quantile": [[p, float(stats.norm.ppf(p))] for p in ps],
    }
    obs_sets = [[0.0], [1.0], [3.4195], [-2.0], [0.5, 1.5], [2.0, 2.5, 3.0, 10.0]]
    out["posterior"] = []
    for obs in obs_sets:
        mu, sd = posterior(obs)
        out["posterior"].append({"obs": obs, "mean": mu, "std": sd,
                                 "p_exceeds_2": prob_exceeds(2.0, obs)})

    eps = 0.01
    out["risk_gate"] = []
    for b, p in [(0.1, 0.3), (0.1, 0.15), (0.0, 0.3), (0.2, 0.2), (0.5, 0.1), (0.1, 0.45),
                 (0.1, 0.4419), (0.1, 0.4420), (0.0, 0.0), (1.0, 1.0), (0.0, 1.0)]:
        x = (p - b) / max(b, eps)
        P = prob_exceeds(2.0, [x])
        out["risk_gate"].append({"baseline": b, "proposed": p, "x": x, "P": P,
                                 "passed": bool(P <= 0.95)})
    out["profit_gate"] = []
    for b, p in [(100.0, 120.0), (1000.0, 1200.0), (100.0, 20.0), (100.0, -300.0),
                 (-50.0, -200.0), (0.0, -0.05), (0.0, 5.0)]:
        x = (b - p) / max(abs(b), eps)
        P = prob_exceeds(2.0, [x])
        out["profit_gate"].append({"baseline": b, "proposed": p, "x": x, "P": P,
                                   "passed": bool(P <= 0.95)})
    out["novelty_gate"] = []
    for n in [0.0, 0.3, 0.5, 0.7, 0.74, 0.7405465108108164, 0.85, 1.0]:
        g = float(1 / (1 + np.exp(-10.0 * (n - 0.7))))
        out["novelty_gate"].append({"N": n, "G": g, "passed": bool(g >= 0.6)})

    z = float(stats.norm.ppf(0.95))
    out["utility"] = []
    for B, s, n, d, M in [(1000.0, 200.0, 10, 0.1, 500.0), (300.0, 0.0, 1, 0.0, 0.0),
                          (150.0, 100.0, 4, 0.0, 0.0), (10000.0, 5000.0, 25, 0.5, 6000.0),
                          (50.0, 10.0, 100, 0.0, 0.0)]:
        cost = 100.0 + 2000.0 * d + M
        eu = 1.0 * (B - 0.3 * s) - cost
        se = 1.0 * s / math.sqrt(n)
        lcb = eu - z * se
        p = float(stats.norm.cdf(eu / se)) if se > 0 else (1.0 if eu > 0 else 0.0)
        out["utility"].append({"B": B, "s": s, "n": n, "d": d, "M": M, "cost": cost,
                               "expected_utility": eu, "standard_error": se, "lcb": lcb,
                               "z": z, "p": p, "within_budget": M <= 5000.0})

    rng = np.random.default_rng(20261125)
    out["kl"] = []
    cases = [
        ("same", rng.normal(0.1, 0.02, 200), rng.normal(0.1, 0.02, 60)),
        ("shifted", rng.normal(0.1, 0.02, 200), rng.normal(0.13, 0.02, 60)),
        ("far", rng.normal(0.1, 0.02, 200), rng.normal(0.5, 0.01, 40)),
        ("wide", rng.uniform(0, 1, 100), rng.uniform(0.4, 0.6, 30)),
    ]
    for name, base, win in cases:
        lo, hi = float(base.min()), float(base.max())
        counts_b, _ = np.histogram(np.clip(base, lo, hi), bins=10, range=(lo, hi))
        counts_w, _ = np.histogram(np.clip(win, lo, hi), bins=10, range=(lo, hi))
        p = (counts_b + 1e-6) / (counts_b.sum() + 10e-6)
        q = (counts_w + 1e-6) / (counts_w.sum() + 10e-6)
        kl = float(stats.entropy(q, p))
        out["kl"].append({"name": name, "baseline": base.tolist(), "window": win.tolist(),
                          "kl": kl})
    return out


def main():
    text = json.dumps(build(), indent=1, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale: run scripts/gen_expected.py", file=sys.stderr)
            return 1
        print("expected values are current")
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
