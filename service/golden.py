"""Golden sets: an admin's labelled test queries, run as a job, every run kept and compared.

A golden query says which passage(s) answer it, or that the knowledge base should give
no answer. An expected passage is kept as text, not as a chunk id (ids change with every
new version of a document): a result matches when its text contains the expected text,
or shares most of its character bigrams with it (the same paragraph re-chunked or lightly
edited). Queries come from the hit-test page (the admin marks the right result) or from
a sheet (CSV/XLSX: 问题, 答案 — a passage or a distinctive phrase of it — and 无答案).

A run searches every query as agents would and stores recall@1, recall@5, MRR@10 and
no-answer accuracy with the rank of each query, so the page can show the difference from
the previous run and the queries that got worse.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from common.db import migrate
from common.textnorm import fold_punct, normalize

MIGRATIONS = [
    """
    CREATE TABLE golden_queries (
        id INTEGER PRIMARY KEY,
        query TEXT NOT NULL UNIQUE,
        expected TEXT NOT NULL,          -- JSON list of passage texts or phrases; [] = no answer
        document TEXT NOT NULL DEFAULT '',
        created_by TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL
    );
    CREATE TABLE golden_runs (
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        trigger TEXT NOT NULL,
        metrics TEXT NOT NULL,           -- JSON: recall@1, recall@5, mrr@10, no_answer_accuracy, counts
        per_query TEXT NOT NULL          -- JSON: {query: {"rank": int|null, "answered": bool, "ok": bool}}
    );
    """
]
SAME_PASSAGE = 0.7  # share of the expected passage's bigrams a result must hold to be that passage
RUN_K = 10
MAX_QUERY, MAX_ANSWER = 500, 5000
QUERY_HEADERS = ("问题", "查询", "query", "question")
ANSWER_HEADERS = ("答案", "答案段落", "答案片段", "answer", "expected")
NONE_HEADERS = ("无答案", "no_answer", "none")
YES = {"1", "是", "y", "yes", "true", "无答案", "√", "✓"}


class GoldenError(ValueError):
    """A golden query or sheet that cannot be used, with a Chinese message naming where."""


@dataclass
class GoldenQuery:
    id: int
    query: str
    expected: list[str]
    document: str

    @property
    def no_answer(self) -> bool:
        return not self.expected


def init_schema(conn: sqlite3.Connection) -> None:
    migrate(conn, "golden", MIGRATIONS)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold_punct(normalize(text)))


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)}


def matches(result_text: str, expected: list[str]) -> bool:
    """Does a result's text answer as one of the expected passages or phrases does?"""
    key = _key(result_text)
    grams = _bigrams(key)
    for item in expected:
        wanted = _key(item)
        if not wanted:
            continue
        if wanted in key:
            return True
        want = _bigrams(wanted)
        if len(want) >= 8 and len(want & grams) >= SAME_PASSAGE * len(want):
            return True
    return False


def add(
    conn: sqlite3.Connection, query: str, expected: list[str], document: str = "", created_by: str = ""
) -> GoldenQuery:
    """Add a golden query, or add expected passages to an existing one (``[]``: no answer)."""
    init_schema(conn)
    query = " ".join(query.split())
    if not query:
        raise GoldenError("测试问题不能为空")
    if len(query) > MAX_QUERY:
        raise GoldenError(f"测试问题最多 {MAX_QUERY} 字")
    expected = [e.strip() for e in expected if e and e.strip()]
    row = conn.execute("SELECT * FROM golden_queries WHERE query = ?", (query,)).fetchone()
    with conn:
        if row is None:
            conn.execute(
                "INSERT INTO golden_queries(query, expected, document, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (query, json.dumps(expected, ensure_ascii=False), document, created_by, time.time()),
            )
        else:
            old = json.loads(row["expected"])
            merged = list(dict.fromkeys([*old, *expected])) if expected else []
            conn.execute(
                "UPDATE golden_queries SET expected = ?, document = ? WHERE id = ?",
                (json.dumps(merged, ensure_ascii=False), document or row["document"], row["id"]),
            )
    return next(q for q in list_queries(conn) if q.query == query)


