"""The one core object the CLI and the web app build from the settings (like datasette's ``Datasette``).

A :class:`Playbook` owns, for one data home:

* the knowledge base for reads (search, listings, feedback, quiz material) on
  per-thread SQLite connections: request threads never share a connection, and
  reads come from the published snapshot, so a search never waits for a writer;
* one writer knowledge base (ingest, remove, reindex), used by one thread at a
  time, on its own connection, and the shared embedder;
* the query log, written off the request path (service/query_log.py);
* the jobs (service/jobs.py): ingest, reindex and quiz generation run as jobs in
  the web server's worker thread, or in the foreground for the CLI.

Views and commands parse their input, call one method here and render.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from common.atomic import write_text_atomic
from common.db import thread_connections
from quiz import bank as question_bank
from quiz import build_questions, generate_quiz
from service.job_queue import JobQueue, Progress
from service.jobs import Job, JobFailed
from service.query_log import QueryLog

STATUS_WORDS = {"added": "新增", "updated": "更新", "unchanged": "未变化", "error": "失败"}


class Playbook:
    """Knowledge base, embedder, query log and jobs of one data home; safe to share across threads."""

    def __init__(self, settings, foreground: bool = False) -> None:
        """``foreground``: jobs run in the calling thread (the CLI) instead of the worker thread."""
        self.settings = settings
        self.foreground = foreground
        self.query_log = QueryLog(settings)
        self.write_lock = threading.Lock()  # this process's writers, one at a time
        self._kb = None
        self._writer = None
        self._jobs = None
        self._build_lock = threading.Lock()

    # -- parts, built on first use ----------------------------------------------
    @property
    def kb(self):
        """The knowledge base for reads, from any thread (each thread has its own connection)."""
        if self._kb is None:
            with self._build_lock:
                if self._kb is None:
                    from kb.knowledge_base import KnowledgeBase

                    self._kb = KnowledgeBase(self.settings, conn=thread_connections(self.settings))
        return self._kb

    @property
    def embedder(self):
        return self.kb.embedder

    @property
    def jobs(self) -> JobQueue:
        if self._jobs is None:
            with self._build_lock:
                if self._jobs is None:
                    bodies = {"ingest": self._ingest_job, "reindex": self._reindex_job}
                    bodies["quiz"] = self._quiz_job
                    self._jobs = JobQueue(self.settings, bodies, foreground=self.foreground)
        return self._jobs

    def _writer_kb(self):
        if self._writer is None:
            from kb.knowledge_base import KnowledgeBase

            self._writer = KnowledgeBase(self.settings, embedder=self.embedder)
        return self._writer

    def close(self) -> None:
        """Stop the job worker and the query-log writer; close connections."""
        if self._jobs is not None:
            self._jobs.stop()
        self.query_log.close()
        if self._kb is not None:
            self._kb.conn.close()

    # -- reading ------------------------------------------------------------------
    def search(self, query: str, log: bool = False, **options):
        """``KnowledgeBase.search``; a logged query is queued for the log, never waited for."""
        response = self.kb.search(query, log=False, **options)
        if log:
            self.query_log.record(query, response)
        return response

    def add_feedback(self, query: str, chunk_id: int | None, vote: int, comment: str = "") -> None:
        self.kb.add_feedback(query, chunk_id, vote, comment)

    def is_empty(self) -> bool:
        return not self.kb.documents()

    # -- starting jobs --------------------------------------------------------------
    def start_ingest(
        self, paths: list[Path], started_by: str, tags: list[str] | None = None, rejected: list[str] = ()
    ) -> Job:
        """Queue an ingest of stored files; ``rejected`` (upload errors) are carried into its report."""
        params = {"paths": [str(p) for p in paths], "tags": list(tags or []), "rejected": list(rejected)}
        return self.jobs.submit("ingest", params, started_by)

    def start_reindex(self, started_by: str, restore: dict[str, str] | None = None) -> Job:
        """Queue a rebuild after a dictionary or synonyms edit.

        ``restore``: the files' texts before the edit, put back (and reindexed) if the
        new ones are refused, e.g. a malformed dictionary line.
        """
        return self.jobs.submit("reindex", {"restore": restore}, started_by)

    def save_dictionaries(self, texts: dict[str, str], started_by: str) -> Job:
        """Write the user dictionary and synonyms, then queue the reindex that applies them."""
        paths = {"user_dict": self.kb.user_dict_path, "synonyms": self.kb.synonyms_path}
        old = {key: path.read_text(encoding="utf-8") for key, path in paths.items()}
        for key, path in paths.items():
            write_text_atomic(path, texts.get(key, old[key]))
        return self.start_reindex(started_by, restore=old)

    def start_quiz(self, started_by: str, **options) -> Job:
        """Queue a quiz generation (``quiz.generate_quiz``'s topic, documents, n, types, seed, title).

        Unknown documents are refused here (ValueError), before anything is queued.
        """
        known = {name for d in self.kb.documents() for name in (d.name, d.title)}
        unknown = [name for name in options.get("documents") or [] if name not in known]
        if unknown:
            raise ValueError(f"没有这些文档：{'、'.join(unknown)}")
        return self.jobs.submit("quiz", options, started_by)

    def start_bank_fill(self, started_by: str, **options) -> Job:
        """Queue generating candidates into the question bank (topic, documents, n, types, seed).

        The job is a ``quiz`` job whose result names the bank, not a draft.
        """
        return self.start_quiz(started_by, **options, into="bank")

    # -- the question bank ----------------------------------------------------------
    def document_versions(self) -> dict[str, int]:
        return {d.name: d.version for d in self.kb.documents()}

    def review_bank_sources(self) -> dict:
        """Flag bank questions whose source sentence is no longer in its document (see quiz/bank.py)."""
        cited = question_bank.cited_documents(self.kb.conn)
        if not cited:
            return {"flagged": 0, "updated": 0}
        versions = {name: v for name, v in self.document_versions().items() if name in cited}
        texts: dict[str, list[str]] = {}
        for row in self.kb.all_chunks(documents=list(versions)) if versions else []:
            texts.setdefault(row["doc_name"], []).append(row["text"])
        documents = {name: (version, "\n".join(texts.get(name, []))) for name, version in versions.items()}
        return question_bank.flag_changed_sources(self.kb.conn, documents)

    # -- synchronous writes ---------------------------------------------------------
    @contextmanager
    def _bounded_writer(self):
        """The writer for a request: waits at most ``db_busy_seconds`` in all, then KnowledgeBaseBusy."""
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

    def remove(self, name_or_id: str):
        """Delete a document now (no re-embedding; bounded wait for another writer).

        Bank questions drawn from it are flagged for review.
        """
        with self._bounded_writer() as writer:
            removed = writer.remove(name_or_id)
        self.review_bank_sources()
        return removed

    # -- job bodies (a worker thread, or the CLI's foreground) ------------------------
    def _write(self, progress: Progress, action):
        """Run ``action(writer)`` when no other writer runs, however long it waits; says what it waits for."""
        from kb.knowledge_base import KnowledgeBaseBusy

        poll = self.settings.job_poll_ms / 1000
        while not self.write_lock.acquire(timeout=poll):
            progress.waiting("等待本服务器的另一个写入（删除文档）完成")
        try:
            writer = self._writer_kb()
            writer.writer_wait = poll
            while True:
                try:
                    result = action(writer)
                    progress.waiting("")
                    return result
                except KnowledgeBaseBusy:
                    progress.waiting("等待另一个进程（例如命令行导入）释放知识库写锁")
        finally:
            self.write_lock.release()

    def _ingest_job(self, job: Job, progress: Progress) -> dict:
        if job.attempts > 1:
            progress.note("续做：已导入的文件显示为“未变化”，算过的向量直接取自缓存")

        def on_progress(stage: str, done: int, total: int, item: str) -> None:
            if stage == "file":
                progress.items(done, total, f"读取与清洗：{item}")
            else:
                progress.items(done, total, "计算向量并建立索引", phase="embed")

        paths, tags = job.params["paths"], job.params.get("tags", [])
        report = self._write(progress, lambda kb: kb.ingest(paths, tags=tags, progress=on_progress))
        data = report.as_json()
        for item in data["files"]:
            if not self.foreground:
                # Server paths are nobody's business on the web: messages name the document instead.
                path = item.pop("path", "")
                if item.get("error"):
                    item["error"] = item["error"].replace(path, item["name"])
            word = STATUS_WORDS.get(item["status"], item["status"])
            detail = item.get("error") or f"v{item['version']}，{item['chunks']} 段"
            progress.note(f"{word} {item['name']}：{detail}")
        data["rejected"] = job.params.get("rejected", [])
        review = self.review_bank_sources()
        if review["flagged"]:
            progress.note(f"题库中有 {review['flagged']} 道题的出处已改动或删除，已标记待复核")
        data["bank_review"] = review
        return data

    def _reindex_job(self, job: Job, progress: Progress) -> dict:
        def on_progress(stage: str, done: int, total: int, item: str) -> None:
            progress.items(done, total, "计算向量并建立索引", phase="embed")

        progress.items(0, 1, "重新分词并重建索引")
        try:
            return self._write(progress, lambda kb: kb.reindex(progress=on_progress))
        except Exception as exc:  # jieba refuses a malformed dictionary line: put the old files back
            restore = job.params.get("restore")
            if not restore:
                raise
            paths = {"user_dict": self.kb.user_dict_path, "synonyms": self.kb.synonyms_path}
            for key, path in paths.items():
                write_text_atomic(path, restore[key])
            self._write(progress, lambda kb: kb.reindex())
            raise JobFailed(f"词典有误，已恢复原内容：{exc}") from exc

    def _quiz_job(self, job: Job, progress: Progress) -> dict:
        """Generate a draft quiz, or (``into="bank"``) candidates for the question bank.

        Either way the generated questions land in the bank as candidates, with the
        versions of the documents they were read from.
        """

        def on_progress(done: int, total: int, step: str) -> None:
            progress.items(done, total, step)

        params = dict(job.params)
        into = params.pop("into", "quiz")
        if into == "bank":
            params.pop("title", None)
        versions = self.document_versions()
        try:
            if into == "bank":
                questions, notes = build_questions(self.kb, **params, progress=on_progress)
            else:
                quiz = generate_quiz(self.kb, **params, progress=on_progress)
                questions, notes = quiz.questions, quiz.notes
        except ValueError as exc:  # GenerationError: nothing to build from
            raise JobFailed(f"无法生成测验：{exc}") from exc
        for note in notes:
            progress.note(note)
        topic = params.get("topic") or "、".join(params.get("documents") or [])
        banked = question_bank.add_candidates(self.kb.conn, [_copy(q) for q in questions], topic, versions)
        progress.note(f"题库新增 {len(banked['added'])} 道候选题（{banked['skipped']} 道已在题库中）")
        if into == "bank":
            return {"bank": True, "added": len(banked["added"]), "skipped": banked["skipped"], "notes": notes}
        return {
            "quiz_id": quiz.id,
            "title": quiz.title,
            "questions": len(quiz.questions),
            "notes": quiz.notes,
            "bank_added": len(banked["added"]),
        }


def _copy(question):
    """A question detached from its quiz (the bank gives it its own id)."""
    return replace(question, id=None, position=0, source=replace(question.source))
