"""One table per vocabulary: error details, enum names and context fields are written once.

Run as a script (`python3 tests/cli/test_vocabularies.py [ROOT]`) it prints the counts the
tests hold at zero, for any checkout: the numbers issue 26 was measured with.
"""
import json
import re
import sys
from pathlib import Path

try:
    from conftest import SOURCE
except ImportError:  # run as a script
    SOURCE = Path(__file__).resolve().parents[2]

CODE_DIRS = ["src", "python/src"]
# Each layer's error table, and the command's and the module's (private to them).
TABLES = ["include/aegis/*/errors.h", "src/cli/errors.h", "python/src/errors.h"]
DETAIL = re.compile(r'X\(k\w+,\s*"([a-z_.0-9]+)",\s*k\w+,')
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
RAW = re.compile(r'R"\((.*?)\)"', re.S)
ENUM_CASE = re.compile(r'case\s+(\w+)::\w+:\s*return\s*"')
# A config key that is also the detail of its errors: a field name, not a detail written twice.
FIELD_NAMED_AS_ITS_DETAIL = {("src/server/server_config.cpp", "server.api_keys")}


def table_files(root):
    return sorted(p for pattern in TABLES for p in root.glob(pattern))


def code_files(root):
    tables = set(table_files(root))
    for d in CODE_DIRS:
        for p in sorted((root / d).rglob("*")):
            if p.suffix in {".cpp", ".h", ".in"} and p.is_file() and p not in tables:
                yield p


def without_comments(text):
    """C++ text with // and /* */ comments blanked (string literals kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"' or (c == "R" and text.startswith('R"(', i)):
            if c == "R":
                end = text.index(')"', i + 3) + 2
            else:
                end = i + 1
                while end < n and text[end] != '"':
                    end += 2 if text[end] == "\\" else 1
                end += 1
            out.append(text[i:end])
            i = end
        elif c == "'" and i + 2 < n:
            end = i + 1
            while end < n and text[end] != "'":
                end += 2 if text[end] == "\\" else 1
            out.append(text[i:end + 1])
            i = end + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def declared_details(root):
    details = set()
    for h in table_files(root):
        details |= set(DETAIL.findall(h.read_text()))
    return details


def detail_literals(root, details):
    """(file:line, literal) for every string literal outside the tables naming a detail code
    (or shaped like one inside an Error construction)."""
    shaped = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")
    hits = []
    for p in code_files(root):
        text = without_comments(p.read_text())
        # Raw strings first; then the other literals, with each raw string blanked (its lines
        # kept, so that line numbers hold).
        flat = RAW.sub(lambda r: '""' + "\n" * r.group(0).count("\n"), text)
        for source, m in [*((text, r) for r in RAW.finditer(text)),
                          *((flat, m) for m in LITERAL.finditer(flat))]:
            s = m.group(1)
            before = source[max(0, m.start() - 40):m.start()]
            if (str(p.relative_to(root)), s) in FIELD_NAMED_AS_ITS_DETAIL:
                continue
            inside = re.search(r'detail\\?":\s*\\?"([a-z_]+(\.[a-z_0-9]+)+)', s)
            if s in details or inside or (shaped.match(s) and re.search(
                    r"Error[({]\s*(ErrorKind::\w+,\s*)?$", before)):
                line = source.count("\n", 0, m.start()) + 1
                hits.append((f"{p.relative_to(root)}:{line}", s))
    return hits


def our_enums(root):
    names = set()
    for d in ["include", *CODE_DIRS]:
        for p in (root / d).rglob("*.h"):
            names |= set(re.findall(r"enum class (\w+)", p.read_text()))
    return names


def enum_switch_cases(root):
    """Switches over one of our enums that spell a name (`case E::kX: return "x"`)."""
    ours = our_enums(root)
    hits = []
    for p in code_files(root):
        text = without_comments(p.read_text())
        for m in ENUM_CASE.finditer(text):
            if m.group(1) in ours:
                hits.append(f"{p.relative_to(root)}:{text.count(chr(10), 0, m.start()) + 1}")
    return hits


def context_fields(root):
    return list(json.loads((root / "schema/context.schema.json").read_text())["properties"])


def places_listing_context_fields(root, fields):
    """Files outside the context-field table that spell at least 10 context fields as literals."""
    hits = []
    for p in [*code_files(root), *sorted((root / "python/aegis_governance").glob("*.py"))]:
        literals = set(LITERAL.findall(without_comments(p.read_text())))
        named = [f for f in fields if f in literals]
        if len(named) >= 10:
            hits.append(f"{p.relative_to(root)} ({len(named)} fields)")
    return hits


def test_no_detail_literal_outside_the_tables():
    """Issue 26: 374 throw sites wrote their detail as a literal; now each names a constant."""
    details = declared_details(SOURCE)
    assert len(details) > 200
    assert detail_literals(SOURCE, details) == []


def test_only_the_command_line_raises_cli_details():
    """No detail below the CLI starts with cli.: only src/cli includes its table."""
    table = (SOURCE / "src/cli/errors.h").resolve()
    users = [str(p.relative_to(SOURCE)) for p in code_files(SOURCE)
             if any((p.parent / name).resolve() == table or name.endswith("cli/errors.h")
                    for name in re.findall(r'#include "([^"]+)"', p.read_text()))]
    assert users and all(u.startswith("src/cli/") for u in users), users


def test_no_enum_name_is_spelled_in_a_switch():
    """Issue 26: 82 `case X: return "name"` lines; the names live in constexpr tables."""
    assert enum_switch_cases(SOURCE) == []


def test_the_context_fields_are_listed_once():
    """Issue 26: the fields were listed in 9 places; kContextFields (a header) is the one list."""
    assert places_listing_context_fields(SOURCE, context_fields(SOURCE)) == []


def test_the_scanner_sees_what_it_should(tmp_path):
    """The counts above can fail: a literal detail, a switch and a field list are found."""
    (tmp_path / "include/aegis/core").mkdir(parents=True)
    (tmp_path / "include/aegis/core/errors.h").write_text(
        'X(kJsonSyntax, "json.syntax", kMalformed, "m")\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src/a.cpp").write_text(
        '// "json.syntax" in a comment is fine\n'
        'auto e = Error(errors::kJsonSyntax, "f", "m");\n'
        'auto f = fail("json.syntax", "f", "m");\n'
        'auto g = Error{"made.up", "f", "m"};\n'
        'auto h = R"({"error":{"code":"forbidden","detail":"mcp.origin"}})";\n'
        'switch (x) {\n  case A::kB:\n    return "b";\n}\n')
    (tmp_path / "src/a.h").write_text("enum class A { kB };\n")
    details = declared_details(tmp_path)
    found = [s for _, s in detail_literals(tmp_path, details)]
    assert len(found) == 3 and {"json.syntax", "made.up"} < set(found)
    assert any('"detail":"mcp.origin"' in s for s in found)
    assert enum_switch_cases(tmp_path) == ["src/a.cpp:7"]


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else SOURCE
    details = declared_details(SOURCE)  # the details as declared now, looked for in `root`
    fields = context_fields(SOURCE)
    print(f"detail literals outside the tables: {len(detail_literals(root, details))}")
    print(f"enum switch cases spelling a name:  {len(enum_switch_cases(root))}")
    places = places_listing_context_fields(root, fields)
    print(f"files listing >= 10 context fields: {len(places)}")
    for p in places:
        print(f"  {p}")
