"""Knowledge-base commands: ingest, search, docs, remove, reindex."""

from __future__ import annotations

import json
import re
import sys

from cli import CommandError


def register(sub) -> None:
    p = sub.add_parser("ingest", help="add or update documents (files or folders, recursively)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--tag", action="append", default=[], help="tag every document of this batch")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=ingest)

    p = sub.add_parser("search", help="search the knowledge base (no query: one query per stdin line)")
    p.add_argument("query", nargs="?")
    p.add_argument("-k", type=int, default=5, help="results per query (default 5)")
    p.add_argument("--json", action="store_true", help="JSON output (always on in batch mode)")
    p.add_argument("--doc", action="append", default=[], help="only this document (repeatable)")
    p.add_argument("--tag", action="append", default=[], help="only chunks with this tag (repeatable)")
    p.add_argument("--leg", choices=("hybrid", "dense", "bm25"), default="hybrid")
    p.set_defaults(func=search)

    p = sub.add_parser("docs", help="list documents with version, chunks and what cleaning dropped")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=docs)

    p = sub.add_parser("remove", help="remove a document and its chunks")
    p.add_argument("doc", metavar="DOC", help="document name or id")
    p.set_defaults(func=remove)

    p = sub.add_parser("reindex", help="re-tokenise and rebuild the index (embeddings come from the cache)")
    p.set_defaults(func=reindex)


def _kb(settings):
    from index.snapshot import IndexMismatch
    from kb.knowledge_base import KnowledgeBase

    try:
        return KnowledgeBase(settings)
    except (ImportError, FileNotFoundError, IndexMismatch) as exc:
        raise CommandError(str(exc)) from None


def ingest(args, settings) -> int:
    report = _kb(settings).ingest(args.paths, tags=args.tag, progress=not args.json)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for f in report.files:
            if f.status == "error":
                print(f"error: {f.error}", file=sys.stderr)
                continue
            dropped = ", ".join(f"{k} {v}" for k, v in f.dropped.items()) or "nothing"
            print(f"{f.status:9} {f.name}  v{f.version}  {f.chunks} chunks  dropped: {dropped}")
            for warning in f.warnings:
                print(f"warning: {warning}", file=sys.stderr)
        ok = sum(1 for f in report.files if f.status != "error")
        print(
            f"{ok} ingested, {len(report.errors)} failed in {report.seconds:.1f}s"
            + (
                f"; index {report.index['snapshot']}: {report.index['live']} chunks"
                f" ({report.index['added']} new)"
                if report.index
                else ""
            )
        )
    return 1 if report.errors else 0


def _print_response(response) -> None:
    print(f"查询: {response.query}  ({response.elapsed_ms:.1f} ms)")
    if not response.answered:
        print("没有可信的答案 (no confident answer); closest passages:")
    for i, r in enumerate(response.results, 1):
        chain = " > ".join(r.headings)
        snippet = re.sub(r"</?mark>", "**", r.snippet)
        print(f"\n{i}. [{r.document}] {chain}")
        print(f"   {snippet}")
        print(
            f"   score {r.score:.4f}  dense {r.dense_score} (#{r.dense_rank}, raw {r.raw_dense_score})"
            f"  bm25 {r.bm25_score} (#{r.bm25_rank})"
        )


def search(args, settings) -> int:
    from index.snapshot import IndexMismatch

    kb = _kb(settings)
    options = {"k": args.k, "documents": args.doc or None, "tags": args.tag or None, "leg": args.leg}
    try:
        if args.query is None:
            for line in sys.stdin:
                if line.strip():
                    response = kb.search(line.strip(), log=True, **options)
                    print(json.dumps(response.as_json(), ensure_ascii=False), flush=True)
            return 0
        response = kb.search(args.query, log=True, **options)
    except IndexMismatch as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(response.as_json(), ensure_ascii=False))
    else:
        _print_response(response)
    return 0


def docs(args, settings) -> int:
    documents = _kb(settings).documents()
    if args.json:
        from dataclasses import asdict

        print(json.dumps([asdict(d) for d in documents], ensure_ascii=False, indent=2))
        return 0
    if not documents:
        print("no documents yet: python app.py ingest PATH")
    for d in documents:
        dropped = sum(d.report.get("dropped", {}).values())
        print(f"{d.id:4}  {d.name}  v{d.version}  {d.chunk_count} chunks  {dropped} dropped  ({d.encoding})")
    return 0


def remove(args, settings) -> int:
    try:
        doc = _kb(settings).remove(args.doc)
    except KeyError as exc:
        raise CommandError(exc.args[0]) from None
    print(f"removed {doc.name} (v{doc.version}, {doc.chunk_count} chunks)")
    return 0


def reindex(args, settings) -> int:
    summary = _kb(settings).reindex(progress=True)
    print(f"index {summary['snapshot']}: {summary['live']} chunks, kind {summary['index_kind']}")
    return 0
