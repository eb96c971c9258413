"""How long ``python app.py --help`` takes, and how much of it is importing the project.

usage: python bench/cli_startup.py [ROOT] [--runs N]
Prints the median wall time of N runs of ``python app.py --help`` in ROOT (default: this
checkout), the same for ``python -c pass`` (the interpreter's own start-up), and the
cumulative import time of every module ``app.py`` imported (from ``python -X importtime``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(argv: list[str], cwd: Path, runs: int) -> float:
    """Median seconds of ``runs`` runs of ``argv``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def import_seconds(cwd: Path) -> tuple[float, int]:
    """Cumulative import time of the imports ``app.py --help`` makes, and how many modules it loads.

    ``-X importtime`` lists the interpreter's start-up imports first, ending with ``site``;
    every line after it is app.py's (a top-level import has no indent before its name).
    """
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "app.py", "--help"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = [line.split("|") for line in result.stderr.splitlines() if line.startswith("import time:")]
    rows = [(int(cumulative), name) for _, cumulative, name in rows[1:]]  # rows[0] is the header
    after = rows[[name.strip() for _, name in rows].index("site") + 1 :]
    total = sum(cumulative for cumulative, name in after if not name[1:].startswith(" "))
    return total / 1e6, len(after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(ROOT))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    root = Path(args.root)
    help_s = wall([sys.executable, "app.py", "--help"], root, args.runs)
    bare_s = wall([sys.executable, "-c", "pass"], root, args.runs)
    imports_s, modules = import_seconds(root)
    print(f"{root}: app.py --help {help_s:.3f} s (median of {args.runs}); python -c pass {bare_s:.3f} s;")
    print(f"  app.py's own imports {imports_s:.3f} s cumulative, {modules} modules loaded after start-up")


if __name__ == "__main__":
    main()
