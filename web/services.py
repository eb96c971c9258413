"""The core objects one web process shares across its threads, created on first use.

Searching is read-mostly and must stay fast while an admin uploads a manual,
so the knowledge base is held as two :class:`KnowledgeBase` objects sharing
one embedder: a *reader* that every request thread uses (search, feedback,
listings; its only writes are single-row inserts) and a *writer* used by one
thread at a time (ingest, remove, reindex) on its own SQLite connection.
WAL lets the reader keep answering from the live snapshot during an ingest,
and a long ingest transaction is never committed half-way by a search that
happened to log its query on the same connection.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path


class KnowledgeBaseService:
    """Lazily built reader/writer pair over one data home."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self._reader = None
        self._writer = None
        self._build_lock = threading.Lock()
        self.write_lock = threading.Lock()

    @property
    def reader(self):
        """The shared knowledge base for searches and listings."""
        if self._reader is None:
            with self._build_lock:
                if self._reader is None:
                    self._reader = self._new_reader()
        return self._reader

    def _new_reader(self, embedder=None):
        """A knowledge base whose connection request threads may share.

        Its only writes are one-row inserts (query log, feedback), each wrapped
        in ``with conn:``. In Python's default transaction mode two threads doing
        that at once fail ("cannot commit - no transaction is active": one
        thread's commit ends the other's implicit transaction). In autocommit
        mode every insert is its own transaction and the commit is a no-op, so
        searches run concurrently without a lock.
        """
        from kb.knowledge_base import KnowledgeBase

        reader = KnowledgeBase(self.settings, embedder=embedder)
        reader.conn.isolation_level = None
        return reader

    def search(self, query: str, log: bool = False, **options):
        """``KnowledgeBase.search`` from any request thread (see :meth:`_new_reader` for why it is safe)."""
        return self.reader.search(query, log=log, **options)

    def add_feedback(self, query: str, chunk_id: int | None, vote: int, comment: str = "") -> None:
        self.reader.add_feedback(query, chunk_id, vote, comment)

    def _writer_kb(self):
        if self._writer is None:
            from kb.knowledge_base import KnowledgeBase

            self._writer = KnowledgeBase(self.settings, embedder=self.reader.embedder)
        return self._writer

    @contextmanager
    def _one_writer(self):
        """This process's writers one at a time; a request waits at most ``db_busy_seconds`` in all.

        The wait for this server's other writers and the one for the write lock file
        (a CLI ingest) share one deadline: a request never hangs behind a long ingest.
        """
        from kb.knowledge_base import KnowledgeBaseBusy

        deadline = time.monotonic() + max(0.0, self.settings.db_busy_seconds)
        if not self.write_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise KnowledgeBaseBusy("another upload, removal or reindex of this server is still running")
        try:
            writer = self._writer_kb()
            writer.writer_wait = max(0.0, deadline - time.monotonic())
            yield writer
        finally:
            self.write_lock.release()

    def ingest(self, paths: list[Path], tags: list[str] | None = None):
        """Ingest files (one writer at a time); returns the core's IngestReport."""
        with self._one_writer() as writer:
            return writer.ingest(paths, tags=tags or [])

    def remove(self, name_or_id: str):
        with self._one_writer() as writer:
            return writer.remove(name_or_id)

    def reindex(self) -> dict:
        """Rebuild after a dictionary or synonyms edit; the reader picks up the new tokenizer."""
        with self._one_writer() as writer:
            summary = writer.reindex()
            # Queries must be tokenised with the same dictionary as the new snapshot.
            self._reader = self._new_reader(embedder=self.reader.embedder)
            return summary

    def generate_quiz(self, **options):
        """Generate and store a draft quiz (``quiz.generate_quiz``) with the writer connection."""
        from quiz import generate_quiz

        with self._one_writer() as writer:
            return generate_quiz(writer, **options)

    def is_empty(self) -> bool:
        return not self.reader.documents()


def get_service(extensions: dict, settings) -> KnowledgeBaseService:
    """The app's one service (``app.extensions['kefu_kb']``)."""
    service = extensions.get("kefu_kb")
    if service is None:
        service = extensions.setdefault("kefu_kb", KnowledgeBaseService(settings))
    return service
