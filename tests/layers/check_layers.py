"""Layers point one way. The data is the table under "## Layers" in docs/ARCHITECTURE.md: each
layer, its folders, and the layers it builds on. This check fails on

- an `#include` in a layer's folder that names another layer's public header (`aegis/<layer>/...`)
  or private file (a relative path into another layer's folder) that the layer does not build on;
- a CMake library of a layer that links a library of a layer it does not build on;
- a public header outside a layer's folder that is not a forwarding header (old paths forward
  to the new ones for one release);
- a folder under include/aegis/ or src/ that the table does not name.

Usage: check_layers.py [ROOT]   (prints one line per violation; exit status 1 if any)
"""
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2])
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
# A forwarding header: comment lines naming the new path, `#pragma once`, its one include.
FORWARD = re.compile(r'\A// Moved to (aegis/\w+/\w+\.h)[^\n]*\n(//[^\n]*\n)*#pragma once\n'
                     r'#include "\1"[^\n]*\n\Z')


def read_table():
    """{layer: (folders, builds_on)} from the Markdown table under ## Layers."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    section = text.split("\n## Layers\n", 1)[1].split("\n## ", 1)[0]
    layers = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`") or set(cells[0]) <= {"-"}:
            continue
        name = cells[0].strip("`")
        folders = re.findall(r"`([^`]+/)`", cells[1])
        builds_on = re.findall(r"`(\w+)`", cells[2])
        layers[name] = (folders, builds_on)
    if not layers:
        raise SystemExit("docs/ARCHITECTURE.md has no layer table under '## Layers'")
    return layers


def closure(layers):
    """Every layer a layer may use: itself and all it builds on, directly or not."""
    below = {}

    def walk(name, seen):
        if name in seen:
            raise SystemExit(f"the layer table has a cycle through {name}")
        if name not in below:
            out = {name}
            for dep in layers[name][1]:
                if dep not in layers:
                    raise SystemExit(f"layer {name} builds on {dep}, which the table does not list")
                out |= walk(dep, seen | {name})
            below[name] = out
        return below[name]

    for name in layers:
        walk(name, set())
    return below


def owner(path, layers):
    rel = path.relative_to(ROOT).as_posix()
    best = None
    for name, (folders, _) in layers.items():
        for f in folders:
            if rel.startswith(f) and (best is None or len(f) > len(best[1])):
                best = (name, f)
    return best[0] if best else None


def check(layers):
    allowed = closure(layers)
    bad = []
    sources = [p for d in ("src", "include", "python/src") for p in sorted((ROOT / d).rglob("*"))
               if p.suffix in {".h", ".cpp", ".in"} and p.is_file()]
    for p in sources:
        rel = p.relative_to(ROOT).as_posix()
        layer = owner(p, layers)
        text = p.read_text()
        if layer is None:
            top = p.parent.relative_to(ROOT).as_posix()
            if top in ("include/aegis", "include/aegis/errors") and FORWARD.match(text):
                target = FORWARD.match(text).group(1)
                if not (ROOT / "include" / target).is_file():
                    bad.append(f"{rel}: forwards to {target}, which does not exist")
                continue
            bad.append(f"{rel}: in no layer's folder (docs/ARCHITECTURE.md#layers)")
            continue
        for n, line in enumerate(text.splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            name = m.group(1)
            used = None
            hit = re.match(r"aegis/(\w+)/", name)
            if hit:
                used = hit.group(1)
                if used not in layers:
                    bad.append(f"{rel}:{n}: includes {name}, in no layer")
                    continue
            else:
                target = (p.parent / name).resolve()
                if target.is_file() and ROOT in target.parents:
                    used = owner(target, layers)
            if used and used not in allowed[layer]:
                bad.append(f"{rel}:{n}: {layer} includes {name} of {used}, a layer above or "
                           f"beside it (it builds on {', '.join(sorted(allowed[layer] - {layer})) or 'nothing'})")
    # Libraries: `aegis_library(<target> <layer> ...)` and what each links.
    cmake = (ROOT / "CMakeLists.txt").read_text()
    target_layer = dict(re.findall(r"aegis_library\((\w+) (\w+)", cmake))
    for target, layer in target_layer.items():
        if layer not in layers:
            bad.append(f"CMakeLists.txt: {target} is of layer {layer}, which the table does not list")
            continue
        for links in re.findall(r"target_link_libraries\(" + target + r"\b([^)]*)\)", cmake):
            for dep in re.findall(r"\baegis_\w+", links):
                if dep in target_layer and target_layer[dep] not in allowed[layer]:
                    bad.append(f"CMakeLists.txt: {target} ({layer}) links {dep} "
                               f"({target_layer[dep]}), a layer above or beside it")
    # Every folder is some layer's.
    for base in ("src", "include/aegis"):
        for d in sorted((ROOT / base).iterdir()):
            if d.is_dir() and d.name not in ("errors", "assets") and owner(d / "x", layers) is None:
                bad.append(f"{d.relative_to(ROOT).as_posix()}/: in no layer's folder")
    return bad


if __name__ == "__main__":
    problems = check(read_table())
    print("\n".join(problems) if problems else f"layers: {len(read_table())} layers, every include "
          "and link points down")
    sys.exit(1 if problems else 0)
