"""Shared fixtures for the `aegis` command tests: the binary, a runner, the schemas."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import RefResolver

SOURCE = Path(os.environ.get("AEGIS_SOURCE_DIR", Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(SOURCE / "tests" / "common"))
AEGIS = os.environ.get("AEGIS_BIN", str(SOURCE / "build" / "aegis"))
EXAMPLES_BIN = Path(os.environ.get("AEGIS_EXAMPLES_DIR", SOURCE / "build" / "examples"))


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def lines(self):
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def run(*args, stdin=None, timeout=120):
    proc = subprocess.run([AEGIS, *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout)
    return Run(proc)


@pytest.fixture
def aegis():
    return run


def _validators():
    store = {}
    for path in (SOURCE / "schema").glob("*.schema.json"):
        schema = json.loads(path.read_text())
        store[schema["$id"]] = schema
        store[path.name] = schema
    out = {}
    for name, schema in store.items():
        if name.endswith(".schema.json") and not name.startswith("http"):
            resolver = RefResolver(base_uri=schema["$id"], referrer=schema, store=store)
            out[name] = Draft202012Validator(schema, resolver=resolver)
    return out


VALIDATORS = _validators()


@pytest.fixture
def validate():
    def check(instance, schema_name):
        errors = sorted(VALIDATORS[schema_name].iter_errors(instance), key=str)
        assert not errors, f"{schema_name}: " + "; ".join(e.message for e in errors[:5])
    return check
