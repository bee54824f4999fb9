"""Counterfactuals and headroom against an independent oracle: the gates of docs/gates.md written
again here with scipy (ndtr, ndtri, expit), over 10,000 generated contexts and two configurations.

For each counterfactual the engine says is achievable:
  - "<=" / ">=": the gate passes at `required` and fails one representable step back toward
    `current`, and at 1e-6 of the way back (when that step is representable);
  - "<" / ">" / "!=": the gate fails at `required` and passes at the next double beyond;
  - the oracle agrees: it passes just on the passing side of `required` and fails 1e-6 back.
`achievable: false` only where the oracle finds no passing value in the input's range. Headroom
is checked the same way from the other side.
"""

import math
import random

import pytest
from scipy.special import expit, ndtr, ndtri

import aegis_governance as ag

N_CONTEXTS = 10_000
BIG = 1e300


def configs():
    return [
        ag.AegisConfig(),
        ag.AegisConfig(trigger_confidence_prob=0.9, risk_trigger_factor=1.5,
                       profit_trigger_factor=3.0, novelty_N0=0.4, novelty_k=6.0,
                       novelty_threshold=0.75, complexity_floor=0.6, quality_min_score=0.55,
                       gamma=0.5, kappa=2.0, phi_S=10.0, phi_D=50.0, lcb_alpha=0.1,
                       migration_budget=80.0, utility_threshold=5.0),
    ]


class Oracle:
    """The gates of docs/gates.md, written from the formulas, not from the engine."""

    def __init__(self, cfg):
        self.c = cfg
        self.z = float(ndtri(1.0 - cfg.lcb_alpha))

    def _posterior_exceeds(self, x, trigger):
        precision = 1.0 / 1.0**2 + 1.0 / 0.5**2  # prior sd 1, likelihood sd 0.5
        mean = (x / 0.5**2) / precision
        sd = math.sqrt(1.0 / precision)
        return float(ndtr(-(trigger - mean) / sd))  # 1 - Phi

    def risk(self, rb, rp):
        x = (rp - rb) / max(rb, self.c.epsilon_R)
        return self._posterior_exceeds(x, self.c.risk_trigger_factor) <= self.c.trigger_confidence_prob

    def profit(self, pb, pp):
        x = (pb - pp) / max(abs(pb), self.c.epsilon_P)
        return self._posterior_exceeds(x, self.c.profit_trigger_factor) <= self.c.trigger_confidence_prob

    def novelty(self, n):
        return float(expit(self.c.novelty_k * (n - self.c.novelty_N0))) >= self.c.novelty_threshold

    def complexity(self, s):
        return s >= self.c.complexity_floor

    def quality(self, q, subs):
        return q >= self.c.quality_min_score and not (
            self.c.quality_no_zero_subscore and any(s == 0.0 for s in subs))

    def utility(self, B, s, n, d, M):
        c = self.c
        cost = c.phi_S + c.phi_D * d + M
        eu = c.kappa * (B - c.gamma * s) - cost
        lcb = eu - self.z * c.kappa * s / math.sqrt(n)
        return lcb > c.utility_threshold and M <= c.migration_budget


def random_context(rng):
    rb = rng.choice([0.0, rng.uniform(0.0, 1.0), rng.uniform(0.0, 0.05)])
    rp = rng.uniform(0.0, 1.0)
    pb = rng.choice([0.0, rng.uniform(-200.0, 200.0)])
    pp = pb * rng.uniform(-1.0, 2.0) + rng.uniform(-5.0, 5.0)
    subs = [rng.choice([0.0, rng.uniform(0.0, 1.0), 1.0]) for _ in range(rng.randint(0, 4))]
    kw = dict(agent_id="oracle", session_id="s", phase=ag.PCWPhase.PLAN,
              proposal_summary="generated", estimated_impact="low",
              risk_baseline=rb, risk_proposed=rp, profit_baseline=pb, profit_proposed=pp,
              novelty_score=rng.uniform(0.0, 1.0), complexity_score=rng.uniform(0.3, 1.0),
              quality_score=rng.uniform(0.3, 1.0), quality_subscores=subs)
    utility = None
    if rng.random() < 0.6:
        utility = dict(B=rng.uniform(-100.0, 400.0), s=rng.choice([0.0, rng.uniform(0.0, 150.0)]),
                       n=rng.randint(1, 60), d=rng.choice([0.0, rng.uniform(0.0, 1.0)]),
                       M=rng.uniform(0.0, 200.0))
    return kw, utility


