"""Search latency, ingest throughput and memory at 1k, 10k and 100k chunks.

Chunks are synthetic (sentences of the bundled sample manual recombined) and
their vectors are random unit vectors written into the embedding cache, so a
100k-chunk index can be built in minutes; every query still goes through the
production path: the real embedder for the query (cache off for unique
queries), FAISS, BM25, fusion and the SQLite fetch.

Run: ``python -m bench.kb_speed [--sizes 1000,10000,100000] [--queries 200]``
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common.sentences import split_sentences
from common.settings import load_settings
from common.textnorm import normalize
from index.embed_cache import EmbeddingCache, content_hash
from index.windows import chunk_windows
from kb import store
from kb.knowledge_base import KnowledgeBase
from kb.models import Chunk

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "客人想退货要带什么",
    "几天内可以无理由退货",
    "退款多久到账",
    "满多少包邮",
    "偏远地区运费",
    "发票怎么开",
    "收到货坏了怎么办",
    "保价多少天",
    "热水壶保修多久",
    "投诉多久要上报",
    "自提点几点开门",
    "会员积分怎么抵扣",
    "顾客骂人怎么处理",
    "快递丢了谁负责",
    "能不能便宜点",
]


def rss_mb() -> float:
    """Peak resident memory of this process in MB.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across
    fork and exec, which would charge the build's memory to the serving process.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_chunks(n: int, seed: int = 7) -> list[Chunk]:
    text = (ROOT / "sample_data" / "kb" / "售后服务手册.md").read_text(encoding="utf-8")
    sentences = [s for s in split_sentences(text.replace("\n", "")) if len(s) > 8]
    rng = random.Random(seed)
    return [
        Chunk("".join(rng.sample(sentences, 4)) + f"（编号{i}）", [f"第{i % 50 + 1}章 合成章节"])
        for i in range(n)
    ]


def build_home(home: Path, n: int, kb: KnowledgeBase) -> float:
    """Store ``n`` synthetic chunks with random cached vectors; returns build seconds."""
    chunks = synthetic_chunks(n)
    rows, texts = [], []
    for chunk in chunks:
        norm = normalize(chunk.index_text())
        rows.append((chunk, norm, " ".join(kb.tokenizer.tokens(norm))))
        fake_row = {
            "norm_text": norm,
            "kind": "text",
            "text": chunk.text,
            "question": "",
            "answer": "",
            "similar": "[]",
        }
        texts += chunk_windows(fake_row)
    rng = np.random.default_rng(3)
    EmbeddingCache(kb.conn, kb.embedder)  # creates the cache table
    # Written a batch at a time, so the bench's own vectors do not count in the build's peak.
    for start in range(0, len(texts), 10000):
        part = texts[start : start + 10000]
        vectors = rng.standard_normal((len(part), kb.embedder.dim)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        with kb.conn:
            kb.conn.executemany(
                "INSERT OR REPLACE INTO embedding_cache(model, hash, vector) VALUES (?, ?, ?)",
                (
                    (kb.embedder.name, content_hash(t), v.tobytes())
                    for t, v in zip(part, vectors, strict=True)
                ),
            )
    del texts
    started = time.perf_counter()
    store.stage_version(
        kb.conn, "synthetic.txt", "synthetic.txt", "synthetic", "x", "utf-8", {}, [], rows, []
    )
    kb._publish()
    store.promote(kb.conn)
    return time.perf_counter() - started


def measure(kb: KnowledgeBase, queries: int) -> dict:
    rng = random.Random(11)
    kb.search("预热", k=5)  # load the snapshot and the embedder
    latencies = []
    for i in range(queries):
        # Unique text per query so the query-embedding cache never hits.
        query = f"{rng.choice(QUERIES)}{'吗' if i % 2 else ''}{i}"
        started = time.perf_counter()
        kb.search(query, k=5)
        latencies.append((time.perf_counter() - started) * 1000)
    repeated = []
    for query in QUERIES:
        kb.search(query, k=5)
        started = time.perf_counter()
        kb.search(query, k=5)
        repeated.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 2),
        "repeated_p50_ms": round(statistics.median(repeated), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: serve an already built home
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if len(sizes) > 1:
        # One process per size, so peak memory is that size's alone.
        import subprocess

        rows = []
        for n in sizes:
            out = subprocess.run(
                [sys.executable, "-m", "bench.kb_speed", "--sizes", str(n), "--queries", str(args.queries)],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            rows.append(json.loads(out.stdout.splitlines()[0]))
            print(out.stdout.splitlines()[0], flush=True)
        _table(rows)
        return 0
    if args.measure:
        # A fresh process that only loads and serves: its peak memory is the serving footprint.
        home = Path(args.measure)
        row = json.loads((home / "bench-build.json").read_text())
        row.update(measure(KnowledgeBase(load_settings(home)), args.queries))
        row["peak_rss_mb"] = round(rss_mb())
        print(json.dumps(row, ensure_ascii=False), flush=True)
        return 0
    import subprocess

    n = sizes[0]
    home = Path(tempfile.mkdtemp(prefix=f"kefu-speed-{n}-"))
    kb = KnowledgeBase(load_settings(home))
    build_s = build_home(home, n, kb)
    config = json.loads((sorted((home / "index").glob("snap-*"))[-1] / "config.json").read_text())
    build = {
        "chunks": n,
        "vectors": config["rows"],
        "index_kind": config["index_kind"],
        "index_build_s": round(build_s, 1),
        "build_peak_rss_mb": round(rss_mb()),
    }
    (home / "bench-build.json").write_text(json.dumps(build))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.kb_speed",
            "--sizes",
            str(n),
            "--queries",
            str(args.queries),
            "--measure",
            str(home),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    row = json.loads(out.stdout.splitlines()[-1])
    print(json.dumps(row, ensure_ascii=False), flush=True)
    _table([row])
    return 0


def _table(results: list[dict]) -> None:
    print(
        f"{'chunks':>8} {'vectors':>8} {'kind':>5} {'build s':>8} {'p50 ms':>7} {'p95 ms':>7} {'repeat ms':>9}"
        f" {'serve MB':>9} {'build MB':>9}"
    )
    for r in results:
        print(
            f"{r['chunks']:>8} {r['vectors']:>8} {r['index_kind']:>5} {r['index_build_s']:>8} {r['p50_ms']:>7}"
            f" {r['p95_ms']:>7} {r['repeated_p50_ms']:>9} {r['peak_rss_mb']:>9} {r['build_peak_rss_mb']:>9}"
        )


if __name__ == "__main__":
    sys.exit(main())
