"""The README's runnable examples, run against the build: an example that drifts fails the suite.

A block is runnable when the line before its ```console fence is `<!-- runnable -->`. Its `$ `
lines (with their `\\`-continued lines and `>` lines) are commands, run in order by one bash in
a scratch folder that holds `build/` (the build under test) and `examples/` (the repository's);
every runnable block of the README shares that folder, in the README's order, so a later block
may use what an earlier one wrote. The lines after a command, up to the next command, are its
standard output. Both sides are masked before they are compared: UUIDs, RFC 3339 times, 64-digit
hex (hashes, keys), P2TR addresses, base64 signatures and keys, and durations. In the README's
text, `…` stands for any characters on its line, and a line that is only `…` for any lines.
"""
import os
import re
import subprocess

import pytest

from conftest import AEGIS, SOURCE

README = SOURCE / "README.md"
MARK = "<!-- runnable -->"

MASKS = [
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\b"), "<time>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<hex>"),
    (re.compile(r"\bbc1p[02-9ac-hj-np-z]{58}\b"), "<address>"),
    (re.compile(r"\bsmp[A-Za-z0-9+/]{40,}={0,2}"), "<signature>"),
    (re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])"), "<base64-32>"),
    (re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])"), "<base64-64>"),
    (re.compile(r"\baegis_[0-9a-f]{64}\b"), "<api-key>"),
    (re.compile(r"\b\d+(?:\.\d+)? s, \d+ decisions/s\b"), "<rate>"),
]


def mask(text):
    for pattern, token in MASKS:
        text = pattern.sub(token, text)
    return text


def blocks():
    """[(line number, [(command, expected output lines)])] of every runnable block."""
    lines = README.read_text().splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        assert lines[i + 1].startswith("```console"), f"README.md:{i + 2}: {MARK} needs a console block"
        steps, j = [], i + 2
        while not lines[j].startswith("```"):
            if lines[j].startswith("$ "):
                command = [lines[j][2:]]
                while command[-1].endswith("\\"):
                    j += 1
                    command.append(lines[j])
                steps.append(("\n".join(command), []))
            else:
                assert steps, f"README.md:{j + 1}: output before any command"
                steps[-1][1].append(lines[j])
            j += 1
        found.append((i + 2, steps))
    return found


def matches(expected, actual):
    """Whether the actual lines match the README's, `…` standing for anything."""
    def line_re(e):
        return re.compile("".join(".*?" if part == "…" else re.escape(part)
                                  for part in re.split("(…)", e)) + r"\Z")
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(expected):
            result = j == len(actual)
        elif expected[i].strip() == "…":
            result = any(go(i + 1, k) for k in range(j, len(actual) + 1))
        else:
            result = j < len(actual) and bool(line_re(expected[i]).match(actual[j])) and go(i + 1, j + 1)
        memo[(i, j)] = result
        return result
    return go(0, 0)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    d = tmp_path_factory.mktemp("readme")
    (d / "build").symlink_to(os.path.dirname(os.path.abspath(AEGIS)))
    (d / "examples").symlink_to(SOURCE / "examples")
    return d


def run_block(scratch, steps):
    """Runs the steps in one bash; returns each step's standard output."""
    script = ["set +e", "__rc=0"]
    for n, (command, _) in enumerate(steps):
        script += [f"printf '\\n\\x01{n}\\n'", "(exit $__rc)", command, "__rc=$?"]
    env = dict(os.environ, LC_ALL="C.UTF-8", TZ="UTC")
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    r = subprocess.run(["bash", "-c", "\n".join(script)], cwd=scratch, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=600)
    parts = re.split(r"\n\x01(\d+)\n", r.stdout)
    outputs = {int(parts[k]): parts[k + 1] for k in range(1, len(parts), 2)}
    return [outputs.get(n, "") for n in range(len(steps))], r.stderr


ALL = blocks()


def test_the_readme_has_runnable_blocks():
    assert len(ALL) >= 8, "the README's console examples are marked runnable"


def test_masking_and_ellipsis_are_strict():
    """The comparison is not a rubber stamp: a changed digit, a missing or an extra line fails."""
    assert matches(["a …", "…", "z"], ["a b c", "x", "y", "z"])
    assert not matches(["HALT 1"], ["HALT 2"])
    assert not matches(["a", "b"], ["a"])
    assert not matches(["a"], ["a", "b"])
    assert mask("0.4419501131") == "0.4419501131"  # numbers are compared, never masked


@pytest.mark.parametrize("line,steps", ALL, ids=[f"README.md:{n}" for n, _ in ALL])
def test_readme_block(scratch, line, steps):
    outputs, stderr = run_block(scratch, steps)
    for (command, expected), actual in zip(steps, outputs):
        want = [mask(e) for e in expected]
        got = mask(actual).splitlines()
        assert matches(want, got), (
            f"README.md:{line}: `$ {command}` printed\n" + "\n".join(got) +
            "\n--- the README says ---\n" + "\n".join(want) + "\n--- stderr ---\n" + stderr[-2000:])