def inputs_of(kw, utility):
    v = {"risk_proposed": kw["risk_proposed"], "profit_proposed": kw["profit_proposed"],
         "novelty_score": kw["novelty_score"], "complexity_score": kw["complexity_score"],
         "quality_score": kw["quality_score"]}
    for i, s in enumerate(kw["quality_subscores"]):
        v[f"quality_subscores[{i}]"] = s
    if utility:
        v.update({"utility.expected_benefit": utility["B"], "utility.benefit_std": utility["s"],
                  "utility.n_samples": utility["n"],
                  "utility.disruption_probability": utility["d"],
                  "utility.migration_cost": utility["M"]})
    return v


RANGES = {
    "risk_proposed": (0.0, 1.0), "profit_proposed": (-BIG, BIG), "novelty_score": (0.0, 1.0),
    "complexity_score": (0.0, 1.0), "quality_score": (0.0, 1.0),
    "utility.expected_benefit": (-BIG, BIG), "utility.benefit_std": (0.0, BIG),
    "utility.n_samples": (1, 2**62), "utility.disruption_probability": (0.0, 1.0),
    "utility.migration_cost": (0.0, BIG),
}


def range_of(name):
    return (0.0, 1.0) if name.startswith("quality_subscores[") else RANGES[name]


def probes(name, lo, hi):
    """Values spread over [lo, hi]: evenly for unit ranges, by magnitude for wide ones."""
    if name == "utility.n_samples":
        return sorted({1, 2, 3, 5, 10, 100, 10**4, 10**6, 10**9, 10**12, 10**15, 2**62})
    if hi - lo <= 2:
        return [lo + (hi - lo) * i / 400 for i in range(401)]
    mags = [10.0**e for e in range(-6, 301, 2)] + [i * 2.5 for i in range(1, 401)]
    return [lo, hi, 0.0] + [m for m in mags if lo <= m <= hi] + [-m for m in mags if lo <= -m <= hi]


class Case:
    """One generated context, its oracle and engine gates with one input changed."""

    def __init__(self, cfg, evaluator, calc, kw, utility):
        self.o = Oracle(cfg)
        self.ev = evaluator
        self.calc = calc
        self.kw = kw
        self.u = utility

    def _components(self, over):
        u = dict(self.u)
        u.update(over)
        return u

    def oracle(self, gate, name, v):
        kw, o = self.kw, self.o
        if gate == ag.GateType.RISK:
            return o.risk(kw["risk_baseline"], v)
        if gate == ag.GateType.PROFIT:
            return o.profit(kw["profit_baseline"], v)
        if gate == ag.GateType.NOVELTY:
            return o.novelty(v)
        if gate == ag.GateType.COMPLEXITY:
            return o.complexity(v)
        if gate == ag.GateType.QUALITY:
            subs = list(kw["quality_subscores"])
            if name == "quality_score":
                return o.quality(v, subs)
            subs[int(name[len("quality_subscores["):-1])] = v
            return o.quality(kw["quality_score"], subs)
        key = {"utility.expected_benefit": "B", "utility.benefit_std": "s",
               "utility.n_samples": "n", "utility.disruption_probability": "d",
               "utility.migration_cost": "M"}[name]
        u = self._components({key: v})
        try:
            return o.utility(u["B"], u["s"], int(u["n"]), u["d"], u["M"])
        except OverflowError:
            return False

    def engine(self, gate, name, v):
        kw, ev = self.kw, self.ev
        if gate == ag.GateType.RISK:
            return ev.evaluate_risk_gate(kw["risk_baseline"], v).passed
        if gate == ag.GateType.PROFIT:
            return ev.evaluate_profit_gate(kw["profit_baseline"], v).passed
        if gate == ag.GateType.NOVELTY:
            return ev.evaluate_novelty_gate(v).passed
        if gate == ag.GateType.COMPLEXITY:
            return ev.evaluate_complexity_gate(v).passed
        if gate == ag.GateType.QUALITY:
            subs = list(kw["quality_subscores"])
            if name == "quality_score":
                return ev.evaluate_quality_gate(v, subs).passed
            subs[int(name[len("quality_subscores["):-1])] = v
            return ev.evaluate_quality_gate(kw["quality_score"], subs).passed
        key = {"utility.expected_benefit": "B", "utility.benefit_std": "s",
               "utility.n_samples": "n", "utility.disruption_probability": "d",
               "utility.migration_cost": "M"}[name]
        u = self._components({key: v})
        comps = ag.UtilityComponents(u["B"], u["s"], int(u["n"]), u["d"], u["M"])
        try:
            return ev.evaluate_utility_gate(self.calc.compute(comps)).passed
        except ValueError:
            return False


