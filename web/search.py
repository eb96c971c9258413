"""Agents: the search page (answers as you type), a passage in context, and feedback."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from web.auth import role_required
from web.extensions import kb, playbook, settings

bp = Blueprint("search", __name__)

KIND_LABELS = {"faq": "常见问题", "script": "话术", "text": "手册"}
MAX_INPUT = 20_000  # a pasted chat log is cut by search (max_query_chars), which says so


def read_query() -> str:
    """The query parameter, trimmed; search cuts it to ``max_query_chars`` and says so."""
    return (request.args.get("q") or "").strip()[:MAX_INPUT]


def read_filters() -> dict:
    """The document and tag filters: as sent with the filter form (and remembered), else the saved ones."""
    if request.args.get("f") == "1":
        documents = [d for d in request.args.getlist("doc") if d]
        tags = [t for t in request.args.getlist("tag") if t]
        return playbook().remember_search_filters(g.user.id, documents, tags)
    return playbook().search_filters(g.user.id)


def run_search(query: str, log: bool, filters: dict):
    if not query:
        return None
    return playbook().search(
        query, k=5, log=log, documents=filters["documents"] or None, tags=filters["tags"] or None
    )


@bp.get("/")
@role_required("agent")
def index():
    query = read_query()
    filters = read_filters()
    response = run_search(query, log=True, filters=filters)
    return render_template(
        "search.html",
        query=query,
        response=response,
        kinds=KIND_LABELS,
        filters=filters,
        choices=playbook().filter_choices(),
        debounce_ms=settings().search_as_you_type_ms,
    )


@bp.get("/search/results")
@role_required("agent")
def results():
    """The results fragment the page fetches as the agent types (same template as the full page)."""
    query = read_query()
    log = request.args.get("log") == "1"
    response = run_search(query, log, read_filters())
    return render_template("_results.html", query=query, response=response, kinds=KIND_LABELS)


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
