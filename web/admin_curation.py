"""Admin pages' curation actions: restore a dropped piece, disable/enable, edit and revert a chunk.

Routes on :data:`web.admin.bp` (admins only). Restore and edit re-index: they start a job and
show its page; disable and enable are done at once and go back where the admin was.
"""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for

from kb.curation import CurationError
from web.admin import bp
from web.auth import safe_next
from web.extensions import kb, playbook


def _back(doc_id: int | None = None, chunk_id: int | None = None):
    """Where the admin came from (a search page or the document page), else the document page."""
    target = safe_next(request.form.get("next"))
    if target:
        return redirect(target)
    if doc_id is not None:
        anchor = f"#chunk-{chunk_id}" if chunk_id else ""
        return redirect(url_for("admin.document", doc_id=doc_id) + anchor)
    return redirect(url_for("admin.documents"))


@bp.get("/documents/named/<path:name>")
def document_named(name: str):
    """A document's page by its file name (links of the ingest report)."""
    document = kb().document(name)
    if document is None:
        flash(f"没有这个文档：{name}", "error")
        return redirect(url_for("admin.documents"))
    return redirect(url_for("admin.document", doc_id=document.id) + "#dropped")


@bp.post("/dropped/<int:span_id>/restore")
def restore_dropped(span_id: int):
    try:
        job = playbook().curation.restore(span_id, g.user.username)
    except CurationError as exc:
        flash(str(exc), "error")
        return _back()
    return redirect(url_for("jobs.show", job_id=job.id))


def _set_disabled(chunk_id: int, disabled: bool):
    row = kb().chunk(chunk_id)
    try:
        playbook().curation.set_disabled(chunk_id, disabled, g.user.username)
    except CurationError as exc:
        flash(str(exc), "error")
        return _back(row["doc_id"] if row else None)
    flash(f"段落 #{chunk_id} 已{'停用：搜索、测验和质检示例都不再使用它' if disabled else '启用'}", "success")
    return _back(row["doc_id"], chunk_id)


@bp.post("/chunks/<int:chunk_id>/disable")
def disable_chunk(chunk_id: int):
    return _set_disabled(chunk_id, True)


@bp.post("/chunks/<int:chunk_id>/enable")
def enable_chunk(chunk_id: int):
    return _set_disabled(chunk_id, False)


@bp.post("/chunks/<int:chunk_id>/edit")
def edit_chunk(chunk_id: int):
    row = kb().chunk(chunk_id)
    try:
        job = playbook().curation.edit(chunk_id, request.form.get("text", ""), g.user.username)
    except CurationError as exc:
        flash(str(exc), "error")
        return _back(row["doc_id"] if row else None, chunk_id)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/chunks/<int:chunk_id>/revert")
def revert_chunk(chunk_id: int):
    row = kb().chunk(chunk_id)
    try:
        job = playbook().curation.revert(chunk_id, g.user.username)
    except CurationError as exc:
        flash(str(exc), "error")
        return _back(row["doc_id"] if row else None, chunk_id)
    return redirect(url_for("jobs.show", job_id=job.id))
