import contextlib
import os
import sys
import types
from pathlib import Path

SOURCE = Path(os.environ.get("AEGIS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("AEGIS_BUILD_DIR", SOURCE / "build"))
sys.path.insert(0, str(BUILD / "python"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(SOURCE / "tests" / "common"))


@contextlib.contextmanager
def reference_module(package, module, **names):
    """The reference imports some classes from its own repository layout (`crypto.bip322_provider`,
    `telemetry.emitter`); for a test, `package.module` becomes an alias module holding `names`."""
    pkg, mod = types.ModuleType(package), types.ModuleType(f"{package}.{module}")
    for name, value in names.items():
        setattr(mod, name, value)
    setattr(pkg, module, mod)
    keys = (package, f"{package}.{module}")
    saved = {k: sys.modules.get(k) for k in keys}
    sys.modules.update(dict(zip(keys, (pkg, mod))))
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
