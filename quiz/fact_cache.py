"""Facts cached per chunk version in the knowledge base's SQLite.

A passage's facts are keyed by a hash of everything extraction reads (document,
headings, kind, text, question, answer) and by the extractor's version: an unchanged
chunk, even in a re-ingested document, is never extracted twice, and a changed chunk
or a changed rules file is extracted again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3

from common.db import migrate
from kb.models import Passage
from quiz.extract import extract_passage
from quiz.facts import Fact, StageReport, extractor_version

MIGRATIONS = [
    """
    CREATE TABLE quiz_fact_cache (
        passage_hash TEXT NOT NULL,
        extractor TEXT NOT NULL,
        facts TEXT NOT NULL,
        report TEXT NOT NULL,
        PRIMARY KEY (passage_hash, extractor)
    );
    """,
]


def passage_hash(passage: Passage) -> str:
    """What extraction depends on, hashed (the chunk id is not: ids change when a document is re-ingested)."""
    raw = json.dumps(
        [
            passage.document,
            passage.title,
            list(passage.headings),
            passage.kind,
            passage.text,
            passage.question,
            passage.answer,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def cached_facts(conn: sqlite3.Connection, passages: list[Passage]) -> tuple[list[Fact], StageReport, int]:
    """The facts of ``passages``, the stage report, and how many passages were extracted now.

    Passages already cached (same content, same extractor) are read, the others
    extracted and stored.
    """
    migrate(conn, "quiz_facts", MIGRATIONS)
    version = extractor_version()
    hashes = [passage_hash(p) for p in passages]
    known: dict[str, tuple[str, str]] = {}
    unique = sorted(set(hashes))
    for i in range(0, len(unique), 500):
        batch = unique[i : i + 500]
        rows = conn.execute(
            f"SELECT passage_hash, facts, report FROM quiz_fact_cache WHERE extractor = ?"
            f" AND passage_hash IN ({','.join('?' * len(batch))})",
            [version, *batch],
        ).fetchall()
        known.update({r["passage_hash"]: (r["facts"], r["report"]) for r in rows})
    facts: list[Fact] = []
    report = StageReport()
    fresh: list[tuple[str, str, str, str]] = []
    extracted = 0
    for passage, digest in zip(passages, hashes, strict=True):
        if digest in known:
            found = [Fact.from_dict(d) for d in json.loads(known[digest][0])]
            part = StageReport.from_dict(json.loads(known[digest][1]))
            for fact in found:
                fact.chunk_id = passage.chunk_id  # the same text under this version's chunk id
        else:
            found, part = extract_passage(passage)
            extracted += 1
            encoded = (
                json.dumps([f.as_dict() for f in found], ensure_ascii=False),
                json.dumps(part.as_dict(), ensure_ascii=False),
            )
            known[digest] = encoded
            fresh.append((digest, version, *encoded))
        facts.extend(found)
        report.merge(part)
    if fresh:
        try:
            with conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO quiz_fact_cache(passage_hash, extractor, facts, report)"
                    " VALUES (?, ?, ?, ?)",
                    fresh,
                )
        except sqlite3.OperationalError:
            pass  # a read-only or busy database: the facts are still returned, cached next time
    return facts, report, extracted
