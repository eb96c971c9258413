"""The knowledge base as one object: ingest, remove, reindex, search, list.

This is the core API that the CLI and the web app call; it holds the SQLite
connection, the embedder (loaded on first use), the tokenizer and the
searcher. Writers take a lock file so two ingests never interleave.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from common.db import connect
from common.textnorm import normalize
from kb import store
from kb.chunk import chunk_blocks
from kb.clean import Fingerprints, clean_blocks
from kb.loaders import SUPPORTED_SUFFIXES, load_file
from kb.models import IngestError


@dataclass
class FileResult:
    """What happened to one input file."""

    path: str
    name: str
    status: str  # added | updated | unchanged | error
    version: int = 0
    chunks: int = 0
    dropped: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str = ""


@dataclass
class IngestReport:
    """Per-file results of one ingest plus the index update summary."""

    files: list[FileResult]
    index: dict = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def errors(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "error"]

    def as_json(self) -> dict:
        return {
            "files": [asdict(f) for f in self.files],
            "index": self.index,
            "seconds": round(self.seconds, 2),
        }


def collect_files(paths: list) -> tuple[list[tuple[Path, str]], list[FileResult]]:
    """Expand folders recursively into ``(file, document name)`` pairs.

    A file's name is its path relative to the folder it was found under, or its
    file name when given directly; an item may also be a ``(file, name)`` pair
    (uploads stored under a generated path keep the name the user knows).
    Missing paths and unsupported files in a folder are reported, not skipped
    silently.
    """
    found: list[tuple[Path, str]] = []
    problems: list[FileResult] = []
    for raw in paths:
        if isinstance(raw, tuple):
            path, name = Path(raw[0]), str(raw[1])
            if path.is_file():
                found.append((path, name))
            else:
                problems.append(FileResult(str(path), name, "error", error=f"{name}: no such file"))
            continue
        path = Path(raw)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = file.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                    problems.append(
                        FileResult(
                            str(file),
                            rel.as_posix(),
                            "error",
                            error=f"{file}: unsupported file type, skipped",
                        )
                    )
                    continue
                found.append((file, rel.as_posix()))
        elif path.is_file():
            found.append((path, path.name))
        else:
            problems.append(
                FileResult(str(path), path.name, "error", error=f"{path}: no such file or folder")
            )
    return found, problems


class KnowledgeBase:
    """Documents, chunks and the search index under one data home."""

    def __init__(self, settings, embedder=None) -> None:
        self.settings = settings
        self.home = settings.home_path
        self.conn = connect(settings.db_path)
        store.init_schema(self.conn)
        self.user_dict_path = Path(settings.user_dict) if settings.user_dict else self.home / "user_dict.txt"
        self.synonyms_path = Path(settings.synonyms) if settings.synonyms else self.home / "synonyms.txt"
        from index.tokenize import ensure_default_files

        ensure_default_files(self.user_dict_path, self.synonyms_path)
        self._embedder = embedder
        self._tokenizer = None
        self._searcher = None
        self._cache = None
        # Request threads share this object; one-row writes (query log, feedback) take turns.
        self._log_lock = threading.Lock()

    # -- parts, loaded on first use ------------------------------------------
    @property
    def embedder(self):
        if self._embedder is None:
            from index.embedder import load_embedder

            self._embedder = load_embedder(self.settings.embedder)
        return self._embedder

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from index.tokenize import Tokenizer

            self._tokenizer = Tokenizer(self.user_dict_path, self.synonyms_path)
        return self._tokenizer

    @property
    def searcher(self):
        if self._searcher is None:
            from index.search import Searcher

            self._searcher = Searcher(
                self.conn, self.home / "index", self.settings, self.embedder, self.tokenizer
            )
        return self._searcher

    def embedding_cache(self):
        """The passage-embedding cache: the home database, or a shared file (setting)."""
        from index.embed_cache import EmbeddingCache

        if self._cache is None:
            conn = connect(self.settings.embedding_cache) if self.settings.embedding_cache else self.conn
            self._cache = EmbeddingCache(conn, self.embedder, self.settings.embed_batch_size)
        return self._cache

    @contextmanager
    def _writer(self):
        """Serialise writers (CLI and web) with an exclusive lock file."""
        with open(self.home / "write.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._recover()
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _recover(self) -> None:
        """Finish or undo an ingest that crashed between its steps."""
        from index import snapshot

        folder = snapshot.current_folder(self.home / "index")
        published: set[int] = set()
        if folder is not None:
            import numpy as np

            published = set(np.load(folder / "ids.npy", allow_pickle=False).tolist())
        pending = self.conn.execute(
            "SELECT doc_id, version, group_concat(id) AS ids, count(*) AS n FROM chunks"
            " WHERE state = 'pending' GROUP BY doc_id, version"
        ).fetchall()
        with self.conn:
            for row in pending:
                ids = {int(i) for i in row["ids"].split(",")}
                if ids <= published:  # the snapshot already serves them: finish the promotion
                    self.conn.execute(
                        "DELETE FROM chunks WHERE doc_id = ? AND state = 'live'", (row["doc_id"],)
                    )
                    self.conn.execute(
                        "UPDATE chunks SET state = 'live' WHERE doc_id = ? AND version = ?",
                        (row["doc_id"], row["version"]),
                    )
                    self.conn.execute(
                        "UPDATE documents SET version = ?, chunk_count = ?, content_hash = '' WHERE id = ?",
                        (row["version"], row["n"], row["doc_id"]),
                    )
            # A removal that crashed before publishing did not happen.
            self.conn.execute("UPDATE chunks SET state = 'live' WHERE state = 'removing'")
        store.discard_pending(self.conn)

    # -- writing ------------------------------------------------------------
    def ingest(
        self, paths: list[str | Path], tags: list[str] | None = None, progress: bool = False
    ) -> IngestReport:
        """Add new documents and replace changed ones; unchanged files are skipped.

        A bad file is reported and the rest of the batch is ingested.
        """
        started = time.time()
        files, results = collect_files(paths)
        with self._writer():
            staged = False
            for path, name in files:
                result = self._stage_file(path, name, tags or [])
                results.append(result)
                staged = staged or result.status in ("added", "updated")
            report = IngestReport(results)
            if staged:
                report.index = self._publish(progress=progress)
                store.promote(self.conn)
        report.seconds = time.time() - started
        return report

    def _stage_file(self, path: Path, name: str, tags: list[str]) -> FileResult:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return FileResult(str(path), name, "error", error=f"{path}: cannot read ({exc.strerror})")
        digest = hashlib.sha1(data).hexdigest()
        existing = store.get_document(self.conn, name)
        if existing and existing.content_hash == digest and existing.version > 0:
            return FileResult(str(path), name, "unchanged", existing.version, existing.chunk_count)
        try:
            loaded = load_file(path, self.settings.max_file_mb * 1024 * 1024)
        except IngestError as exc:
            return FileResult(str(path), name, "error", error=str(exc))
        memory = Fingerprints(self.settings.near_duplicate_jaccard)
        for kind, norm in store.other_marks(self.conn, existing.id if existing else None):
            if kind == "p":
                memory.seen_paragraph(norm)
            else:
                memory.sentences.add(norm)
        memory.new_marks.clear()
        blocks, report = clean_blocks(loaded.blocks, memory)
        marks = memory.new_marks
        chunks = chunk_blocks(
            blocks,
            self.settings.chunk_target_chars,
            self.settings.chunk_max_chars,
            self.settings.chunk_overlap_sentences,
        )
        for chunk in chunks:
            chunk.tags = list(dict.fromkeys([*chunk.tags, *tags]))
        if not chunks:
            return FileResult(
                str(path),
                name,
                "error",
                error=f"{path}: nothing left after cleaning ({report.total_dropped} blocks dropped)",
            )
        rows = []
        for chunk in chunks:
            norm = normalize(chunk.index_text())
            rows.append((chunk, norm, " ".join(self.tokenizer.tokens(norm))))
        report_json = {
            "kept": report.kept,
            "dropped": report.dropped,
            "examples": report.examples,
            "encoding": loaded.encoding,
        }
        doc_id, version = store.stage_version(
            self.conn,
            name,
            str(path),
            loaded.title,
            digest,
            loaded.encoding,
            report_json,
            loaded.warnings,
            rows,
            marks,
        )
        if tags:
            with self.conn:
                self.conn.execute(
                    "UPDATE documents SET tags = ? WHERE id = ?",
                    (json.dumps(tags, ensure_ascii=False), doc_id),
                )
        return FileResult(
            str(path),
            name,
            "updated" if existing and existing.version else "added",
            version,
            len(chunks),
            report.dropped,
            loaded.warnings,
        )

    def _publish(self, full: bool = False, progress: bool = False) -> dict:
        from index.build import build_snapshot

        cache = self.embedding_cache()
        bar = None
        if progress:
            from tqdm import tqdm

            missing = cache.count_missing([r["norm_text"] for r in store.index_rows(self.conn)])
            if missing:
                bar = tqdm(total=missing, desc="embedding", unit="chunk")
        try:
            return build_snapshot(
                self.conn,
                self.home / "index",
                cache,
                self.settings,
                self.tokenizer.dictionary_hash,
                full=full,
                progress=bar.update if bar else None,
            )
        finally:
            if bar:
                bar.close()

    def remove(self, name_or_id: str) -> store.DocumentInfo:
        """Delete a document and its chunks; the index drops them without a rebuild."""
        with self._writer():
            doc = store.get_document(self.conn, name_or_id)
            if doc is None:
                raise KeyError(f"no document named {name_or_id!r} (see `python app.py docs`)")
            # The snapshot stops serving the document first; then its rows go.
            with self.conn:
                self.conn.execute("UPDATE chunks SET state = 'removing' WHERE doc_id = ?", (doc.id,))
            self._publish()
            store.delete_document(self.conn, doc.id)
            return doc

    def reindex(self, progress: bool = False) -> dict:
        """Re-tokenise every chunk (dictionary or synonyms changed) and rebuild the snapshot.

        Vectors come from the embedding cache; only text never embedded by the
        current model reaches it.
        """
        with self._writer():
            self._tokenizer = None
            rows = self.conn.execute("SELECT id, norm_text FROM chunks").fetchall()
            with self.conn:
                self.conn.executemany(
                    "UPDATE chunks SET tokens = ? WHERE id = ?",
                    [(" ".join(self.tokenizer.tokens(r["norm_text"])), r["id"]) for r in rows],
                )
            summary = self._publish(full=True, progress=progress)
        if self._searcher is not None:
            self._searcher.tokenizer = self.tokenizer
        return summary

    # -- reading ------------------------------------------------------------
    def search(self, query: str, k: int = 5, documents=None, tags=None, leg: str = "hybrid", log=False):
        """See :meth:`index.search.Searcher.search`; ``log`` records the query for gap review."""
        response = self.searcher.search(query, k=k, documents=documents, tags=tags, leg=leg)
        if log:
            top = response.results[0] if response.results else None
            with self._log_lock, self.conn:
                self.conn.execute(
                    "INSERT INTO query_log(ts, query, answered, top_score, top_chunk) VALUES (?, ?, ?, ?, ?)",
                    (
                        time.time(),
                        query,
                        int(response.answered),
                        response.best_dense,
                        top.chunk_id if top else None,
                    ),
                )
        return response

    def documents(self) -> list[store.DocumentInfo]:
        return store.list_documents(self.conn)

    def document(self, name_or_id) -> store.DocumentInfo | None:
        return store.get_document(self.conn, name_or_id)

    def chunks(self, doc_id: int) -> list:
        return store.document_chunks(self.conn, doc_id)

    def all_chunks(self, documents: list[str] | None = None) -> list:
        """Live chunks with document names (quiz generation reads the KB through this)."""
        rows = self.conn.execute(
            "SELECT c.*, d.name AS doc_name, d.title AS doc_title FROM chunks c"
            " JOIN documents d ON d.id = c.doc_id WHERE c.state = 'live' ORDER BY d.name, c.ord"
        ).fetchall()
        if documents:
            rows = [r for r in rows if r["doc_name"] in documents or r["doc_title"] in documents]
        return rows

    def add_feedback(self, query: str, chunk_id: int | None, vote: int, comment: str = "") -> None:
        """Store an agent's 👍 (+1) or 👎 (-1) on a result."""
        if vote not in (1, -1):
            raise ValueError("vote must be 1 or -1")
        with self._log_lock, self.conn:
            self.conn.execute(
                "INSERT INTO feedback(ts, query, chunk_id, vote, comment) VALUES (?, ?, ?, ?, ?)",
                (time.time(), query, chunk_id, vote, comment),
            )

    def gaps(self, limit: int = 50) -> dict:
        """Recent unanswered queries and 👎 feedback: where the manuals fall short."""
        unanswered = self.conn.execute(
            "SELECT query, count(*) AS times, max(ts) AS last, max(top_score) AS best FROM query_log"
            " WHERE answered = 0 GROUP BY query ORDER BY last DESC LIMIT ?",
            (limit,),
        ).fetchall()
        downvotes = self.conn.execute(
            "SELECT f.*, c.text AS chunk_text FROM feedback f LEFT JOIN chunks c ON c.id = f.chunk_id"
            " WHERE f.vote < 0 ORDER BY f.ts DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return {"unanswered": [dict(r) for r in unanswered], "downvoted": [dict(r) for r in downvotes]}
