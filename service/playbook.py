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
from pathlib import Path

from common.atomic import write_text_atomic
from common.db import thread_connections
from service import gap_faq, golden, preferences
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
                    bodies["golden"] = self._golden_job
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

    # -- the search page's filters, remembered per user ------------------------------
    def filter_choices(self) -> dict:
        """Documents (name, title) and tags an agent can narrow a search to."""
        return {
            "documents": [(name, title or name) for name, title in self.kb.document_choices()],
            "tags": self.kb.tag_names(),
        }

    def search_filters(self, user_id: int) -> dict:
        """The user's last document and tag filters ({"documents": [...], "tags": [...]})."""
        saved = preferences.get(self.kb.conn, user_id, preferences.SEARCH_FILTERS, {})
        return {"documents": list(saved.get("documents", [])), "tags": list(saved.get("tags", []))}

    def remember_search_filters(self, user_id: int, documents: list[str], tags: list[str]) -> dict:
        """Keep the filters the user chose (unknown documents and tags are dropped)."""
        choices = self.filter_choices()
        known_docs = {name for name, _ in choices["documents"]}
        filters = {
            "documents": [d for d in documents if d in known_docs],
            "tags": [t for t in tags if t in set(choices["tags"])],
        }
        if filters != self.search_filters(user_id):  # as-you-type requests repeat them: write on change
            preferences.put(self.kb.conn, user_id, preferences.SEARCH_FILTERS, filters)
        return filters

    def is_empty(self) -> bool:
        return not self.kb.documents()

    # -- knowledge gaps (service/gap_faq.py) ---------------------------------------------
    def gaps(self, limit: int = 50) -> dict:
        """Unanswered queries not yet resolved (asked again after being resolved: shown again) and 👎."""
        found = self.kb.gaps(limit)
        done = gap_faq.resolved(self.kb.conn)
        found["unanswered"] = [g for g in found["unanswered"] if done.get(g["query"], 0) < g["last"]]
        return found

    def add_gap_faq(self, gap_query: str, question: str, answer: str, similar: list[str], by: str) -> Job:
        """Add a Q&A entry to the managed FAQ document, mark the gap resolved, queue its ingest."""
        path = gap_faq.add_entry(self.settings.home_path, question, answer, [gap_query, *similar])
        gap_faq.resolve(self.kb.conn, [gap_query, *similar], by, question)
        return self.start_ingest([path], by)

    def golden_queries(self) -> list[golden.GoldenQuery]:
        return golden.list_queries(self.kb.conn)

    def add_golden(self, query: str, expected: list[str], created_by: str, document: str = ""):
        """Label a test query with the passage(s) that answer it (``[]``: it has no answer)."""
        return golden.add(self.kb.conn, query, expected, document, created_by)

    def add_golden_from_result(self, query: str, chunk_id: int, created_by: str):
        """The hit-test page's "this is the right result": the chunk's text becomes the expectation."""
        chunk = self.kb.chunk(chunk_id)
        if chunk is None:
            raise golden.GoldenError("这个段落已不存在（文档可能已更新），请重新搜索")
        return self.add_golden(query, [chunk["text"]], created_by, chunk["doc_name"])

    def import_golden_sheet(self, name: str, data: bytes, created_by: str) -> int:
        """Add every row of a sheet (问题, 答案, 无答案); nothing is added if one row is bad."""
        rows = golden.read_sheet(name, data)
        for query, expected in rows:
            self.add_golden(query, expected, created_by)
        return len(rows)

    def remove_golden(self, query_id: int) -> None:
        golden.remove(self.kb.conn, query_id)

    def golden_runs(self, limit: int = 20) -> list[dict]:
        return golden.runs(self.kb.conn, limit)

    def golden_after_settings_change(self, started_by: str = "admin") -> Job | None:
        """At server start: run the golden set if the search settings changed since its last run."""
        last = self.golden_runs(limit=1)
        if not last or last[0]["metrics"].get("settings") == golden.settings_fingerprint(self.settings):
            return None
        return self.start_golden_run(started_by, "设置修改后自动运行")

    def start_golden_run(self, started_by: str, trigger: str = "手动运行") -> Job | None:
        """Queue a run of the golden set (None when it holds no query)."""
        if not self.golden_queries():
            return None
        return self.jobs.submit("golden", {"trigger": trigger}, started_by)

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
        """Delete a document now (no re-embedding; bounded wait for another writer)."""
        with self._bounded_writer() as writer:
            return writer.remove(name_or_id)

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
        if any(item["status"] in ("added", "updated") for item in data["files"]):
            self._golden_after(job, progress, "导入文档后自动运行")
        return data

    def _golden_after(self, job: Job, progress: Progress, trigger: str) -> None:
        """After the knowledge base changed: queue a golden-set run (if the admin keeps one)."""
        queued = self.start_golden_run(job.started_by, trigger)
        if queued is not None:
            progress.note(f"已排队运行黄金测试集（任务 #{queued.id}）")

    def _golden_job(self, job: Job, progress: Progress) -> dict:
        queries = self.golden_queries()

        def on_progress(done: int, total: int, query: str) -> None:
            progress.items(done, total, f"测试：{query}")

        outcome = golden.run(lambda q, k: self.kb.search(q, k=k, log=False), queries, on_progress)
        outcome["metrics"]["settings"] = golden.settings_fingerprint(self.settings)
        run_id = golden.store_run(self.kb.conn, job.params.get("trigger", "手动运行"), outcome)
        return {"run_id": run_id, **outcome["metrics"]}

    def _reindex_job(self, job: Job, progress: Progress) -> dict:
        def on_progress(stage: str, done: int, total: int, item: str) -> None:
            progress.items(done, total, "计算向量并建立索引", phase="embed")

        progress.items(0, 1, "重新分词并重建索引")
        try:
            result = self._write(progress, lambda kb: kb.reindex(progress=on_progress))
            self._golden_after(job, progress, "重建索引（词典或设置修改）后自动运行")
            return result
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
        from quiz import generate_quiz

        def on_progress(done: int, total: int, step: str) -> None:
            progress.items(done, total, step)

        try:
            quiz = generate_quiz(self.kb, **job.params, progress=on_progress)
        except ValueError as exc:  # GenerationError: nothing to build from
            raise JobFailed(f"无法生成测验：{exc}") from exc
        for note in quiz.notes:
            progress.note(note)
        return {
            "quiz_id": quiz.id,
            "title": quiz.title,
            "questions": len(quiz.questions),
            "notes": quiz.notes,
        }
