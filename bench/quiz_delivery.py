"""Cloze equivalence on quantities a manual writes, and the speed of grading and statistics.

    python bench/quiz_delivery.py [--kb bench/data/heldout_kb] [--attempts 500] [--items 20]

1. Every number-with-unit in the knowledge base's text (the held-out KB by default: never
   tuned on) is a possible cloze key. For each: is its unit in quiz/answer_units.toml; is
   the key accepted when the number is written in Chinese numerals (7天 -> 七天); is a
   wrong number (+1) refused. Unknown units are listed (to see what the table lacks).
2. Grading speed: cloze responses graded per second (numerals, units, ranges).
3. Statistics speed: the report over ``--attempts`` attempts of ``--items`` questions.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cn2an  # noqa: E402

from common.textnorm import normalize  # noqa: E402
from quiz.analysis import analyse_items, quiz_statistics  # noqa: E402
from quiz.equivalence import equivalent, load_units, parse_quantities  # noqa: E402

# A number and up to four CJK characters or letters after it: the candidate unit.
QUANTITY = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*([\u4e00-\u9fff%％a-zA-Z]{1,4})")


def texts(folder: Path) -> list[str]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix in (".md", ".txt"):
            raw = path.read_bytes()
            try:
                out.append(raw.decode("utf-8-sig"))
            except UnicodeDecodeError:
                out.append(raw.decode("gb18030", errors="replace"))
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8-sig") as handle:
                out += [" ".join(row) for row in csv.reader(handle)]
    return out


def keys(folder: Path) -> list[str]:
    """Quantity spans, trimmed to the longest unit prefix the table knows (else the first char)."""
    table = load_units()
    names = sorted(table.sizes, key=len, reverse=True)
    found = []
    for text in texts(folder):
        for m in QUANTITY.finditer(normalize(text)):
            tail = m.group(2)
            unit = next((n for n in names if tail.startswith(n)), tail[:1])
            found.append(m.group(1) + unit)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", default=str(ROOT / "bench" / "data" / "heldout_kb"))
    parser.add_argument("--attempts", type=int, default=500)
    parser.add_argument("--items", type=int, default=20)
    args = parser.parse_args()
    table = load_units()

    spans = keys(Path(args.kb))
    known, unknown = [], Counter()
    for key in spans:
        parsed = parse_quantities(key)
        if parsed and parsed[0].unit and parsed[0].unit in table.sizes:
            known.append((key, parsed[0]))
        else:
            unknown[re.sub(r"[\d.]+", "", key)] += 1
    accepted = refused = 0
    for key, q in known:
        number = int(q.value) if q.value == int(q.value) else q.value
        chinese = cn2an.an2cn(str(number)) + key[len(str(number)) :] if str(number) in key else key
        accepted += equivalent(chinese, key)
        refused += not equivalent(f"{number + 1}{q.unit}", key)
    print(f"{args.kb}: {len(spans)} number-with-unit spans, {len(known)} with a unit in the table")
    if known:
        print(f"  written in Chinese numerals, accepted: {accepted}/{len(known)}")
        print(f"  a wrong number (+1), refused: {refused}/{len(known)}")
    print(f"  units not in the table (count): {dict(unknown.most_common(15))}")

    rng = random.Random(7)
    pairs = [(f"{rng.randint(1, 30)}天", f"{rng.randint(1, 30)}日") for _ in range(1500)]
    pairs += [(f"{rng.randint(1, 9)}至{rng.randint(10, 20)}个工作日", "3-15个工作日") for _ in range(500)]
    pairs += [(cn2an.an2cn(str(rng.randint(1, 99))) + "元", f"{rng.randint(1, 99)}元") for _ in range(1000)]
    start = time.perf_counter()
    for given, key in pairs:
        equivalent(given, key)
    elapsed = time.perf_counter() - start
    print(f"grading: {len(pairs) / elapsed:,.0f} cloze responses/s ({len(pairs)} responses)")

    matrix = [[float(rng.random() < 0.3 + 0.6 * (i / args.attempts)) for _ in range(args.items)]
              for i in range(args.attempts)]  # fmt: skip
    options = [[(o, o == "B") for o in "ABCD"] for _ in range(args.items)]
    picked = [[["B"] if row[j] else [rng.choice("ACD")] for j in range(args.items)] for row in matrix]
    start = time.perf_counter()
    items = analyse_items(list(range(args.items)), matrix, picked, options)
    report = quiz_statistics(items, matrix)
    elapsed = time.perf_counter() - start
    print(
        f"statistics: {args.attempts} attempts x {args.items} questions in {elapsed * 1000:.0f} ms (KR-20 {report.kr20})"
    )


if __name__ == "__main__":
    main()
