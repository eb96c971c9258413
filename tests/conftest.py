"""Shared fixtures: knowledge bases ingested once per test session and reused.

Embedding is the slow part (about ten passages a second), so every test that
only reads shares one ingested home; tests that write build their own tiny one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.settings import load_settings
from kb.knowledge_base import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KB = ROOT / "sample_data" / "kb"
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session", autouse=True)
def shared_embedding_cache(tmp_path_factory):
    """Every data home of the session shares one embedding cache: each text is embedded once."""
    path = tmp_path_factory.mktemp("embed-cache") / "embeddings.sqlite3"
    previous = os.environ.get("KEFU_EMBEDDING_CACHE")
    os.environ["KEFU_EMBEDDING_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("KEFU_EMBEDDING_CACHE", None)
    else:
        os.environ["KEFU_EMBEDDING_CACHE"] = previous


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory) -> Path:
    """A data home with the bundled sample knowledge base ingested (read-only for tests)."""
    home = tmp_path_factory.mktemp("sample-home")
    report = KnowledgeBase(load_settings(home)).ingest([SAMPLE_KB])
    assert not report.errors, [f.error for f in report.errors]
    return home


@pytest.fixture(scope="session")
def sample_kb(sample_home) -> KnowledgeBase:
    return KnowledgeBase(load_settings(sample_home))


@pytest.fixture(scope="session")
def corpus_kb(tmp_path_factory) -> KnowledgeBase:
    """The five real scraped manuals of ../shared/corpus, ingested once."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    home = tmp_path_factory.mktemp("corpus-home")
    kb = KnowledgeBase(load_settings(home))
    report = kb.ingest([CORPUS])
    assert not report.errors
    return kb


@pytest.fixture
def tiny_home(tmp_path) -> Path:
    """An empty data home for tests that write."""
    return tmp_path / "home"
