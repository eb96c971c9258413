"""What the index reads chunks through: a small protocol, so index/ never knows kb/'s tables.

The knowledge base (``kb.chunk_store.ChunkStore`` over SQLite) implements it and hands it to
:func:`index.build.build_snapshot` and :class:`index.search.Searcher`. A row is a mapping with
the chunk's columns; the keys each method promises are listed on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

ChunkRow = Mapping[str, Any]


class ChunkSource(Protocol):
    """The chunks an index is built from and the rows a search shows."""

    def index_rows(self) -> Sequence[ChunkRow]:
        """Every chunk a snapshot should cover (a pending version replaces the live one).

        Keys: ``id``, ``doc_id``, ``kind``, ``text``, ``question``, ``answer``, ``similar``
        (a JSON list), ``norm_text``, ``tokens`` (space-joined search tokens).
        """
        ...

    def fetch_chunks(self, ids: list[int]) -> dict[int, ChunkRow]:
        """Rows of the chunks with these ids, by id, for showing results.

        Keys: those of :meth:`index_rows` plus ``headings`` and ``tags`` (JSON lists),
        ``doc_name``, ``doc_title`` and ``doc_tags`` (a JSON list).
        """
        ...

    def chunk_ids_matching(self, documents: list[str] | None, tags: list[str] | None) -> set[int]:
        """Ids of the chunks in the named documents (name or title) carrying one of the tags."""
        ...
