"""Agents: the search page (answers as you type), a passage in context, and feedback."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from web.auth import role_required
from web.extensions import kb, playbook, settings

bp = Blueprint("search", __name__)

KIND_LABELS = {"faq": "常见问题", "script": "话术", "text": "手册"}
MAX_QUERY = 200


def read_query() -> str:
    """The query parameter, trimmed and bounded (a pasted chat log is not a query)."""
    return (request.args.get("q") or "").strip()[:MAX_QUERY]


def run_search(query: str, log: bool):
    return playbook().search(query, k=5, log=log) if query else None


@bp.get("/")
@role_required("agent")
def index():
    query = read_query()
    response = run_search(query, log=True)
    return render_template(
        "search.html",
        query=query,
        response=response,
        kinds=KIND_LABELS,
        debounce_ms=settings().search_as_you_type_ms,
    )


@bp.get("/search/results")
@role_required("agent")
def results():
    """The results fragment the page fetches as the agent types (same template as the full page)."""
    query = read_query()
    log = request.args.get("log") == "1"
    return render_template("_results.html", query=query, response=run_search(query, log), kinds=KIND_LABELS)


@bp.get("/passage")
@role_required("agent")
def passage():
    """A search result in context: the whole document's chunks, the chosen one marked."""
    document = kb().document(request.args.get("doc", ""))
    if document is None:
        abort(404)
    chunk_id = request.args.get("chunk", type=int)
    return render_template(
        "passage.html",
        document=document,
        chunks=kb().chunks(document.id),
        chunk_id=chunk_id,
        kinds=KIND_LABELS,
        query=request.args.get("q", ""),
    )
