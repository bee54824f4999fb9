"""Builds aegis_governance._core through the project's CMake build (pyproject.toml has the rest).

The CMake tree is build-pip/cmake (setuptools' own files go to build-pip/ too), never the build/
that `make` uses. Only the module's target is built, in Release, without tests or benchmarks.
Set CMAKE_BUILD_PARALLEL_LEVEL to choose the number of compile jobs (default: every core).
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
BUILD_BASE = "build-pip"


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        tree = ROOT / BUILD_BASE / "cmake"
        env = dict(os.environ)
        env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(tree), *generator,
                        "-DCMAKE_BUILD_TYPE=Release", f"-DPython_EXECUTABLE={sys.executable}",
                        "-DAEGIS_TESTS=OFF", "-DAEGIS_BENCH=OFF", "-DAEGIS_WERROR=OFF"],
                       check=True, env=env)
        subprocess.run(["cmake", "--build", str(tree), "--target", "aegis_python"], check=True,
                       env=env)
        # This interpreter's module only (the tree may hold one built for another Python).
        suffix = sysconfig.get_config_var("EXT_SUFFIX")
        built = list((tree / "python" / "aegis_governance").glob(f"_core{suffix}"))
        if len(built) != 1:
            raise RuntimeError(f"expected one built _core module in {tree}, found {built}")
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built[0], target)


setup(
    ext_modules=[Extension("aegis_governance._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    options={"build": {"build_base": BUILD_BASE}, "egg_info": {"egg_base": BUILD_BASE}},
)
