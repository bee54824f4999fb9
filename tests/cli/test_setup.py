"""`scripts/setup.sh --runtime` installs enough for `make binary`: every file the configuration of
the binary-only build finds belongs to a runtime package or to one apt installs with them."""
import re
import subprocess

from conftest import SOURCE

SETUP = SOURCE / "scripts" / "setup.sh"


def package_list(name):
    text = SETUP.read_text()
    body = re.search(rf"^{name}=\(\n(.*?)^\)", text, re.S | re.M).group(1)
    words = []
    for line in body.splitlines():
        words += line.split("#")[0].split()
    return words


def test_the_runtime_list_is_part_of_the_full_list():
    full = package_list("packages")
    assert full[0] == '"${runtime_packages[@]}"'  # written once, included
    assert len(package_list("runtime_packages")) >= 10
    assert not set(package_list("runtime_packages")) & set(full[1:])


def test_runtime_packages_cover_what_the_binary_build_finds(tmp_path):
    runtime = package_list("runtime_packages")
    build = tmp_path / "b"
    r = subprocess.run(["cmake", "-S", str(SOURCE), "-B", str(build), "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release", "-DAEGIS_TESTS=OFF", "-DAEGIS_BENCH=OFF",
                        "-DAEGIS_PYTHON=OFF"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    found = []
    for line in (build / "CMakeCache.txt").read_text().splitlines():
        m = re.match(r"([\w.+-]+):(PATH|FILEPATH)=(/usr/\S+)$", line)
        if m and not m.group(1).startswith("CMAKE_") and "/bin/" not in m.group(3) \
                and m.group(3) not in ("/usr/include", "/usr/include/x86_64-linux-gnu"):
            found.append(m.group(3))
    assert len(found) >= 15, found  # the libraries and CMake packages the build looked up
    closure = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
         "--no-breaks", "--no-replaces", "--no-enhances", *runtime],
        capture_output=True, text=True, check=True, timeout=600).stdout
    installed_with = {line.strip() for line in closure.splitlines() if not line.startswith(" ")}
    missing = []
    for path in found:
        owners = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True).stdout
        packages = {o.split(":")[0].strip() for line in owners.splitlines()
                    for o in line.rsplit(": ", 1)[0].split(",")}
        if not packages & (installed_with | set(runtime)):
            missing.append((path, sorted(packages)))
    assert not missing, missing
