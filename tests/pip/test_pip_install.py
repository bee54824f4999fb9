"""`pip install` the way the reference installs, offline with Debian's packages: a fresh virtual
environment in a temporary folder, a copy of the tree, `pip wheel` and `pip install ".[all]"`,
then the reference's quick start run by the venv's interpreter (no PYTHONPATH, no build/)."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

SOURCE = Path(os.environ.get("AEGIS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SOURCE / "python" / "tests"))

import reference_snippets as S  # noqa: E402  (the blocks, as data)

IGNORED = shutil.ignore_patterns(".git", "build", "build-*", "node_modules", "__pycache__",
                                 "*.db", "*.db-wal", "*.db-shm", "corpus-run", "dist", "*.egg-info")


def run(cmd, cwd, env):
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def test_pip_wheel_and_install_in_a_fresh_venv(tmp_path):
    src, venv = tmp_path / "src", tmp_path / "venv"
    shutil.copytree(SOURCE, src, ignore=IGNORED)
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AEGIS_", "PIP_"))}
    env.update(PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               CMAKE_BUILD_PARALLEL_LEVEL=env.get("CMAKE_BUILD_PARALLEL_LEVEL", "2"))
    pip, python = str(venv / "bin" / "pip"), str(venv / "bin" / "python")

    run([pip, "wheel", "--no-build-isolation", "--no-deps", "-w", str(tmp_path / "dist"), "."],
        src, env)
    wheels = list((tmp_path / "dist").glob("aegis_governance-*.whl"))
    assert len(wheels) == 1
    names = set(zipfile.ZipFile(wheels[0]).namelist())
    for expected in ["aegis_governance/__init__.py", "aegis_governance/py.typed",
                     "aegis_governance/_core.pyi", "telemetry/emitter.py",
                     "crypto/bip322_provider.py"]:
        assert expected in names
    assert any(n.startswith("aegis_governance/_core.") and n.endswith(".so") for n in names)
    assert not any(n.startswith(("tests/", "python/")) for n in names)
    assert not (src / "build").exists()  # CMake built in build-pip/, not make's build/
    assert (src / "build-pip" / "cmake" / "CMakeCache.txt").exists()

    # The extras are accepted and install nothing; the CMake tree of the wheel is reused.
    out = run([pip, "install", "--no-build-isolation", ".[all]"], src, env)
    assert "Successfully installed aegis-governance-0.1.0" in out
    metadata = zipfile.ZipFile(wheels[0]).read("aegis_governance-0.1.0.dist-info/METADATA")
    for extra in ["engine", "telemetry", "config", "crypto", "persistence", "kms", "hsm", "all"]:
        assert f"Provides-Extra: {extra}\n" in metadata.decode()
    assert "Requires-Dist" not in metadata.decode()

    script = tmp_path / "quick_start.py"
    script.write_text(S.restore_indentation(S.QUICK_START) + "\n" + "\n".join([
        "import aegis_governance, inspect, telemetry.emitter, crypto.bip322_provider",
        "print(decision.status.value, decision.failing_gates)",
        "print(aegis_governance.__file__)",
        "print(telemetry.emitter.TelemetryEmitter is aegis_governance.TelemetryEmitter)",
        "print(inspect.signature(aegis_governance.pcw_decide_batch))",
    ]) + "\n")
    lines = run([python, str(script)], tmp_path, env).splitlines()
    assert lines[0] == "halt ['risk', 'novelty']"  # docs/gates.md: x_R = 30 and novelty 0.5 fail
    assert Path(lines[1]).is_relative_to(venv)
    assert lines[2] == "True"
    assert lines[3] == "(contexts, gate_evaluator=None, *, shadow_mode=False, drift_monitor=None)"
    site = Path(lines[1]).parent.parent
    assert (site / "aegis_governance" / "py.typed").exists()
    assert (site / "crypto" / "bip322_provider.py").exists()
