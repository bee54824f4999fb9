"""`aegis validate-config`, `health`, `version`."""
from conftest import SOURCE


def test_validate_contract(aegis, validate):
    r = aegis("validate-config", str(SOURCE / "schema" / "interface-contract.yaml"))
    assert r.code == 0
    out = r.json()
    validate(out, "validate-config.schema.json")
    assert out["valid"] is True
    assert out["warnings"] == []
    assert out["parameters"]["kl_drift"]["window_days"] == 30
    assert out["config_hash"] == aegis("version", "--format", "json").json()["default_config_hash"]


def test_validate_reports_unknown_keys_and_errors(aegis, validate, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("parameters:\n  gamma: 0.5\n  gama: 0.4\n")
    r = aegis("validate-config", str(cfg))
    out = r.json()
    validate(out, "validate-config.schema.json")
    assert r.code == 0 and out["valid"] is True
    assert out["parameters"]["gamma"] == 0.5
    assert any("gama" in w for w in out["warnings"])
    cfg.write_text("parameters:\n  lcb_alpha: 0.7\n")
    r = aegis("validate-config", str(cfg))
    out = r.json()
    validate(out, "validate-config.schema.json")
    assert r.code == 3 and out["valid"] is False
    assert out["error"]["field"] == "lcb_alpha"
    r = aegis("validate-config", str(tmp_path / "missing.yaml"))
    assert r.code == 3 and r.json()["error"]["code"] == "not_found"


def test_health_and_version(aegis):
    h = aegis("health")
    assert h.code == 0
    assert h.json()["status"] == "ok"
    assert all(v == "ok" for v in h.json()["checks"].values())
    v = aegis("version", "--format", "json").json()
    assert v["aegis"] == v["engine_version"]
    assert len(v["default_config_hash"]) == 64
    assert aegis("version").out.startswith("aegis ")
