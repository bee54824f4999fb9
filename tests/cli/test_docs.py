"""The documentation cannot drift: the contract lives in docs/, every reference to it resolves,
and nothing points outside the repository."""
import re

from conftest import SOURCE

CODE_DIRS = ["src", "include", "python", "schema", "tests", "bench", "scripts", "examples", "fuzz",
             "cmake"]
TEXT_SUFFIXES = {".cpp", ".h", ".in", ".py", ".pyi", ".json", ".yaml", ".md", ".mjs", ".sh", ".txt"}


def text_files():
    files = [*sorted(SOURCE.glob("*.md")), *sorted((SOURCE / "docs").glob("*.md"))]
    for d in CODE_DIRS:
        for p in sorted((SOURCE / d).rglob("*")):
            if (p.suffix in TEXT_SUFFIXES and p.is_file() and p.stat().st_size < 4_000_000
                    and not {"node_modules", "corpus"} & set(p.parts) and "data" != p.parent.name):
                files.append(p)
    return files


def slug(heading):
    """GitHub's anchor of a Markdown heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(md):
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", md.read_text(), re.M)}


def test_no_reference_to_a_contract_outside_the_repository():
    """The first hour: ~47 comments cited SPEC §n / INTERFACES §n, files outside the repository."""
    bad = []
    pattern = re.compile(r"\b(SPEC|INTERFACES|ENGINEERING)\b|\.\./shared")
    # A section sign is a standard's (RFC 9110 §9.3.2, a draft's §5), never a file's of ours.
    section = re.compile(r"(§|\\u00a7)")
    standard = re.compile(r"(RFC \d+|FIPS \d+|draft-[\w-]+|BIP-\d+|SP 800-\d+\w*)[^.;]*$")
    for p in text_files():
        if p.name == "test_docs.py":
            continue
        for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
            cited = [m.start() for m in section.finditer(line)
                     if not standard.search(line[:m.start()]) and not line[:m.start()].rstrip().endswith(",")]
            if pattern.search(line) or cited:
                bad.append(f"{p.relative_to(SOURCE)}:{n}: {line.strip()}")
    assert not bad, "\n".join(bad)


def test_every_docs_reference_resolves():
    """`docs/NAME.md#anchor` in code and docs, and every relative Markdown link, name a file that
    exists and a heading it has."""
    bad, seen = [], 0
    ref = re.compile(r"docs/([\w\-]+\.md)(#[\w\-]+)?")
    for p in text_files():
        if p.name == "test_docs.py":
            continue
        for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1):
            for m in ref.finditer(line):
                seen += 1
                target = SOURCE / "docs" / m.group(1)
                if not target.exists():
                    bad.append(f"{p.relative_to(SOURCE)}:{n}: no docs/{m.group(1)}")
                elif m.group(2) and m.group(2)[1:] not in anchors(target):
                    bad.append(f"{p.relative_to(SOURCE)}:{n}: docs/{m.group(1)} has no {m.group(2)}")
    for md in [SOURCE / "README.md", *sorted((SOURCE / "docs").glob("*.md"))]:
        for n, line in enumerate(md.read_text().splitlines(), 1):
            for m in re.finditer(r"\]\(([^)\s]+)\)", line):
                link = m.group(1)
                seen += 1
                if re.match(r"[a-z]+:", link):
                    bad.append(f"{md.relative_to(SOURCE)}:{n}: a link outside the repository: {link}")
                    continue
                path, _, anchor = link.partition("#")
                target = (md.parent / path).resolve() if path else md
                if SOURCE.resolve() not in target.parents and target != SOURCE.resolve():
                    bad.append(f"{md.relative_to(SOURCE)}:{n}: {link} leaves the repository")
                elif not target.exists():
                    bad.append(f"{md.relative_to(SOURCE)}:{n}: {link}: no such file")
                elif anchor and target.suffix == ".md" and anchor not in anchors(target):
                    bad.append(f"{md.relative_to(SOURCE)}:{n}: {link}: no such heading")
    assert seen > 50
    assert not bad, "\n".join(bad)


def test_the_contract_covers_what_the_readme_cites():
    for name in ["gates", "decision-rules", "configuration", "roles", "workflows", "overrides",
                 "audit", "keys", "interfaces"]:
        assert (SOURCE / "docs" / f"{name}.md").exists(), name


def test_every_input_file_an_example_uses_exists():
    """The first hour: the README used deploy.json, decisions.jsonl, request.json and
    context.json, which the repository did not have."""
    readme = (SOURCE / "README.md").read_text()
    used = set(re.findall(r"examples/[\w./\-]+\.(?:jsonl|json|yaml)", readme))
    assert {"examples/deploy.json", "examples/decisions.jsonl", "examples/overrides/request.json",
            "examples/aegis.yaml"} <= used
    for f in used:
        assert (SOURCE / f).is_file(), f
    for name in ["deploy.json", "decisions.jsonl", "request.json", "context.json"]:
        for m in re.finditer(rf"(?<![\w/]){re.escape(name)}", readme):
            line = readme[:m.start()].count("\n") + 1
            raise AssertionError(f"README.md:{line}: {name} outside examples/")
