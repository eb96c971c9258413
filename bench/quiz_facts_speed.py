"""What fact extraction adds to ingest, and how long a 200-question bank takes.

Ingests a folder into a fresh data home with a fresh embedding cache (the real cost of an
ingest), then extracts the typed facts of every passage as the ingest job does
(``service.playbook``: facts are extracted once per new chunk version), then builds a
bank. Prints seconds and the share extraction adds. Run::

    python -m bench.quiz_facts_speed [--kb corpus|sample|heldout] [-n 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.quiz_coverage import SOURCES
from common.settings import load_settings
from kb.knowledge_base import KnowledgeBase
from quiz.generate import build_questions
from quiz.material import collect_facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", choices=sorted(SOURCES), default="corpus")
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    folder = SOURCES[args.kb][0]
    home = Path(tempfile.mkdtemp(prefix="quiz-speed-"))
    os.environ["KEFU_EMBEDDING_CACHE"] = str(home / "fresh-embeddings.sqlite3")
    kb = KnowledgeBase(load_settings(home))
    started = time.perf_counter()
    kb.ingest([folder])
    ingest_s = time.perf_counter() - started
    started = time.perf_counter()
    facts = collect_facts(kb)
    extract_s = time.perf_counter() - started
    started = time.perf_counter()
    again = collect_facts(kb)
    cached_s = time.perf_counter() - started
    started = time.perf_counter()
    questions, _ = build_questions(kb, n=args.n, seed=args.seed)
    bank_s = time.perf_counter() - started
    print(f"kb={args.kb} passages={facts.passages} facts={len(facts.facts)}")
    print(f"ingest (fresh embeddings): {ingest_s:.1f}s")
    print(
        f"fact extraction: {extract_s:.1f}s = {extract_s / ingest_s:.1%} of ingest ({facts.extracted} passages)"
    )
    print(f"facts read from the cache: {cached_s:.2f}s ({again.extracted} passages extracted again)")
    print(f"bank of {len(questions)} questions (asked {args.n}): {bank_s:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
