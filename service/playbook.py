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
from qa.kb_examples import kb_stages, stage_scripts, with_kb_examples
from qa.policy import parse_policy
from qa.review import ReviewDesk
from qa.runner import make_scorer, score_files
from qa.store import get_run, open_store, save_run
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
        self._reviews = None
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
                    bodies["qa_score"] = self._qa_score_job
                    self._jobs = JobQueue(self.settings, bodies, foreground=self.foreground)
        return self._jobs

    @property
    def reviews(self):
        """The QA review loop (qa.review.ReviewDesk) on per-thread connections, QA tables migrated."""
        if self._reviews is None:
            with self._build_lock:
                if self._reviews is None:
                    open_store(self.settings.db_path, self.settings.db_busy_seconds).close()  # migrations
                    self._reviews = ReviewDesk(thread_connections(self.settings))
        return self._reviews

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
        if self._reviews is not None:
            self._reviews.conn.close()

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

    def start_qa_score(
        self,
        paths: list[Path],
        policy_text: str,
        policy_name: str,
        started_by: str,
        semantic: bool = True,
        base_run: int | None = None,
        rejected: list[str] = (),
    ) -> Job:
        """Queue a QA scoring run of stored transcript files (``base_run``: compare the new run with it).

        The policy is validated here (qa.PolicyError), before anything is queued.
        """
        parse_policy(policy_text, policy_name, self.settings)
        params = {
            "paths": [str(p) for p in paths],
            "policy_text": policy_text,
            "policy_name": policy_name,
            "semantic": semantic,
            "base_run": base_run,
            "rejected": list(rejected),
        }
        return self.jobs.submit("qa_score", params, started_by)

    def kb_policy(self, policy):
        """``policy`` with its ``from_kb`` stages' reply scripts from this knowledge base as examples;
        and the stages the knowledge base has no scripts for."""
        if not kb_stages(policy):
            return policy, []
        chunks = self.kb.all_chunks()
        return with_kb_examples(policy, lambda stage: stage_scripts(chunks, stage))

    def start_rescore(
        self, run_id: int, policy_text: str, policy_name: str, started_by: str, semantic: bool = True
    ) -> Job:
        """Queue a re-score of a stored run's transcripts under another policy; the job's result names
        both runs, whose difference ``reviews.compare_runs`` shows. LookupError for an unknown run,
        ValueError when its transcript files are gone."""
        run = get_run(self.reviews.conn, run_id)
        if run is None:
            raise LookupError(f"没有编号为 {run_id} 的评分")
        missing = [Path(f).name for f in run["files"] if not Path(f).is_file()]
        if missing:
            raise ValueError(f"评分 #{run_id} 的对话文件已不在：{'、'.join(missing)}")
        return self.start_qa_score(
            [Path(f) for f in run["files"]], policy_text, policy_name, started_by, semantic, base_run=run_id
        )

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

    def _qa_score_job(self, job: Job, progress: Progress) -> dict:
        """Score the files, store the run (never an empty one) and report what was refused."""
        params = job.params
        policy, empty = self.kb_policy(
            parse_policy(params["policy_text"], params["policy_name"], self.settings)
        )
        for stage in empty:
            progress.note(f"知识库里没有“{stage}”阶段的话术：引用它的规则只按用语匹配")
        needs_model = params["semantic"] and any(r.semantic or r.trigger_semantic for r in policy.rules)
        # Share the search embedder: one model in memory per process.
        embedder = self.embedder if needs_model else None
        scorer = make_scorer(policy, self.settings, params["semantic"], embedder=embedder)

        def on_file(done: int, total: int, name: str) -> None:
            progress.items(done, total, f"评分：{name}")

        result = score_files(params["paths"], policy, self.settings, scorer=scorer, progress=on_file)
        progress.items(len(params["paths"]), len(params["paths"]), "保存评分")
        rejections = [
            {"file": Path(r.file).name, "line": r.line, "unit": r.unit, "reason": r.reason}
            for r in result.rejections
        ] + [{"file": None, "line": None, "unit": "file", "reason": r} for r in params.get("rejected", [])]
        for item in rejections[:20]:
            where = f"{item['file']} 第 {item['line']} 行：" if item["file"] and item["line"] else ""
            progress.note(f"未读取：{where}{item['reason']}")
        if not result.scorecards:
            first = "；".join(r["reason"] for r in rejections[:3])
            raise JobFailed("没有可评分的对话，未创建评分记录" + (f"（{first}）" if first else ""))
        conn = open_store(self.settings.db_path, self.settings.db_busy_seconds)
        try:
            run_id = save_run(conn, result)
        finally:
            conn.close()
        progress.note(f"已评分 {len(result.scorecards)} 个对话，{len(rejections)} 条记录无法读取")
        return {
            "run_id": run_id,
            "base_run": params.get("base_run"),
            "scored": len(result.scorecards),
            "rejected": len(rejections),
            "rejections": rejections[:200],
        }

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