def passing_direction(relation):
    return -1.0 if relation in ("<=", "<") else 1.0


def step(v, direction, integer):
    return v + direction if integer else math.nextafter(v, direction * math.inf)


def near(v):
    return 1e-9 * max(1.0, abs(v))


def check_counterfactual(case, c, counts):
    name, rel, cur = c.input, c.relation, c.current
    integer = name == "utility.n_samples"
    lo, hi = range_of(name)
    assert not case.engine(c.gate, name, cur), f"{name}: the gate passes at current"
    if not c.achievable:
        assert c.required is None
        passing = [v for v in probes(name, lo, hi) if case.oracle(c.gate, name, v)]
        assert not passing, f"{c}: the oracle passes at {passing[:3]}"
        counts["unachievable"] += 1
        return
    r = c.required
    assert lo <= r <= hi, f"{c}: required outside the range"
    if rel == "!=":
        assert r == 0.0 and not case.engine(c.gate, name, 0.0)
        assert case.engine(c.gate, name, math.nextafter(0.0, 1.0))
        assert case.oracle(c.gate, name, math.nextafter(0.0, 1.0))
        counts["!="] += 1
        return
    d = passing_direction(rel)
    if rel in ("<=", ">="):
        assert case.engine(c.gate, name, r), f"{c}: fails at required"
        back = step(r, -d, integer)
        if lo <= back <= hi:
            assert not case.engine(c.gate, name, back), f"{c}: passes one step back"
        frac = r + 1e-6 * (cur - r)
        if frac != r and not integer:
            assert not case.engine(c.gate, name, frac), f"{c}: passes 1e-6 back"
        assert integer or case.oracle(c.gate, name, min(hi, max(lo, r + d * near(r)))), \
            f"{c}: the oracle fails just past required"
        if integer:
            assert case.oracle(c.gate, name, r) and (r - 1 < lo or not case.oracle(c.gate, name, r - 1))
        elif abs(frac - r) > near(r):
            assert not case.oracle(c.gate, name, frac), f"{c}: the oracle passes 1e-6 back"
    else:
        assert not case.engine(c.gate, name, r), f"{c}: passes at a strict required"
        assert case.engine(c.gate, name, step(r, d, integer)), f"{c}: fails beyond required"
        assert case.oracle(c.gate, name, min(hi, max(lo, r + d * near(r)))), \
            f"{c}: the oracle fails just beyond required"
        frac = r + 1e-6 * (cur - r)
        if abs(frac - r) > near(r):
            assert not case.oracle(c.gate, name, frac), f"{c}: the oracle passes 1e-6 back"
    counts[rel] += 1


