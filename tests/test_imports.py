"""The project's import graph (issue 18): no cycle, and the domain core stays free of Dagster.

The imports are read from the source (``ast``), not by importing: every ``import`` and
``from ... import`` counts wherever it is written, at the top of a module, inside a
function, or under ``if TYPE_CHECKING:`` (a guarded import hides a cycle from the
interpreter, not from a reader). An import of ``pkg.mod`` is an edge to ``pkg.mod``;
``from pkg import name`` is an edge to ``pkg.name`` when that is a module, else to
``pkg`` (its ``__init__``).
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lct_pipeline", "assets", "resources", "schedules")
# The Dagster code location and the command line: the only modules of the core that
# may import Dagster, or the thin Dagster layers (assets, resources, schedules).
DAGSTER_ENTRY_POINTS = {"lct_pipeline.definitions", "lct_pipeline.cli"}
DAGSTER_LAYERS = ("assets", "resources", "schedules")


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Every module of ``packages`` under ``root`` by dotted name (a package by its own)."""
    found = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "node_modules" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _is_package(name: str, known: dict[str, Path]) -> bool:
    return known[name].name == "__init__.py"


def imported_names(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int]]:
    """Every module ``path`` imports (project or not), with the line of its import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the module's own package upwards
                package = name.split(".")
                if not _is_package(name, known):
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            names += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
    return names


def import_graph(known: dict[str, Path]) -> dict[str, dict[str, int]]:
    """Project module -> the project modules it imports (each with a line that does)."""
    graph: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        edges: dict[str, int] = {}
        for target, line in imported_names(name, path, known):
            # `from pkg import mod` names pkg.mod; `from pkg import func` names pkg.
            module = target if target in known else target.rpartition(".")[0]
            if module in known and module != name:
                edges.setdefault(module, line)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle (a path back to its start) per strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(group, graph) for group in groups]


def _cycle_in(group: set[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """A shortest path from the group's first module back to itself, within the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for other in sorted(graph[node]):
                if other == start:
                    return [*paths[node], start]
                if other in group and other not in paths:
                    paths[other] = [*paths[node], other]
                    following.append(other)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # a group always has one


def _describe(cycle: list[str], graph: dict[str, dict[str, int]]) -> str:
    steps = [f"{a} (line {graph[a][b]})" for a, b in itertools.pairwise(cycle)]
    return " -> ".join([*steps, cycle[-1]])


def _core(known: dict[str, Path]) -> list[str]:
    """The modules of the domain core that may not import Dagster or its layers."""
    return [m for m in known if m.split(".")[0] == "lct_pipeline" and m not in DAGSTER_ENTRY_POINTS]


def _report(title: str, lines: list[str]) -> str:
    return f"{title}:\n" + "\n".join(sorted(set(lines)))


@pytest.fixture(scope="module")
def project():
    known = modules(ROOT, PACKAGES)
    return known, import_graph(known)


def test_the_walk_sees_the_whole_project(project):
    known, graph = project
    assert {"lct_pipeline.definitions", "lct_pipeline.rules.split", "assets.validation"} <= set(
        known
    )
    assert all(name.split(".")[0] in PACKAGES for name in known)
    # Sanity: edges exist (an assets module imports the core).
    assert any(t.startswith("lct_pipeline") for t in graph["assets.validation"])


def test_no_import_cycle(project):
    _, graph = project
    found = [_describe(cycle, graph) for cycle in cycles(graph)]
    assert not found, _report("import cycles between project modules", found)


def test_the_domain_core_does_not_import_dagster(project):
    known, _ = project
    offenders = [
        f"{module} (line {line}) imports {target}"
        for module in _core(known)
        for target, line in imported_names(module, known[module], known)
        if target.split(".")[0] == "dagster" or target.startswith("dagster_")
    ]
    assert not offenders, _report("Dagster imported by the domain core", offenders)


def test_the_domain_core_does_not_import_the_dagster_layers(project):
    known, _ = project
    offenders = [
        f"{module} (line {line}) imports {target}"
        for module in _core(known)
        for target, line in imported_names(module, known[module], known)
        if target.split(".")[0] in DAGSTER_LAYERS
    ]
    assert not offenders, _report("the domain core imports a Dagster layer", offenders)


# --------------------------------------------------------------------------- the walk itself


def _tree(root: Path, files: dict[str, str]) -> dict[str, Path]:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return modules(root, ("core",))


def test_a_cycle_hidden_by_type_checking_or_a_function_is_found(tmp_path):
    known = _tree(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/a.py": "from core.b import thing\n",
            "core/b.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from core import c\n",
            "core/c.py": "def late():\n    from . import a\n",
            "core/d.py": "import core.a\n",
        },
    )
    graph = import_graph(known)
    assert graph["core.b"] == {"core.c": 3}
    assert graph["core.c"] == {"core.a": 2}
    assert cycles(graph) == [["core.a", "core.b", "core.c", "core.a"]]
    assert _describe(cycles(graph)[0], graph) == (
        "core.a (line 1) -> core.b (line 3) -> core.c (line 2) -> core.a"
    )


def test_no_cycle_no_finding(tmp_path):
    known = _tree(
        tmp_path,
        {
            "core/__init__.py": "from core.a import x\n",
            "core/a.py": "from core.sub.b import y\nx = 1\n",
            "core/sub/__init__.py": "",
            "core/sub/b.py": "from ..c import z\ny = 2\n",
            "core/c.py": "import os\nz = 3\n",
        },
    )
    graph = import_graph(known)
    assert graph["core.sub.b"] == {"core.c": 1}
    assert graph["core"] == {"core.a": 1}
    assert cycles(graph) == []
