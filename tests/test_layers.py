"""The package layout is the architecture: layers only point down and no import runs in a circle.

Every import statement of every module under `inspector/` is read with `ast` (function-level
imports too: a lazy import is still a dependency), and the module graph is checked against the
layers of docs/architecture.md: foundation <- data <- tokens / flags / semantic <- scan <- export
<- ui <- cli. Packages of one layer do not import each other either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "inspector"

#: Modules directly under `inspector/core/`: the foundation every stage may use.
FOUNDATION = {
    "errors",
    "progress",
    "cache",
    "processes",
    "rowkeys",
    "triage",
    "faces",
    "reasons",
    "offline",
    "safe_text",
    "state",
    "jit",
}
#: An export reads what the scan and the clusters found (to drop by flag, group or cluster), so
#: export sits just above scan; the scan never reads an export. The distributed engine runs the
#: scan's and the export's own functions on a Ray cluster, so it sits just above both.
STAGES = {
    "data": 1,
    "tokens": 2,
    "flags": 2,
    "semantic": 2,
    "scan": 3,
    "export": 3.5,
    "distributed": 3.75,
}
RANK = {"foundation": 0, **STAGES, "ui": 4, "cli": 5}


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in ROOT.rglob("*.py")}


def imports_of(module: str) -> set[str]:
    """The `inspector` modules that `module` imports anywhere in its body."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            subs = {f"{target}.{a.name}" for a in node.names} & MODULES.keys()
            # `from pkg import mod` depends on mod; `from pkg import name` on pkg's face.
            if subs:
                found.update(subs)
            if target in MODULES and len(subs) < len(node.names):
                found.add(target)
    found.discard(module)
    return found


def layer(module: str) -> str:
    """The layer a module belongs to ('root' for `inspector` itself)."""
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    if parts[1] != "core":
        return parts[1]
    if len(parts) == 2 or (len(parts) == 3 and parts[2] in FOUNDATION):
        return "foundation"
    return parts[2]


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that go up a layer or sideways into another package of the same layer."""
    bad = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            here, there = layer(module), layer(target)
            if there in ("root", here):
                continue
            if RANK[there] >= RANK[here]:
                bad.append(f"{module} ({here}) imports {target} ({there})")
    return bad


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


GRAPH = {m: imports_of(m) for m in MODULES}


def test_every_core_module_is_in_a_stage_package_or_foundation():
    loose = [
        m
        for m in MODULES
        if m.startswith("inspector.core.")
        and m.count(".") == 2
        and m.split(".")[2] not in FOUNDATION | STAGES.keys()
    ]
    assert loose == [], f"core modules outside the stage packages: {loose}"
    for stage in ("data", "tokens", "scan", "semantic", "export", "distributed"):
        assert (ROOT / "core" / stage / "__init__.py").exists(), stage


def test_layers_only_point_down():
    assert violations(GRAPH) == []


def test_no_import_circle():
    assert cycles(GRAPH) == []


def test_stage_faces_import_nothing_heavy():
    """A face only names its exports: importing it loads no module of the package."""
    for stage in ("data", "tokens", "scan", "semantic", "export", "distributed"):
        assert GRAPH[f"inspector.core.{stage}"] <= {"inspector.core.faces"}, stage


@pytest.mark.parametrize(
    "edge",
    [
        ("inspector.core.data.usable", "inspector.core.export.filtered"),  # up a layer
        ("inspector.core.scan.run", "inspector.core.export.rules"),  # scan reading an export
        ("inspector.core.flags.pii", "inspector.core.tokens.pack"),  # sideways
        ("inspector.core.errors", "inspector.core.data.load"),  # foundation reaching up
        ("inspector.core.export.run", "inspector.ui.app"),  # core importing the UI
    ],
)
def test_the_checks_catch_a_bad_import(edge):
    graph = {m: set(t) for m, t in GRAPH.items()}
    graph[edge[0]].add(edge[1])
    assert violations(graph), edge


def test_the_checks_catch_a_circle():
    graph = {m: set(t) for m, t in GRAPH.items()}
    graph["inspector.core.data.files"].add("inspector.core.data.load")
    assert ["inspector.core.data.files", "inspector.core.data.load"] in [
        [m for m in c if m in ("inspector.core.data.files", "inspector.core.data.load")]
        for c in cycles(graph)
    ]


def test_no_face_name_is_also_a_module_of_its_package():
    """`from pkg import name` returns a submodule of that name once it is loaded, not the face's
    function: a face must never export a name its package also uses for a module."""
    import importlib

    for stage in ("data", "tokens", "scan", "semantic", "export", "distributed"):
        face = importlib.import_module(f"inspector.core.{stage}")
        modules = {p.stem for p in (ROOT / "core" / stage).glob("*.py")}
        assert set(face.__all__) & modules == set(), stage
