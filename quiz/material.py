"""What the quiz reads from a knowledge base: passages, the agents' search, vectors, one connection.

``quiz/`` never reads ``kb``'s tables: it asks for :class:`kb.models.Passage` objects and
search results through this small interface, and keeps its fact cache in the same
database. The knowledge base is the one implementation; tests may pass their own.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kb.models import Passage
from quiz.fact_cache import cached_facts
from quiz.facts import Fact, StageReport
from quiz.stems import mark_loose_headings
from quiz.vocabulary import settle_facts


class QuizMaterial(Protocol):
    """The knowledge-base side of quiz generation (``kb.knowledge_base.KnowledgeBase`` implements it)."""

    conn: sqlite3.Connection

    def passages(self, documents: list[str] | None = None) -> list[Passage]: ...

    def search(self, query: str, k: int = 5, documents=None): ...

    def embedding_cache(self):
        """An object whose ``embed_passages(texts)`` gives unit vectors (cached)."""


@dataclass
class FactSet:
    """The facts of a scope after every stage, with the counts of what each stage rejected."""

    facts: list[Fact]
    report: StageReport
    passages: int  # passages in scope (the documents asked for, else the whole KB)
    extracted: int  # passages extracted now (the rest came from the cache)


def collect_facts(material: QuizMaterial, documents: Sequence[str] | None = None) -> FactSet:
    """The facts of the whole KB (or of ``documents``), from the cache where the chunk is unchanged.

    Facts are settled over the whole KB (role and document vocabularies, duplicates)
    before ``documents`` narrows them: a role is known from any manual.
    """
    passages = material.passages()
    facts, report, extracted = cached_facts(material.conn, passages)
    labels = document_labels(passages)
    for fact in facts:
        fact.title = labels.get(fact.document, fact.title)
    facts = settle_facts(facts, report)
    mark_loose_headings(facts, passages)
    in_scope = len(passages)
    if documents:
        names = {p.document for p in passages if p.document in documents or p.title in documents}
        facts = [f for f in facts if f.document in names]
        in_scope = sum(p.document in names for p in passages)
    return FactSet(facts, report, in_scope, extracted)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_TITLE_CUT = re.compile(r"[\s(（,，。:：;；、]")
TITLE_CHARS = 16  # a label taken from a first heading is cut to this length
LABEL_MIN_CJK = 4  # the first line with this many Chinese characters names an untitled document


def document_labels(passages: list[Passage]) -> dict[str, str]:
    """document -> how a stem names it: its title, or its first heading when the title is a file id."""
    labels: dict[str, str] = {}
    for passage in passages:
        if passage.document in labels:
            continue
        title = passage.title or passage.document
        if _CJK.search(title):
            labels[passage.document] = title
            continue
        lines = [*passage.headings, *passage.text.splitlines()]
        first = next((line for line in lines if len(_CJK.findall(line)) >= LABEL_MIN_CJK), "")
        first = re.sub(r"^[\d一二三四五六七八九十]+[.、]", "", first.strip()).strip()
        first = re.sub(
            r"(.{4,}?)\1+", r"\1", _TITLE_CUT.split(first, maxsplit=1)[0]
        )  # "职责职责": glued title lines
        labels[passage.document] = first[:TITLE_CHARS] or title
    return labels


def embed(material: QuizMaterial, texts: list[str]):
    """Unit vectors of ``texts`` from the KB's embedding cache (embedded once, then read)."""
    return material.embedding_cache().embed_passages(texts)