def remove(conn: sqlite3.Connection, query_id: int) -> None:
    init_schema(conn)
    with conn:
        conn.execute("DELETE FROM golden_queries WHERE id = ?", (query_id,))


def list_queries(conn: sqlite3.Connection) -> list[GoldenQuery]:
    init_schema(conn)
    return [
        GoldenQuery(r["id"], r["query"], json.loads(r["expected"]), r["document"])
        for r in conn.execute("SELECT * FROM golden_queries ORDER BY id")
    ]


def read_sheet(name: str, data: bytes) -> list[tuple[str, list[str]]]:
    """(query, expected) rows of a CSV or XLSX sheet; a bad row names its line and column."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GoldenError(f"{name}：不是 UTF-8 编码的 CSV（第 {exc.start} 字节）") from exc
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:  # a NUL byte, an unterminated quote at the end
            raise GoldenError(f"{name}：CSV 格式有误（{exc}）") from exc
    elif suffix == ".xlsx":
        from openpyxl import load_workbook  # heavy: only for sheets

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises many kinds for a corrupt file
            raise GoldenError(f"{name}：无法读取这个 xlsx 文件（{type(exc).__name__}）") from exc
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        raise GoldenError(f"{name}：只支持 .csv 或 .xlsx 表格")
    if not rows:
        raise GoldenError(f"{name}：表格是空的")
    header = [h.strip().lower() for h in rows[0]]

    def column(names: tuple[str, ...]) -> int | None:
        return next((i for i, h in enumerate(header) if h in names), None)

    q_col, a_col, n_col = column(QUERY_HEADERS), column(ANSWER_HEADERS), column(NONE_HEADERS)
    if q_col is None:
        raise GoldenError(f"{name} 第 1 行：找不到“问题”列（表头应有 问题、答案，可选 无答案）")
    out = []
    for line, row in enumerate(rows[1:], start=2):
        query, answer, none = _cell(row, q_col), _cell(row, a_col), _cell(row, n_col).lower()
        if not query and not answer:
            continue
        if not query:
            raise GoldenError(f"{name} 第 {line} 行：“问题”列为空")
        if not answer and none not in YES:
            raise GoldenError(f"{name} 第 {line} 行：“答案”列为空；没有答案的问题请在“无答案”列填“是”")
        if len(query) > MAX_QUERY or len(answer) > MAX_ANSWER:
            raise GoldenError(f"{name} 第 {line} 行：问题最多 {MAX_QUERY} 字，答案最多 {MAX_ANSWER} 字")
        expected = [] if none in YES else [a for a in re.split(r"\n|\|\|", answer) if a.strip()]
        out.append((query, expected))
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Settings that change what search returns or how confidence judges it: a change of any of
# them (seen when the server starts) runs the golden set again.
SEARCH_SETTINGS = (
    "embedder", "sentence_vectors", "chunk_target_chars", "chunk_max_chars", "chunk_overlap_sentences",
    "fusion", "ranker_model", "query_adapter", "rerank_depth", "candidates", "rrf_k", "dense_weight",
    "bm25_weight", "bm25_k1", "bm25_b", "answer_threshold", "confidence_model", "max_query_chars",
)  # fmt: skip


def settings_fingerprint(settings) -> str:
    """A short hash of the search settings in force."""
    values = {name: getattr(settings, name, None) for name in SEARCH_SETTINGS}
    return hashlib.sha1(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _cell(row: list[str], column: int | None) -> str:
    """A cell's text, trimmed, control characters (NUL, escape sequences) removed."""
    return _CONTROL.sub("", row[column]).strip() if column is not None and column < len(row) else ""