def check_headroom(case, h, counts):
    name, rel, cur = h.input, h.relation, h.current
    integer = name == "utility.n_samples"
    lo, hi = range_of(name)
    assert case.engine(h.gate, name, cur)
    d = passing_direction(rel)  # the gate fails moving by -d
    if h.limit is None:
        failing = [v for v in probes(name, lo, hi) if not case.oracle(h.gate, name, v)
                   and (v - cur) * d < 0]
        assert not failing, f"{h}: the oracle fails at {failing[:3]}"
        counts["headroom_none"] += 1
        return
    lim = h.limit
    if rel in ("<=", ">="):
        assert case.engine(h.gate, name, lim), f"{h}: fails at its limit"
        assert not case.engine(h.gate, name, step(lim, -d, integer)), f"{h}: passes beyond"
    else:
        assert not case.engine(h.gate, name, lim), f"{h}: passes at a strict limit"
        assert case.engine(h.gate, name, step(lim, d, integer)), f"{h}: fails inside"
    if not integer:
        beyond = lim - d * max(near(lim), 1e-6 * abs(cur - lim))
        if lo <= beyond <= hi and abs(beyond - lim) > near(lim):
            assert not case.oracle(h.gate, name, beyond), f"{h}: the oracle passes beyond"
    counts["headroom"] += 1


def make_context(kw, utility, calc):
    ctx = ag.PCWContext(**kw)
    if utility:
        ctx.utility_result = calc.compute(ag.UtilityComponents(
            utility["B"], utility["s"], utility["n"], utility["d"], utility["M"]))
    return ctx


def test_counterfactuals_and_headroom_agree_with_the_oracle():
    rng = random.Random(20261202)
    counts = {k: 0 for k in ("<=", ">=", "<", ">", "!=", "unachievable", "headroom",
                             "headroom_none")}
    setups = [(cfg, cfg.create_gate_evaluator(), cfg.create_utility_calculator())
              for cfg in configs()]
    for i in range(N_CONTEXTS):
        cfg, ev, calc = setups[i % len(setups)]
        kw, utility = random_context(rng)
        try:
            ctx = make_context(kw, utility, calc)
        except ValueError:
            continue
        d = ag.pcw_decide(ctx, ev)
        case = Case(cfg, ev, calc, kw, utility)
        values = inputs_of(kw, utility)
        failing = {g.gate_type for g in d.gate_evaluation.get_failures()}
        for c in d.counterfactuals:
            assert c.gate in failing
            assert c.current == values[c.input]
            check_counterfactual(case, c, counts)
        for h in d.headroom:
            assert h.gate not in failing
            assert h.current == values[h.input]
            check_headroom(case, h, counts)
        # Each failing gate has its inputs listed; each achievable counterfactual is a step.
        for g in failing:
            assert any(c.gate == g for c in d.counterfactuals), (g, d.counterfactuals)
        steps = [s for s in d.next_steps if s.endswith(" gate") and " to pass the " in s]
        assert len(steps) == sum(c.achievable for c in d.counterfactuals)
    # Every relation and both outcomes were exercised.
    for k, n in counts.items():
        assert n > 20, (k, counts)


def test_steps_round_toward_passing():
    ctx = ag.PCWContext(agent_id="a", session_id="s", phase=ag.PCWPhase.PLAN,
                        proposal_summary="p", estimated_impact="low", risk_baseline=0.1,
                        risk_proposed=0.5, novelty_score=0.9)
    d = ag.pcw_decide(ctx)
    (c,) = [c for c in d.counterfactuals if c.input == "risk_proposed"]
    step_text = [s for s in d.next_steps if s.startswith("Lower risk_proposed to at most ")][0]
    shown = float(step_text.split("at most ")[1].split(" ")[0])
    assert shown <= c.required and c.required - shown < 1e-3
    assert ag.GateEvaluator().evaluate_risk_gate(0.1, shown).passed
