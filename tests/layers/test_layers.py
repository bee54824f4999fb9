"""The layer check passes on the tree and fails, naming both ends, on each kind of violation
planted in a copy of it."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2]
CHECK = SOURCE / "tests" / "layers" / "check_layers.py"


def run(root):
    done = subprocess.run([sys.executable, str(CHECK), str(root)], capture_output=True, text=True)
    return done.returncode, done.stdout


@pytest.fixture
def tree(tmp_path):
    for d in ("src", "include", "python/src", "docs"):
        shutil.copytree(SOURCE / d, tmp_path / d)
    shutil.copy(SOURCE / "CMakeLists.txt", tmp_path)
    return tmp_path


def test_the_tree_passes():
    code, out = run(SOURCE)
    assert code == 0, out


def append(path, line):
    path.write_text(path.read_text() + line + "\n")


def test_an_upward_include_fails(tree):
    append(tree / "src/core/decide.cpp", '#include "aegis/store/store.h"')
    code, out = run(tree)
    assert code == 1
    assert "src/core/decide.cpp" in out and "core includes aegis/store/store.h of store" in out


def test_a_sideways_include_fails(tree):
    # store and telemetry both build on crypto; neither may use the other.
    append(tree / "include/aegis/store/store.h", '#include "aegis/telemetry/metrics.h"')
    code, out = run(tree)
    assert code == 1 and "store includes aegis/telemetry/metrics.h of telemetry" in out


def test_a_relative_include_into_another_layers_folder_fails(tree):
    append(tree / "src/service/batch.cpp", '#include "../server/routes.h"')
    code, out = run(tree)
    assert code == 1 and "service includes ../server/routes.h of server" in out


def test_a_downward_include_passes(tree):
    append(tree / "src/server/report.cpp", '#include "aegis/core/decide.h"')
    assert run(tree)[0] == 0


def test_an_upward_link_fails(tree):
    cmake = tree / "CMakeLists.txt"
    cmake.write_text(cmake.read_text().replace(
        "target_link_libraries(aegis_service PUBLIC aegis_store",
        "target_link_libraries(aegis_service PUBLIC aegis_store aegis_workflow"))
    code, out = run(tree)
    assert code == 1 and "aegis_service (service) links aegis_workflow (workflow)" in out


def test_a_header_outside_every_layer_fails_unless_it_forwards(tree):
    (tree / "include/aegis/stray.h").write_text("#pragma once\nint stray();\n")
    code, out = run(tree)
    assert code == 1 and "include/aegis/stray.h: in no layer's folder" in out
    (tree / "include/aegis/stray.h").write_text(
        '// Moved to aegis/core/decide.h: forwards.\n#pragma once\n#include "aegis/core/decide.h"\n')
    assert run(tree)[0] == 0


def test_the_table_is_the_data(tree):
    # Take kek from what server builds on: server's uses of kek now fail, includes and links.
    doc = tree / "docs/ARCHITECTURE.md"
    doc.write_text(doc.read_text().replace("| `workflow`, `kek` | four libraries",
                                           "| `workflow` | four libraries"))
    code, out = run(tree)
    assert code == 1
    assert "server includes aegis/kek/" in out
    assert "aegis_mcp (server) links aegis_kek (kek)" in out


def test_a_cycle_in_the_table_is_refused(tree):
    doc = tree / "docs/ARCHITECTURE.md"
    doc.write_text(doc.read_text().replace("| `core` | `src/core/`, `include/aegis/core/` | — |",
                                           "| `core` | `src/core/`, `include/aegis/core/` | `store` |"))
    done = subprocess.run([sys.executable, str(CHECK), str(tree)], capture_output=True, text=True)
    assert done.returncode == 1 and "cycle" in done.stderr


SIZES = SOURCE / "tests" / "layers" / "check_sizes.py"


def test_files_and_functions_are_within_their_sizes():
    done = subprocess.run([sys.executable, str(SIZES), str(SOURCE)], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout


def test_the_size_check_sees_a_long_function_and_a_long_file(tree):
    body = "\n".join(f"  x += {i};" for i in range(90))
    append(tree / "src/core/bayes.cpp", f"namespace aegis {{\nint long_one(int x) {{\n{body}\n"
                                        "  return x;\n}\n}  // namespace aegis")
    (tree / "src/core/big.cpp").write_text("// filler\n" * 460)
    done = subprocess.run([sys.executable, str(SIZES), str(tree)], capture_output=True, text=True)
    assert done.returncode == 1
    assert "src/core/big.cpp: 460 lines" in done.stdout
    assert "a function of 93 lines" in done.stdout and "int long_one(int x) {" in done.stdout


def test_the_files_of_one_concept_are_the_ones_the_architecture_names():
    sys.path.insert(0, str(SIZES.parent))
    import check_sizes
    doc = (SOURCE / "docs" / "ARCHITECTURE.md").read_text().split("## Files and functions")[1]
    doc = doc.split("\n## ")[0]
    for path in check_sizes.ONE_CONCEPT:
        assert f"`{path}`" in doc, path
