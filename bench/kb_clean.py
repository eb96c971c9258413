"""What cleaning drops, per reason, and what the off-topic stage costs at ingest.

Runs the ingest pipeline (load, clean, off-topic stage, chunk) over folders of documents and
prints, per folder: pieces dropped per reason, every off-topic drop (for a hand check), the time
the off-topic stage took with a cold and a warm embedding cache, and how many of the texts it
embedded are not among those the index embeds anyway (its only extra embedding work).

Run: ``python -m bench.kb_clean [FOLDER ...]`` (default: ../shared/corpus and bench/data/heldout_kb).
Figures on bench/data/heldout_kb are a held-out check: never tune the examples or margins on them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common.db import connect
from common.settings import load_settings
from common.textnorm import normalize
from index.embed_cache import EmbeddingCache
from index.embedder import load_embedder
from index.windows import chunk_windows
from kb.chunk import chunk_blocks
from kb.clean import Fingerprints, clean_blocks
from kb.loaders import SUPPORTED_SUFFIXES, load_file
from kb.models import CleanReport
from kb.topic_filter import TopicFilter, sentence_pieces

ROOT = Path(__file__).resolve().parent.parent
DEFAULTS = [ROOT.parent / "shared" / "corpus", ROOT / "bench" / "data" / "heldout_kb"]


def run(folder: Path, settings, embedder, cache_path: Path) -> None:
    # A folder's README.md describes the folder (the held-out set's does): not a document of it.
    files = sorted(
        p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES and p.name != "README.md"
    )
    memory = Fingerprints(settings.near_duplicate_jaccard)
    reasons: Counter = Counter()
    off_topic: list[tuple[str, int, str, str]] = []
    seconds = {"cold": 0.0, "warm": 0.0}
    judged_texts: set[str] = set()
    window_texts: set[str] = set()
    blocks_total = 0
    for path in files:
        loaded = load_file(path, settings.max_file_mb << 20, path.read_bytes())
        blocks, report = clean_blocks(loaded.blocks, memory)
        blocks_total += len(blocks)
        for label in ("cold", "warm"):
            cache = EmbeddingCache(connect(cache_path, 5), embedder, settings.embed_batch_size)
            topic = TopicFilter(
                cache.embed_passages, settings.offtopic_margin, settings.offtopic_foreign_margin
            )
            topic._load()  # the example sets are embedded once per process, not per document
            started = time.perf_counter()
            verdicts = topic.judge(blocks, "\n".join(b.text for b in blocks))
            seconds[label] += time.perf_counter() - started
        for block in blocks:
            if block.kind == "paragraph":
                judged_texts.update(normalize(p) for p in sentence_pieces(block.text))
        staged = CleanReport()
        for verdict in verdicts:
            for piece in verdict.dropped:
                staged.drop(verdict.kind.reason, piece)
                off_topic.append((path.name, blocks[verdict.index].line, verdict.kind.name, piece))
            blocks[verdict.index].text = verdict.kept_text
        blocks = [b for b in blocks if b.text]
        for chunk in chunk_blocks(
            blocks, settings.chunk_target_chars, settings.chunk_max_chars, settings.chunk_overlap_sentences
        ):
            row = {
                "norm_text": normalize(chunk.index_text()),
                "kind": chunk.kind,
                "text": chunk.text,
                "question": chunk.question,
                "answer": chunk.answer,
                "similar": "[]",
            }
            window_texts.update(chunk_windows(row))
        reasons.update(report.dropped)
        reasons.update(staged.dropped)
    print(f"\n== {folder} ({len(files)} files, {blocks_total} cleaned blocks)")
    for reason, count in reasons.most_common():
        print(f"  {count:5}  {reason}")
    print(f"  off-topic pieces dropped: {len(off_topic)}")
    for name, line, kind, text in off_topic:
        print(f"    {name[:28]:28} line {line:<5} {kind:18} {text[:70]}")
    extra = len(judged_texts - window_texts)
    print(
        f"  off-topic stage: {seconds['cold']:.1f} s with a cold cache, {seconds['warm']:.2f} s warm;"
        f" {extra} of {len(judged_texts)} texts it embeds are not embedded by the index anyway"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=DEFAULTS)
    args = parser.parse_args(argv)
    settings = load_settings(tempfile.mkdtemp())
    embedder = load_embedder(settings.embedder)
    for folder in args.folders:
        if not folder.is_dir():
            print(f"skipped {folder}: not a folder", file=sys.stderr)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            run(folder, settings, embedder, Path(tmp) / "cache.sqlite3")
    return 0


if __name__ == "__main__":
    sys.exit(main())
