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

import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from common.atomic import write_text_atomic
from common.db import thread_connections
from common.filenames import FileNameError
from kb.knowledge_base import KnowledgeBase
from kb.write_lock import KnowledgeBaseBusy
from qa.kb_examples import kb_stages, stage_scripts, with_kb_examples
from qa.pasted import PastedChatError, looks_like_chat, parse_pasted_chat
from qa.policy import Policy, parse_policy
from qa.policy_library import PolicyLibrary
from qa.readers import read_transcripts
from qa.review import ReviewDesk
from qa.runner import RunResult, make_scorer, score_conversations, score_files
from qa.scoring import Scorecard, Scorer
from qa.store import get_run, open_store, save_run
from qa.transcript import Conversation
from quiz import FactSet, build_questions, collect_facts, generate_quiz
from quiz import bank as question_bank
from service import gap_faq, golden, preferences
from service.curation import Curation
from service.job_queue import JobQueue, Progress
from service.jobs import Job, JobFailed
from service.query_log import QueryLog


class UnreadableTrial(ValueError):
    """A pasted trial conversation that could not be read; the message is user-facing."""


STATUS_WORDS = {
    "added": "新增",
    "updated": "更新",
    "unchanged": "未变化",
    "error": "失败",
    "skipped": "已跳过",
}


class Playbook:
    """Knowledge base, embedder, query log and jobs of one data home; safe to share across threads."""

    def __init__(self, settings, foreground: bool = False) -> None:
        """``foreground``: jobs run in the calling thread (the CLI) instead of the worker thread."""
        self.settings = settings
        self.foreground = foreground
        self.query_log = QueryLog(settings)
        self.policies = PolicyLibrary(settings.home_path)
        self.write_lock = threading.Lock()  # this process's writers, one at a time
        self._kb = None
        self._writer = None
        self._jobs = None
        self._reviews = None
        self._build_lock = threading.Lock()
        self.curation = Curation(self)  # restore dropped text, disable and edit chunks

    # -- parts, built on first use ----------------------------------------------
    @property
    def kb(self):
        """The knowledge base for reads, from any thread (each thread has its own connection)."""
        if self._kb is None:
            with self._build_lock:
                if self._kb is None:
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
                    bodies["qa_score"] = self._qa_score_job
                    bodies.update(self.curation.job_bodies())
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

    # -- QA scoring -----------------------------------------------------------------
    def qa_policy(self, name: str) -> Policy | None:
        """A policy of the library parsed with the settings' defaults; None when there is none by that name.

        Raises ``qa.PolicyError`` (every problem, each naming its rule) for an invalid one.
        """
        try:
            text = self.policies.read(name)
        except FileNameError:
            return None
        return None if text is None else parse_policy(text, name, self.settings)

    def scorer(self, policy: Policy, semantic: bool = True) -> Scorer:
        """A scorer for ``policy``; semantic rules share the search embedder (one model per process)."""
        embedder = self.embedder if semantic and any(r.semantic for r in policy.rules) else None
        return make_scorer(policy, self.settings, semantic=semantic, embedder=embedder)

    def score_files(self, paths: list[Path], policy: Policy, semantic: bool = True) -> RunResult:
        """Score transcript files: scorecards plus one rejection per line or file that could not be read."""
        return score_files(paths, policy, self.settings, scorer=self.scorer(policy, semantic))

    def score_conversations(
        self, conversations: list, policy: Policy, semantic: bool = True
    ) -> list[Scorecard]:
        """Score conversations already read (the policy editor's trial run)."""
        return score_conversations(conversations, policy, self.settings, scorer=self.scorer(policy, semantic))

    def try_policy(self, policy: Policy, pasted: str) -> tuple[Conversation, Scorecard]:
        """Score one pasted conversation (JSON, JSON Lines or 客户：…/客服：… lines) for the policy editor.

        Rules taking examples from the knowledge base get them (``kb_policy``).

        Raises :class:`UnreadableTrial` (a user-facing message) when nothing could be read.
        """
        pasted = pasted.strip()
        if not pasted:
            raise UnreadableTrial("请粘贴一段对话（JSON，或每行一条“客户：…”/“客服：…”）")
        policy, _ = self.kb_policy(policy)
        if looks_like_chat(pasted):
            try:
                conversation = parse_pasted_chat(pasted, self.settings.timezone)
            except PastedChatError as exc:
                raise UnreadableTrial(f"对话无法读取：{exc}") from None
            return conversation, self.score_conversations([conversation], policy)[0]
        suffix = ".json" if pasted.startswith(("{", "[")) else ".jsonl"
        with tempfile.TemporaryDirectory() as folder:  # the readers (and their checks) read files
            path = Path(folder) / f"试运行{suffix}"
            path.write_text(pasted, encoding="utf-8")
            items = list(read_transcripts(path, self.settings.timezone))
        conversations = [item for item in items if isinstance(item, Conversation)]
        if not conversations:
            raise UnreadableTrial("对话无法读取：" + "；".join(str(i).split(": ", 1)[-1] for i in items))
        return conversations[0], self.score_conversations(conversations[:1], policy)[0]

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

    def quiz_facts(self, documents: list[str] | None = None) -> FactSet:
        """The typed facts quizzes are made from, and why other sentences were not used."""
        return collect_facts(self.kb, documents)

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
        """``policy`` with its ``from_kb`` stages' scripts from this knowledge base as examples (the
        replies for rules, the customers' questions for triggers); and the stages with none."""
        if not kb_stages(policy):
            return policy, []
        chunks = self.kb.all_chunks()
        return with_kb_examples(
            policy,
            lambda stage: stage_scripts(chunks, stage),
            lambda stage: stage_scripts(chunks, stage, "question"),
        )

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
        if any(f.status in ("added", "updated") for f in report.files):
            # Facts are extracted once per new chunk version here, so a quiz later reads them cached.
            progress.items(0, 1, "提取可出题的事实", phase="facts")
            facts = self._write(progress, collect_facts)
            progress.note(f"可出题的事实：{len(facts.facts)} 个（本次新提取 {facts.extracted} 段）")
            data["facts"] = len(facts.facts)
        for item in data["files"]:
            if not self.foreground:
                # Server paths are nobody's business on the web: messages name the document instead.
                path = item.pop("path", "")
                if item.get("error"):
                    item["error"] = item["error"].replace(path, item["name"])
                item["warnings"] = [w.replace(path, item["name"]) for w in item.get("warnings", [])]
            word = STATUS_WORDS.get(item["status"], item["status"])
            detail = item.get("error") or f"v{item['version']}，{item['chunks']} 段"
            progress.note(f"{word} {item['name']}：{detail}")
        data["rejected"] = job.params.get("rejected", [])
        if any(item["status"] in ("added", "updated") for item in data["files"]):
            self._golden_after(job, progress, "导入文档后自动运行")
        review = self.review_bank_sources()
        if review["flagged"]:
            progress.note(f"题库中有 {review['flagged']} 道题的出处已改动或删除，已标记待复核")
        data["bank_review"] = review
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
            return {
                "bank": True,
                "topic": topic,
                "added": len(banked["added"]),
                "skipped": banked["skipped"],
                "notes": notes,
            }
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