def run(searcher, queries: list[GoldenQuery], progress=None) -> dict:
    """Search every golden query; metrics and each query's rank. ``searcher(query, k)`` -> response."""
    per_query: dict[str, dict] = {}
    r1 = r5 = mrr = 0.0
    answerable = [q for q in queries if not q.no_answer]
    unanswerable = [q for q in queries if q.no_answer]
    na_right = 0
    for i, q in enumerate(queries, 1):
        response = searcher(q.query, RUN_K)
        rank = None
        if not q.no_answer:
            rank = next((n for n, r in enumerate(response.results, 1) if matches(r.text, q.expected)), None)
            r1 += rank == 1
            r5 += rank is not None and rank <= 5
            mrr += 1 / rank if rank else 0.0
            ok = rank is not None and rank <= 5
        else:
            ok = not response.answered
            na_right += ok
        per_query[q.query] = {"rank": rank, "answered": response.answered, "ok": ok, "no_answer": q.no_answer}
        if progress:
            progress(i, len(queries), q.query)
    n = len(answerable)
    metrics = {
        "queries": len(queries),
        "answerable": n,
        "unanswerable": len(unanswerable),
        "recall@1": r1 / n if n else None,
        "recall@5": r5 / n if n else None,
        "mrr@10": mrr / n if n else None,
        "no_answer_accuracy": na_right / len(unanswerable) if unanswerable else None,
    }
    return {"metrics": metrics, "per_query": per_query}


def store_run(conn: sqlite3.Connection, trigger: str, outcome: dict) -> int:
    init_schema(conn)
    with conn:
        cursor = conn.execute(
            "INSERT INTO golden_runs(ts, trigger, metrics, per_query) VALUES (?, ?, ?, ?)",
            (
                time.time(),
                trigger,
                json.dumps(outcome["metrics"], ensure_ascii=False),
                json.dumps(outcome["per_query"], ensure_ascii=False),
            ),
        )
    return int(cursor.lastrowid)


def runs(conn: sqlite3.Connection, limit: int = 20) -> list[dict]:
    """The latest runs, newest first, each with its change from the run before it."""
    init_schema(conn)
    rows = conn.execute("SELECT * FROM golden_runs ORDER BY id DESC LIMIT ?", (limit + 1,)).fetchall()
    out = []
    for i, row in enumerate(rows[:limit]):
        run_ = {
            "id": row["id"],
            "ts": row["ts"],
            "trigger": row["trigger"],
            "metrics": json.loads(row["metrics"]),
            "per_query": json.loads(row["per_query"]),
        }
        previous = rows[i + 1] if i + 1 < len(rows) else None
        run_.update(compare(run_, previous))
        out.append(run_)
    return out


def compare(current: dict, previous: sqlite3.Row | None) -> dict:
    """Metric differences and the queries that got worse since ``previous``."""
    if previous is None:
        return {"delta": {}, "worse": [], "better": []}
    before_metrics = json.loads(previous["metrics"])
    before = json.loads(previous["per_query"])
    delta = {
        name: current["metrics"][name] - before_metrics[name]
        for name in ("recall@1", "recall@5", "mrr@10", "no_answer_accuracy")
        if current["metrics"].get(name) is not None and before_metrics.get(name) is not None
    }
    worse, better = [], []
    for query, now in current["per_query"].items():
        then = before.get(query)
        if then is None:
            continue
        change = _standing(now) - _standing(then)
        entry = {"query": query, "before": then, "now": now}
        if change < 0:
            worse.append(entry)
        elif change > 0:
            better.append(entry)
    return {"delta": delta, "worse": worse, "better": better}


def _standing(outcome: dict) -> float:
    """Higher is better: reciprocal rank for answerable queries, 1/0 for no-answer ones."""
    if outcome.get("no_answer"):
        return 1.0 if outcome["ok"] else 0.0
    return 1 / outcome["rank"] if outcome.get("rank") else 0.0
