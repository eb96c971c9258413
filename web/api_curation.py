"""JSON API for the admin's curation: what cleaning dropped, restore, disable/enable, edit/revert, history.

Routes on :data:`web.api.bp` (authentication and errors as described in web/api.py). Restoring
and editing re-index, so they answer 202 with a job to follow; disabling is done at once.
"""

from __future__ import annotations

from flask import g, jsonify

from kb.curation import CurationError
from kb.rules import stage_label
from web.api import accepted, api_role, bp, json_body
from web.errors import user_error
from web.extensions import playbook


def _curation():
    return playbook().curation


@bp.get("/documents/<path:ref>/dropped")
@api_role("admin")
def dropped(ref: str):
    """What cleaning removed from a document: id, position, source line, reason (and its label), text."""
    try:
        spans = _curation().dropped(ref)
    except LookupError:
        raise user_error(404, f"没有名为 {ref} 的文档") from None
    return jsonify({"dropped": [{**s.as_json(), "label": stage_label(s.reason)} for s in spans]})


@bp.post("/dropped/<int:span_id>/restore")
@api_role("admin")
def restore(span_id: int):
    try:
        job = _curation().restore(span_id, g.user.username)
    except CurationError as exc:
        raise user_error(404, str(exc)) from None
    return accepted(job)


def _set_disabled(chunk_id: int, disabled: bool):
    try:
        return jsonify(_curation().set_disabled(chunk_id, disabled, g.user.username))
    except CurationError as exc:
        raise user_error(404, str(exc)) from None


@bp.post("/chunks/<int:chunk_id>/disable")
@api_role("admin")
def disable_chunk(chunk_id: int):
    return _set_disabled(chunk_id, True)


@bp.post("/chunks/<int:chunk_id>/enable")
@api_role("admin")
def enable_chunk(chunk_id: int):
    return _set_disabled(chunk_id, False)


@bp.post("/chunks/<int:chunk_id>/edit")
@api_role("admin")
def edit_chunk(chunk_id: int):
    text = json_body().get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 20000:
        raise user_error(400, "text 必须是 1 到 20000 字的文本")
    try:
        job = _curation().edit(chunk_id, text, g.user.username)
    except CurationError as exc:
        raise user_error(400, str(exc)) from None
    return accepted(job)


@bp.post("/chunks/<int:chunk_id>/revert")
@api_role("admin")
def revert_chunk(chunk_id: int):
    try:
        job = _curation().revert(chunk_id, g.user.username)
    except CurationError as exc:
        raise user_error(400, str(exc)) from None
    return accepted(job)


@bp.get("/chunks/<int:chunk_id>/history")
@api_role("admin")
def chunk_history(chunk_id: int):
    try:
        return jsonify({"history": _curation().history(chunk_id)})
    except CurationError as exc:
        raise user_error(404, str(exc)) from None
