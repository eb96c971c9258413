"""The knowledge base's chunks as the index's :class:`index.source.ChunkSource`."""

from __future__ import annotations

import sqlite3

from index.source import ChunkRow
from kb import store


class ChunkStore:
    """Chunks read from the data home's SQLite tables (see kb/store.py) for the index."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """``conn``: a connection, or ``common.db.ThreadConnections`` for a server's threads."""
        self.conn = conn

    def index_rows(self) -> list[ChunkRow]:
        """The rows a snapshot is built from: pending versions replace live ones."""
        return store.index_rows(self.conn)

    def fetch_chunks(self, ids: list[int]) -> dict[int, ChunkRow]:
        """Chunk rows with their document's name, title and tags, by id."""
        return store.fetch_chunks(self.conn, ids)

    def chunk_ids_matching(self, documents: list[str] | None, tags: list[str] | None) -> set[int]:
        """Ids of chunks in the named documents (name or title) carrying one of the tags."""
        return store.chunk_ids_matching(self.conn, documents, tags)
