"""Print the largest modules and functions of the project's packages, in lines.

usage: python tools/code_sizes.py [N]   (default 10)
A function's size is its line span including its docstring and nested helpers;
methods are named ``module:Class.method``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("common", "index", "kb", "qa", "quiz", "service", "web", "cli", "bench")


def _functions(tree: ast.AST, prefix: str = ""):
    """(qualified name, line count) of every function and method under ``tree``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield prefix + node.name, node.end_lineno - node.lineno + 1
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")


def sizes(root: Path = ROOT) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Modules and functions with their line counts, largest first."""
    modules, functions = [], []
    files = [root / "app.py", *(p for pkg in PACKAGES for p in sorted((root / pkg).rglob("*.py")))]
    for path in files:
        name = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        modules.append((name, len(text.splitlines())))
        functions += [(f"{name}:{qual}", n) for qual, n in _functions(ast.parse(text))]
    return sorted(modules, key=lambda m: -m[1]), sorted(functions, key=lambda f: -f[1])


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    modules, functions = sizes()
    print("| module | lines |\n|---|---:|")
    for name, n in modules[:top]:
        print(f"| {name} | {n} |")
    print("\n| function | lines |\n|---|---:|")
    for name, n in functions[:top]:
        print(f"| {name} | {n} |")
    over = sum(1 for _, n in modules if n > 400)
    print(f"\nmodules: {len(modules)}, over 400 lines: {over}, total lines: {sum(n for _, n in modules)}")


if __name__ == "__main__":
    main()
