"""Quiz fixtures: one sample knowledge base and one generated question set per session.

Embedding is the slow step, so the KB is ingested once (from sample_data/kb)
and the generator's term vectors are cached in that home for later calls.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from common.db import connect
from common.settings import load_settings
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_KB = ROOT / "sample_data" / "kb"
# The manual, the FAQ and one PDF cover every question type; embedding the rest
# of sample_data/kb would only slow the session down.
SAMPLE_FILES = ("售后服务手册.md", "常见问题.csv", "会员权益.pdf")


@pytest.fixture(scope="session")
def quiz_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("quiz-home")
    report = KnowledgeBase(load_settings(home)).ingest([SAMPLE_KB / name for name in SAMPLE_FILES])
    assert not report.errors, [f.error for f in report.errors]
    return home


@pytest.fixture(scope="session")
def kb(quiz_home) -> KnowledgeBase:
    return KnowledgeBase(load_settings(quiz_home))


@pytest.fixture(scope="session")
def generated(kb):
    """12 questions on 退换货 with seed 1 (all four types)."""
    from quiz.generate import build_questions

    questions, notes = build_questions(kb, topic="退换货", n=12, seed=1)
    return questions


@pytest.fixture()
def conn(tmp_path):
    """An empty database for store tests."""
    connection = connect(tmp_path / "quiz.sqlite3")
    yield connection
    connection.close()
