"""Files hold one job and functions stay short (docs/ARCHITECTURE.md#files-and-functions): no
file in src/ over 450 lines but the ones that hold one concept (ONE_CONCEPT), no function in
src/ or python/src/ over 80 lines (signature to closing brace) but the pybind11 registration
lists (python/src/bind_*.cpp).

Usage: check_sizes.py [ROOT]   (prints one line per file or function over its limit, the longest
first; exit status 1 if any)
"""
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
MAX_FILE_LINES = 450
MAX_FUNCTION_LINES = 80
# Each is one concept that does not split well; docs/ARCHITECTURE.md names the same files.
ONE_CONCEPT = {
    "src/server/http/server.cpp": "the HTTP connection",
    "src/store/sqlite_store.cpp": "the SQLite store",
    "src/workflow/override.cpp": "the override rules",
}
REGISTRATION = re.compile(r"python/src/bind_\w+\.cpp$")


def blank_literals(line):
    line = re.sub(r"//.*", "", line)
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    return re.sub(r"'(\\.|[^'\\])*'", "''", line)


def functions(text):
    """(first line, lines, signature) of each top-level brace block that is a function body:
    namespaces are looked through; classes, enums and initialisers are not functions."""
    depth, start, head, found = 0, None, "", []
    raw = re.sub(r'R"\((.*?)\)"', lambda m: '""' + "\n" * m.group(0).count("\n"), text, flags=re.S)
    for no, line in enumerate(raw.split("\n"), 1):
        code = blank_literals(line)
        if depth == 0 and re.match(r"\s*(inline\s+)?namespace\b[^;]*\{", code):
            continue
        if depth == 0 and re.match(r"\}\s*(//.*)?$", line) and start is None:
            continue  # a namespace's closing brace
        for ch in code:
            if ch == "{":
                if depth == 0:
                    start, head = no, line
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0 and start is not None:
                    if not re.match(r"\s*(struct|class|enum|union)\b", head) and \
                            "=" not in head.split("(")[0]:
                        found.append((start, no - start + 1, head.strip()))
                    start = None
    return found


def check(root):
    over = []
    for p in sorted((root / "src").rglob("*")) + sorted((root / "python/src").rglob("*")):
        if p.suffix not in {".cpp", ".h"} or not p.is_file():
            continue
        rel = p.relative_to(root).as_posix()
        text = p.read_text()
        lines = text.count("\n")
        if rel.startswith("src/") and lines > MAX_FILE_LINES and rel not in ONE_CONCEPT:
            over.append((lines, f"{rel}: {lines} lines (at most {MAX_FILE_LINES})"))
        if REGISTRATION.search(rel):
            continue
        for first, n, head in functions(text):
            if n > MAX_FUNCTION_LINES:
                over.append((n, f"{rel}:{first}: a function of {n} lines (at most "
                                f"{MAX_FUNCTION_LINES}): {head[:70]}"))
    return [line for _, line in sorted(over, reverse=True)]


if __name__ == "__main__":
    problems = check(ROOT)
    print("\n".join(problems) if problems else
          f"sizes: every file within {MAX_FILE_LINES} lines (but {len(ONE_CONCEPT)} of one "
          f"concept), every function within {MAX_FUNCTION_LINES} (but pybind11 registrations)")
    sys.exit(1 if problems else 0)
