"""Random but valid contexts covering every status, for tests that compare two deciders."""


def random_context(rng, i=0):
    c = {
        "agent_id": f"agent-{i % 13}",
        "session_id": f"s-{i}",
        "phase": rng.choice(["plan", "commit", "work"]),
        "proposal_summary": "generated",
        "estimated_impact": rng.choice(["low", "medium", "high", "critical"]),
        "risk_baseline": rng.choice([0.0, rng.random(), rng.random() * 0.05]),
        "risk_proposed": rng.random(),
        "profit_baseline": rng.uniform(-2000, 2000),
        "profit_proposed": rng.uniform(-2000, 2000),
        "novelty_score": rng.random(),
        "complexity_score": rng.random(),
        "quality_score": rng.random(),
        "quality_subscores": [rng.choice([0.0, rng.random()]) for _ in range(rng.randrange(5))],
        "reversible": rng.random() < 0.8,
        "requires_human_approval": rng.random() < 0.1,
        "time_sensitive": rng.random() < 0.1,
    }
    if rng.random() < 0.3:
        c["utility"] = {"expected_benefit": rng.uniform(-500, 5000),
                        "benefit_std": rng.choice([0.0, rng.uniform(0, 1000)]),
                        "n_samples": rng.randrange(1, 50),
                        "disruption_probability": rng.random(),
                        "migration_cost": rng.uniform(0, 6000)}
    return c
