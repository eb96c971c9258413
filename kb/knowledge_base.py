"""The knowledge base as one object: ingest, remove, reindex, search, list.

``service.playbook.Playbook`` builds it for the CLI and the web app. It holds the SQLite
connection, the embedder (loaded on first use), the tokenizer and the searcher, and hands
the index its chunks through ``kb.chunk_store.ChunkStore``. Writers take a lock file
(kb/write_lock.py) so two ingests never interleave.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from common.db import connect, open_database
from common.textnorm import normalize
from index import build, snapshot
from index.confidence import DomainCheck, ensure_admin_examples
from index.embed_cache import EmbeddingCache
from index.embedder import QueryRole, load_embedder
from index.search import Searcher
from index.tokenize import Tokenizer, ensure_default_files
from index.windows import chunk_windows
from kb import curation, recovery, store
from kb.chunk import chunk_blocks, document_title
from kb.chunk_store import ChunkStore
from kb.clean import Fingerprints, clean_blocks, describe_drops
from kb.intake import FileResult, IngestReport, collect_files, file_digest, read_checked
from kb.loaders import load_file
from kb.models import IngestError, Passage
from kb.rules import load_rules
from kb.topic_filter import TopicFilter, drop_off_topic
from kb.write_lock import write_lock


def _embed_counter(progress, total: int):
    """An ``update(n)`` for the snapshot build that tells ``progress`` the running count."""
    done = 0
    progress("embed", 0, total, "")

    def update(n: int) -> None:
        nonlocal done
        done += n
        progress("embed", done, total, "")

    return update


class KnowledgeBase:
    """Documents, chunks and the search index under one data home."""

    def __init__(self, settings, embedder=None, conn=None) -> None:
        """``conn``: the database connection to use (default: a new one); a server passes
        ``common.db.ThreadConnections`` so that its threads never share one."""
        self.settings = settings
        self.home = settings.home_path
        self.conn = conn if conn is not None else open_database(settings)
        self.writer_wait: float | None = None  # None: wait for another writer without a limit
        store.init_schema(self.conn)
        self.chunk_source = ChunkStore(self.conn)  # what the index reads chunks through
        self.user_dict_path = Path(settings.user_dict) if settings.user_dict else self.home / "user_dict.txt"
        self.synonyms_path = Path(settings.synonyms) if settings.synonyms else self.home / "synonyms.txt"
        ensure_default_files(self.user_dict_path, self.synonyms_path)
        self.domain_examples_path = self.home / "domain_examples.txt"
        ensure_admin_examples(self.domain_examples_path)
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
            self._embedder = load_embedder(self.settings.embedder)
        return self._embedder

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            self._tokenizer = self._new_tokenizer()
        return self._tokenizer

    def _new_tokenizer(self):
        return Tokenizer(self.user_dict_path, self.synonyms_path)

    @property
    def searcher(self):
        if self._searcher is None:
            self._searcher = Searcher(
                self.chunk_source,
                self.home / "index",
                self.settings,
                self.embedder,
                self.tokenizer,
                tokenizer_factory=self._new_tokenizer,
                embed_examples=self.embed_questions,
                domain_examples=self.domain_examples_path,
            )
        return self._searcher

    def embed_questions(self, texts: list[str]):
        """Query-role vectors of labelled questions, through the persistent embedding cache.

        Called on a search when the admin's examples changed: when the database is locked by a
        writer elsewhere the vectors are computed without the cache, so the search never waits.
        """
        role = QueryRole(self.embedder)
        normalised = [normalize(t) for t in texts]
        try:
            cache = self.embedding_cache()
            return EmbeddingCache(cache.conn, role, self.settings.embed_batch_size).embed_passages(normalised)
        except sqlite3.OperationalError:
            return role.embed_passages(normalised)

    def embedding_cache(self):
        """The passage-embedding cache: the home database, or a shared file (setting)."""
        if self._cache is None:
            conn = (
                connect(self.settings.embedding_cache, self.settings.db_busy_seconds)
                if self.settings.embedding_cache
                else self.conn
            )
            self._cache = EmbeddingCache(conn, self.embedder, self.settings.embed_batch_size)
        return self._cache

    @contextmanager
    def _writer(self):
        """Serialise writers (CLI and web) with an exclusive lock file.

        Waits for another writer without a limit unless ``writer_wait`` is set (the
        web app sets ``db_busy_seconds``): then ``kb.write_lock.KnowledgeBaseBusy`` after it.
        """
        with write_lock(self.home / "write.lock", self.writer_wait):
            self._recover()
            yield

    def _recover(self) -> None:
        """Finish or undo a write that stopped between its steps (see kb/recovery.py)."""
        recovery.recover(self.conn, self.home / "index")

    # -- writing ------------------------------------------------------------
    def ingest(self, paths: list[str | Path], tags: list[str] | None = None, progress=False) -> IngestReport:
        """Add new documents and replace changed ones; unchanged files are skipped.

        A bad file is reported and the rest of the batch is ingested. ``progress``:
        True for a tqdm bar of the embedding, or ``progress(stage, done, total, item)``
        told of each file staged (``"file"``) and of the texts embedded (``"embed"``).
        """
        started = time.time()
        files, results = collect_files(paths)
        with self._writer():
            report = IngestReport(results)
            before: dict[str, set] = {}  # marks of the changed documents, as they were
            report.files += self._stage_batch(files, tags or [], before=before, progress=progress)
            if any(f.status in ("added", "updated") for f in report.files):
                self._publish_and_promote(report, progress)
            # A new version that no longer holds a paragraph other documents dropped as its
            # duplicate: those documents are processed again so the text is not lost.
            updated = [f.name for f in report.files if f.status == "updated"]
            if any(before[name] - store.document_marks(self.conn, self._doc_id(name)) for name in updated):
                staged = {f.name for f in report.files if f.status in ("added", "updated")}
                self._reprocess_duplicate_droppers(exclude=staged)
        if report.index:
            # The answer-confidence check's example questions, embedded now (once per model,
            # then cached) rather than by the first search of a freshly started server.
            self.embed_questions(DomainCheck(self.embed_questions, self.domain_examples_path).questions())
        report.seconds = time.time() - started
        return report

    def _doc_id(self, name: str) -> int:
        doc = store.get_document(self.conn, name)
        return doc.id if doc else -1

    def _reprocess_duplicate_droppers(self, exclude: set[str]) -> None:
        """Stage again, from their files, the documents that dropped paragraphs as duplicates."""
        others = [
            (Path(d.path), d.name)
            for d in store.list_documents(self.conn)
            if d.name not in exclude
            and any("duplicate" in r or "repeated" in r for r in d.report.get("dropped", {}))
            and Path(d.path).is_file()
        ]
        if others:
            # Owed work is recorded first: if this process dies now, the next ingest of these
            # files processes them again instead of skipping them as unchanged.
            with self.conn:
                self.conn.executemany(
                    "UPDATE documents SET content_hash = '' WHERE name = ?", [(name,) for _, name in others]
                )
            report = IngestReport(self._stage_batch(others, [], force=True))
            if any(f.status in ("added", "updated") for f in report.files):
                self._publish_and_promote(report)

    @property
    def max_file_bytes(self) -> int:
        """``max_file_mb`` in bytes (MB = 1024², as in its messages)."""
        return self.settings.max_file_mb * 1024 * 1024

    def _stage_batch(
        self,
        files: list[tuple[Path, str]],
        tags: list[str],
        force: bool = False,
        before: dict[str, set] | None = None,
        progress=None,
    ) -> list:
        """Stage every file of a batch against one dedup memory.

        The memory holds the marks of every document that is not restaged here
        plus, as the batch goes on, those of the files just staged, so a
        paragraph repeated across two new files is kept once. ``before``, when
        given, receives the current marks of each existing document that gets a
        new version (those of unchanged files are never read).
        """
        digests: list[str | None] = []
        restaged: set[int] = set()
        for path, name in files:
            existing = store.get_document(self.conn, name)
            digests.append(file_digest(path, self.max_file_bytes, known=existing is not None))
            if existing and (force or existing.content_hash != digests[-1]):
                restaged.add(existing.id)
        memory = Fingerprints(self.settings.near_duplicate_jaccard)
        for kind, norm in store.marks_except(self.conn, restaged):
            if kind == "p":
                memory.seen_paragraph(norm)
            else:
                memory.sentences.add(norm)
        results = []
        for i, ((path, name), digest) in enumerate(zip(files, digests, strict=True)):
            if callable(progress):
                progress("file", i, len(files), name)
            results.append(self._stage_file(path, name, tags, memory, force, before, digest))
        return results

    def _publish_and_promote(self, report: IngestReport, progress=False) -> None:
        """Publish a snapshot with the staged versions, then make them live.

        On any error the store is put back in a consistent state (what the live
        snapshot serves is promoted, the rest discarded) before re-raising.
        """
        try:
            report.index = self._publish(progress=progress)
            store.promote(self.conn)
        except BaseException:
            self._recover()
            raise

    def _stage_file(
        self,
        path: Path,
        name: str,
        tags: list[str],
        memory: Fingerprints,
        force: bool = False,
        before: dict[str, set] | None = None,
        batch_digest: str | None = None,
    ) -> FileResult:
        """Stage a new version of one file; what is parsed is exactly what is hashed.

        ``batch_digest`` is the hash the batch decided its dedup memory by (None when
        the batch could not read the file or will refuse it). A stored file with that
        hash is unchanged and not read again; a file whose bytes no longer match it
        changed mid-ingest and is left for the next run.
        """
        existing = store.get_document(self.conn, name)
        if existing and existing.version > 0 and existing.content_hash == batch_digest and not force:
            return FileResult(str(path), name, "unchanged", existing.version, existing.chunk_count)
        max_bytes = self.max_file_bytes
        try:
            data = read_checked(path, max_bytes)
        except OSError as exc:
            error = f"{path}: 无法读取文件 (cannot read: {exc.strerror})"
            return FileResult(str(path), name, "error", error=error)
        except IngestError as exc:
            return FileResult(str(path), name, "error", error=str(exc))
        digest = hashlib.sha1(data).hexdigest()
        if batch_digest is not None and digest != batch_digest:
            kept = "the stored version is kept" if existing and existing.version else "nothing was stored"
            kept_zh = "已保留原来的版本" if existing and existing.version else "没有存入"
            error = (
                f"{path}: 导入时文件被修改，{kept_zh}，请再导入一次"
                f" (changed while being ingested; {kept}, ingest it again)"
            )
            return FileResult(str(path), name, "error", error=error)
        if existing and existing.content_hash == digest and existing.version > 0 and not force:
            return FileResult(str(path), name, "unchanged", existing.version, existing.chunk_count)
        if existing and before is not None:
            # Its marks as they are, read where the new version is decided (not earlier: the
            # file may change between the batch's first look and this read).
            before[name] = store.document_marks(self.conn, existing.id)
        try:
            loaded = load_file(path, max_bytes, data)
        except IngestError as exc:
            return FileResult(str(path), name, "error", error=str(exc))
        memory.new_marks.clear()
        blocks, report = clean_blocks(loaded.blocks, memory, restored=curation.restore_keys(self.conn, name))
        marks = memory.new_marks
        # The title is read before the off-topic stage: a title line says too little to be judged
        # by meaning, and a manual must keep its own name even when its header block is dropped.
        if loaded.title == Path(path).stem:  # the format names no title: take it from the text
            loaded.title = document_title(blocks, loaded.title)
        topic_note = None
        if self.settings.offtopic_filter:
            topic = TopicFilter(
                self.embedding_cache().embed_passages,
                self.settings.offtopic_margin,
                self.settings.offtopic_foreign_margin,
            )
            blocks, topic_note = drop_off_topic(blocks, report, topic)
        chunks = chunk_blocks(
            blocks,
            self.settings.chunk_target_chars,
            self.settings.chunk_max_chars,
            self.settings.chunk_overlap_sentences,
        )
        curation.apply_overrides(self.conn, name, chunks)
        for chunk in chunks:
            chunk.tags = list(dict.fromkeys([*chunk.tags, *tags]))
        if not chunks:
            # Say which stage took what: "nothing left" alone does not tell a duplicate from spam.
            error = (
                f"{path}: 清理后没有剩下任何内容：{describe_drops(report) or '没有可用的文字'}"
                f" (nothing left after cleaning: {report.total_dropped} pieces dropped)"
            )
            return FileResult(str(path), name, "error", error=error, encoding=loaded.encoding)
        warnings = list(loaded.warnings) + ([f"{path}: {topic_note}"] if topic_note else [])
        if report.dropped_share > load_rules()["report"]["warn_dropped_share"]:
            # A document must not shrink to a fraction of itself without anyone being told.
            warnings.append(
                f"{path}: 清理删掉了 {report.dropped_share:.0%} 的文字，请检查：{describe_drops(report)}"
                f" (cleaning dropped {report.dropped_share:.0%} of the text)"
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
            "dropped_share": round(report.dropped_share, 3),
        }
        doc_id, version = store.stage_version(
            self.conn,
            name,
            str(path),
            loaded.title,
            digest,
            loaded.encoding,
            report_json,
            warnings,
            rows,
            marks,
            report.spans,
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
            warnings,
            encoding=loaded.encoding,
        )

    def _publish(self, full: bool = False, progress=False) -> dict:

        folder = snapshot.current_folder(self.home / "index")
        if folder is not None and not full:
            built_with = json.loads((folder / "config.json").read_text(encoding="utf-8")).get(
                "dictionary_hash"
            )
            if built_with and built_with != self.tokenizer.dictionary_hash:
                # The dictionary or synonyms changed since the last build: tokens of
                # every chunk must come from the same dictionary as the queries.
                self._retokenize()
                full = True
        cache = self.embedding_cache()
        bar = update = None
        if progress:
            from tqdm import tqdm

            texts = [t for r in self.chunk_source.index_rows() for t in chunk_windows(r)]
            missing = cache.count_missing(texts)
            if missing and callable(progress):
                update = _embed_counter(progress, missing)
            elif missing:
                bar = tqdm(total=missing, desc="embedding", unit="text")
                update = bar.update
        try:
            return build.build_snapshot(
                self.chunk_source,
                self.home / "index",
                cache,
                self.settings,
                self.tokenizer.dictionary_hash,
                full=full,
                progress=update,
            )
        finally:
            if bar:
                bar.close()

    def _retokenize(self) -> None:
        """Tokenise every stored chunk again with the current dictionary and synonyms."""
        rows = self.conn.execute("SELECT id, norm_text FROM chunks").fetchall()
        with self.conn:
            self.conn.executemany(
                "UPDATE chunks SET tokens = ? WHERE id = ?",
                [(" ".join(self.tokenizer.tokens(r["norm_text"])), r["id"]) for r in rows],
            )

    def remove(self, name_or_id: str) -> store.DocumentInfo:
        """Delete a document and its chunks; the index drops them without a rebuild.

        Other documents that dropped paragraphs as duplicates are processed again
        from their files (embeddings cached), so text that only this document
        still held is not lost with it.
        """
        with self._writer():
            doc = store.get_document(self.conn, name_or_id)
            if doc is None:
                raise KeyError(f"no document named {name_or_id!r} (see `python app.py docs`)")
            # The snapshot stops serving the document first; then its rows go.
            with self.conn:
                self.conn.execute("UPDATE chunks SET state = 'removing' WHERE doc_id = ?", (doc.id,))
            self._publish()
            store.delete_document(self.conn, doc.id)
            self._reprocess_duplicate_droppers(exclude=set())
            return doc

    def reindex(self, progress=False) -> dict:
        """Re-tokenise every chunk (dictionary or synonyms changed) and rebuild the snapshot.

        Vectors come from the embedding cache; only text never embedded by the
        current model reaches it.
        """
        with self._writer():
            self._tokenizer = None
            self._retokenize()
            summary = self._publish(full=True, progress=progress)
        if self._searcher is not None:
            self._searcher.tokenizer = self.tokenizer
        return summary

    # -- the admin's curation (kb/curation.py) -------------------------------
    def set_chunk_disabled(self, chunk_id: int, disabled: bool, by: str) -> None:
        """Hide a chunk from search, quizzes and QA examples, or show it again (no re-embedding)."""
        with self._writer():
            curation.set_disabled(self.conn, chunk_id, disabled, by)
            self._publish()

    def edit_chunk(self, chunk_id: int, text: str, by: str, action: str = "edit") -> int:
        """Replace a text chunk's text (kept in its history); returns the chunk's new id."""
        with self._writer():
            new_id = curation.replace_text(self.conn, chunk_id, text, self.tokenizer.tokens, by, action)
            self._publish()
        return new_id

    def restore_dropped(self, span_id: int, by: str) -> dict:
        """Keep a piece cleaning dropped: remember it, then process its document again from its file."""
        with self._writer():
            span = curation.dropped_span(self.conn, span_id)
            if span is None:
                raise curation.CurationError(f"没有编号为 {span_id} 的被清洗内容（文档可能已更新）")
            doc = store.get_document(self.conn, span.doc_id)
            if not Path(doc.path).is_file():
                raise curation.CurationError(f"{doc.name} 的原文件已不在，请重新上传后再恢复")
            curation.record_restore(self.conn, span, by)
            report = IngestReport(self._stage_batch([(Path(doc.path), doc.name)], [], force=True))
            if report.errors:
                raise curation.CurationError(report.errors[0].error)
            self._publish_and_promote(report)
        return {"document": doc.name, "version": report.files[0].version, "text": span.text, "span": span_id}

    # -- reading ------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int = 5,
        documents=None,
        tags=None,
        leg: str = "hybrid",
        log=False,
        threshold=None,
    ):
        """See :meth:`index.search.Searcher.search`; ``log`` records the query for gap review."""
        response = self.searcher.search(
            query, k=k, documents=documents, tags=tags, leg=leg, threshold=threshold
        )
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

    def chunk(self, chunk_id: int):
        """One chunk row with its document's name and title, or None."""
        return store.fetch_chunks(self.conn, [chunk_id]).get(chunk_id)

    def document_choices(self) -> list[tuple[str, str]]:
        """(name, title) of the searchable documents (the search page's document filter)."""
        return store.document_choices(self.conn)

    def tag_names(self) -> list[str]:
        """Every tag of a live chunk or document (the search page's tag filter)."""
        return store.tag_names(self.conn)

    def documents(self) -> list[store.DocumentInfo]:
        """Documents as search serves them now (the published snapshot), never half-written ones."""
        return recovery.served_documents(self.conn, self.home / "index")

    def document(self, name_or_id) -> store.DocumentInfo | None:
        """One document as :meth:`documents` lists it, by name or id."""
        return next(
            (d for d in self.documents() if d.name == str(name_or_id) or str(d.id) == str(name_or_id)), None
        )

    def chunks(self, doc_id: int) -> list:
        return store.document_chunks(self.conn, doc_id)

    def all_chunks(self, documents: list[str] | None = None) -> list:
        """Live chunks with document names (quiz generation reads the KB through this)."""
        rows = self.conn.execute(
            "SELECT c.*, d.name AS doc_name, d.title AS doc_title FROM chunks c"
            " JOIN documents d ON d.id = c.doc_id WHERE c.state = 'live' AND c.disabled = 0"
            " ORDER BY d.name, c.ord"
        ).fetchall()
        if documents:
            rows = [r for r in rows if r["doc_name"] in documents or r["doc_title"] in documents]
        return rows

    def passages(self, documents: list[str] | None = None) -> list[Passage]:
        """Live chunks as :class:`kb.models.Passage` (what quiz generation reads), document order."""
        return [
            Passage(
                row["id"],
                row["doc_name"],
                row["doc_title"],
                tuple(json.loads(row["headings"])),
                row["kind"],
                row["text"],
                row["question"],
                row["answer"],
            )
            for row in self.all_chunks(documents)
        ]

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
