"""The admin's curation of the knowledge base, composed into the Playbook (``playbook.curation``).

Reads (what cleaning dropped, a chunk's history) come from the read connections. Disabling
a chunk is quick (no embedding: the next snapshot leaves it out), so it runs in the request
with the bounded writer like a removal. Restoring a dropped piece (the document is processed
again) and editing a chunk (its new text is embedded) re-index: they run as jobs, and like
every write they publish a new snapshot, so searches never wait for them.
"""

from __future__ import annotations

from kb import curation
from kb.curation import CurationError, DroppedSpan
from quiz import collect_facts
from service.job_queue import Progress
from service.jobs import Job, JobFailed


class Curation:
    """Restore dropped text, disable/enable and edit/revert chunks of one Playbook's knowledge base."""

    def __init__(self, playbook) -> None:
        self.playbook = playbook

    @property
    def _conn(self):
        return self.playbook.kb.conn

    def job_bodies(self) -> dict:
        """The job kinds this module runs (registered with the Playbook's job queue)."""
        return {"restore": self._restore_job, "chunk_edit": self._edit_job}

    # -- reading -----------------------------------------------------------------
    def dropped(self, document: str, reason: str | None = None) -> list[DroppedSpan]:
        """What cleaning removed from a document (name or id), in document order."""
        doc = self.playbook.kb.document(document)
        if doc is None:
            raise LookupError(f"没有这个文档：{document}")
        return curation.dropped_spans(self._conn, doc.id, reason)

    def edited_origins(self, doc_name: str) -> set[str]:
        """Origin keys of the document's edited passages (the document page offers a revert)."""
        return curation.edited_origins(self._conn, doc_name)

    def history(self, chunk_id: int) -> list[dict]:
        """Edits and disable/enable decisions of a chunk's passage, oldest first."""
        return curation.history(self._conn, chunk_id)

    # -- writing -----------------------------------------------------------------
    def restore(self, span_id: int, started_by: str) -> Job:
        """Queue restoring a dropped piece: it is kept (and searchable) from now on, also on re-ingest."""
        span = curation.dropped_span(self._conn, span_id)
        if span is None:
            raise CurationError(f"没有编号为 {span_id} 的被清洗内容（文档可能已更新）")
        return self.playbook.jobs.submit("restore", {"span": span_id}, started_by)

    def set_disabled(self, chunk_id: int, disabled: bool, by: str) -> dict:
        """Hide a chunk from search, quizzes and QA examples (or show it again); done at once."""
        with self.playbook._bounded_writer() as writer:
            writer.set_chunk_disabled(chunk_id, disabled, by)
        self.playbook.review_bank_sources()
        return {"chunk": chunk_id, "disabled": disabled}

    def edit(self, chunk_id: int, text: str, started_by: str) -> Job:
        """Queue replacing a chunk's text (the old text stays in its history)."""
        self._check_editable(chunk_id, text)
        return self.playbook.jobs.submit("chunk_edit", {"chunk": chunk_id, "text": text}, started_by)

    def revert(self, chunk_id: int, started_by: str) -> Job:
        """Queue putting back the text the passage had before its first edit."""
        row = self.playbook.kb.chunk(chunk_id)
        if row is None:
            raise CurationError(f"没有编号为 {chunk_id} 的段落")
        original = curation.first_text(self._conn, row["doc_name"], row["origin"])
        if original is None or original == row["text"]:
            raise CurationError("这个段落没有被修改过")
        return self.playbook.jobs.submit(
            "chunk_edit", {"chunk": chunk_id, "text": original, "action": "revert"}, started_by
        )

    def _check_editable(self, chunk_id: int, text: str) -> None:
        row = self.playbook.kb.chunk(chunk_id)
        if row is None or row["state"] != "live":
            raise CurationError(f"没有编号为 {chunk_id} 的段落（文档可能已更新，请刷新页面）")
        if row["kind"] != "text":
            raise CurationError("问答和话术条目请在源文件中修改后重新上传")
        if not text.strip():
            raise CurationError("段落内容不能为空；不想让它出现请用“停用”")

    # -- job bodies ----------------------------------------------------------------
    def _restore_job(self, job: Job, progress: Progress) -> dict:
        progress.items(0, 1, "恢复被清洗的内容并重新处理文档")
        try:
            result = self.playbook._write(
                progress, lambda kb: kb.restore_dropped(job.params["span"], job.started_by)
            )
        except CurationError as exc:
            raise JobFailed(str(exc)) from exc
        progress.note(f"已恢复：{result['text'][:40]}（{result['document']} v{result['version']}）")
        self._after_change(progress)
        return result

    def _edit_job(self, job: Job, progress: Progress) -> dict:
        params = job.params
        action = params.get("action", "edit")
        progress.items(0, 1, "保存修改并重新计算向量")
        try:
            new_id = self.playbook._write(
                progress, lambda kb: kb.edit_chunk(params["chunk"], params["text"], job.started_by, action)
            )
        except CurationError as exc:
            raise JobFailed(str(exc)) from exc
        progress.note(
            f"段落 #{params['chunk']} 已{'还原' if action == 'revert' else '修改'}，新编号 #{new_id}"
        )
        self._after_change(progress)
        return {"chunk": new_id, "replaced": params["chunk"], "action": action}

    def _after_change(self, progress: Progress) -> None:
        """Facts of the new text are extracted now (cached per chunk version); bank sources checked."""
        facts = self.playbook._write(progress, collect_facts)
        progress.note(f"可出题的事实：{len(facts.facts)} 个（本次新提取 {facts.extracted} 段）")
        review = self.playbook.review_bank_sources()
        if review["flagged"]:
            progress.note(f"题库中有 {review['flagged']} 道题的出处已改动，已标记待复核")
