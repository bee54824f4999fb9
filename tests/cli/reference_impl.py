"""An independent plain-Python implementation of docs/gates.md and docs/decision-rules.md (default config), with scipy,
used as an oracle for the C++ engine. Written from the spec, not from the C++ code."""
import math

from scipy import stats

D = dict(epsilon_R=0.01, epsilon_P=0.01, trigger=2.0, conf=0.95, N0=0.7, k=10.0, nov=0.6,
         floor=0.5, qmin=0.7, gamma=0.3, kappa=1.0, phi_S=100.0, phi_D=2000.0, alpha=0.05,
         budget=5000.0, theta=0.0)


def posterior_p(x):
    prec = 1 / 1.0**2 + 1 / 0.5**2
    mu = (x / 0.5**2) / prec
    return float(stats.norm.sf(D["trigger"], loc=mu, scale=math.sqrt(1 / prec)))


def gates(c):
    out = {}
    rb, rp = c.get("risk_baseline", 0.0), c.get("risk_proposed", 0.0)
    x_r = (rp - rb) / max(rb, D["epsilon_R"])
    p = posterior_p(x_r)
    out["risk"] = (p <= D["conf"], p, (1 - p) if p <= D["conf"] else p)
    pb, pp = c.get("profit_baseline", 0.0), c.get("profit_proposed", 0.0)
    x_p = (pb - pp) / max(abs(pb), D["epsilon_P"])
    p = posterior_p(x_p)
    out["profit"] = (p <= D["conf"], p, (1 - p) if p <= D["conf"] else p)
    n = c.get("novelty_score", 0.5)
    g = 1 / (1 + math.exp(-D["k"] * (n - D["N0"])))
    out["novelty"] = (g >= D["nov"], g, None)
    cs = c.get("complexity_score", 0.5)
    out["complexity"] = (cs >= D["floor"], cs, None)
    q = c.get("quality_score", 0.7)
    subs = c.get("quality_subscores", [0.7, 0.7, 0.7])
    out["quality"] = (q >= D["qmin"] and 0.0 not in subs, q, None)
    u = c.get("utility")
    if u is not None:
        s, nn = u.get("benefit_std", 0.0), u.get("n_samples", 1)
        d, m = u.get("disruption_probability", 0.0), u.get("migration_cost", 0.0)
        cost = D["phi_S"] + D["phi_D"] * d + m
        eu = D["kappa"] * (u["expected_benefit"] - D["gamma"] * s) - cost
        se = D["kappa"] * s / math.sqrt(nn)
        lcb = eu - float(stats.norm.ppf(1 - D["alpha"])) * se
        passed = lcb > D["theta"] and m <= D["budget"]
        pu = float(stats.norm.cdf((eu - D["theta"]) / se)) if se > 0 else (1.0 if eu > D["theta"] else 0.0)
        out["utility"] = (passed, lcb, pu if passed else 1 - pu)
    return out, x_r, x_p


def decide(c):
    g, x_r, x_p = gates(c)
    failing = [name for name in ["risk", "profit", "novelty", "complexity", "quality", "utility"]
               if name in g and not g[name][0]]
    impact = c.get("estimated_impact", "medium")
    reversible = c.get("reversible", True)
    if "complexity" in failing:
        status = "halt"
    elif failing and (impact in ("high", "critical") or not reversible):
        status = "escalate"
    elif failing:
        status = "halt"
    elif (impact in ("high", "critical") or not reversible or c.get("requires_human_approval")
          or not g["risk"][0] or g["risk"][1] >= 0.5):
        status = "pause"
    else:
        status = "proceed"
    confs = [v[2] for v in g.values() if v[2] is not None]
    return {"status": status, "failing": failing, "gates": g, "x_R": x_r, "x_P": x_p,
            "confidence": min(confs) if confs else 1.0}
