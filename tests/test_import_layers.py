"""Packages import one way, function-local imports included, and only web/ imports Flask.

The layers, lowest first: ``common`` -> ``index`` (retrieval over chunks it is handed)
-> ``kb`` (documents and chunks, drives the index) -> ``qa`` and ``quiz`` -> ``service``
(the core object the presenters share) -> ``web`` and ``cli``. A package may import only
the packages listed for it below.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "common": set(),
    "index": {"common"},
    "kb": {"common", "index"},
    "qa": {"common", "index", "kb"},
    "quiz": {"common", "index", "kb"},
    "service": {"common", "index", "kb", "qa", "quiz"},
    "web": {"common", "index", "kb", "qa", "quiz", "service"},
    "cli": {"common", "index", "kb", "qa", "quiz", "service", "web"},
}
WEB_FRAMEWORK = {"flask", "flask_wtf", "werkzeug", "wtforms"}


def _imports(path: Path) -> list[tuple[str, int]]:
    """Top-level package names a module imports (anywhere in it) with their line numbers."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name.split(".")[0], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module.split(".")[0], node.lineno))
    return found


def _edges() -> list[tuple[str, str, str]]:
    edges = []
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            for name, line in _imports(path):
                edges.append((package, name, f"{path.relative_to(ROOT)}:{line}"))
    return edges


def test_packages_import_only_the_layers_below_them():
    wrong = [
        f"{where}: {package} imports {name}"
        for package, name, where in _edges()
        if name in ALLOWED and name != package and name not in ALLOWED[package]
    ]
    assert wrong == []


def test_the_core_packages_have_no_import_cycle():
    graph = {p: set() for p in ALLOWED}
    for package, name, _ in _edges():
        if name in ALLOWED and name != package:
            graph[package].add(name)

    def reaches(start: str, goal: str, seen: frozenset = frozenset()) -> bool:
        return goal in graph[start] or any(
            reaches(nxt, goal, seen | {start}) for nxt in graph[start] if nxt not in seen
        )

    cycles = [(a, b) for a in graph for b in graph[a] if reaches(b, a)]
    assert cycles == []


def test_only_the_web_package_imports_the_web_framework():
    wrong = [
        f"{where}: {package} imports {name}"
        for package, name, where in _edges()
        if name in WEB_FRAMEWORK and package != "web"
    ]
    assert wrong == []
