"""Knowledge-base commands: ingest, search, docs, remove, reindex."""

from __future__ import annotations

import json
import re
import sys
from contextlib import contextmanager
from dataclasses import asdict

from cli import CommandError
from index.snapshot import IndexMismatch
from kb.knowledge_base import KnowledgeBase
from service.playbook import Playbook

# Characters a terminal acts on instead of showing: C0 and C1 controls, DEL, and the marks that
# reorder or hide text. Printed as visible escapes, so stored or typed text never drives the terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_UNPRINTABLE_IN_JSON = re.compile(r"[\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_UNPRINTABLE_IN_TEXT = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, multiline: bool = False) -> str:
    """Text safe to print on a terminal; ``multiline`` keeps newlines and tabs."""
    return (_UNPRINTABLE_IN_TEXT if multiline else _UNPRINTABLE).sub(_escape, str(text))


def print_json(data, **options) -> None:
    """JSON as the commands print it: Chinese as is, every terminal control escaped (json leaves C1)."""
    text = json.dumps(data, ensure_ascii=False, **options)  # C0 inside strings is escaped already
    print(_UNPRINTABLE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text), flush=True)


def _kb(settings):
    """The writing knowledge base (``remove`` waits for another writer without a limit, like ingest)."""
    try:
        return KnowledgeBase(settings)
    except (ImportError, FileNotFoundError, IndexMismatch) as exc:
        raise CommandError(str(exc)) from None


@contextmanager
def _playbook(settings):
    """The core object for one read command; its query log is written before the command ends."""
    playbook = Playbook(settings, foreground=True)
    try:
        yield playbook
    except (ImportError, FileNotFoundError, IndexMismatch) as exc:
        raise CommandError(str(exc)) from None
    finally:
        playbook.close()


def _foreground_job(settings, start):
    """Run a job in this process (recorded like the web's, tqdm bar on stderr); returns its row."""
    playbook = Playbook(settings, foreground=True)
    try:
        job = start(playbook)
    finally:
        playbook.close()
    if job.status == "failed":
        raise CommandError(job.error)
    return job


def ingest(args, settings) -> int:
    job = _foreground_job(
        settings, lambda playbook: playbook.start_ingest(args.paths, started_by="cli", tags=args.tag)
    )
    report = job.result
    errors = [f for f in report["files"] if f["status"] == "error"]
    skipped = [f for f in report["files"] if f["status"] == "skipped"]  # reported, not a failure
    if args.json:
        print_json(report, indent=2)
    else:
        for f in report["files"]:
            if f["status"] in ("error", "skipped"):
                print(f"{f['status']}: {printable(f['error'])}", file=sys.stderr)
                continue
            dropped = ", ".join(f"{k} {v}" for k, v in f["dropped"].items()) or "nothing"
            name = printable(f["name"])
            encoding = f"  ({f['encoding']})" if f.get("encoding") else ""
            line = f"{f['status']:9} {name}  v{f['version']}  {f['chunks']} chunks  dropped: {dropped}"
            print(line + encoding)
            for warning in f["warnings"]:
                print(f"warning: {printable(warning)}", file=sys.stderr)
        index = report.get("index")
        ok = len(report["files"]) - len(errors) - len(skipped)
        print(
            f"{ok} ingested, {len(errors)} failed"
            + (f", {len(skipped)} skipped" if skipped else "")
            + f" in {report['seconds']:.1f}s"
            + (f"; index {index['snapshot']}: {index['live']} chunks ({index['added']} new)" if index else "")
        )
    return 1 if errors else 0


def _print_response(response) -> None:
    took = f"{response.elapsed_ms:.1f} ms, 可信度 {response.confidence:.2f}"
    print(f"查询: {printable(response.query)}  ({took})")
    if response.truncated:
        print(f"查询超过 {len(response.query)} 个字，只搜索了前 {len(response.query)} 个字 (query cut)")
    if response.off_topic:
        print("问题与客服工作无关 (off-topic): no answer")
    elif not response.answered:
        print("没有可信的答案 (no confident answer); closest passages:")
    if not response.answered and response.verdict:
        for reason in response.verdict.reasons:
            print(f"  · {reason}")
    for i, r in enumerate(response.results, 1):
        chain = " > ".join(r.headings)
        snippet = re.sub(r"</?mark>", "**", r.snippet)
        print(f"\n{i}. [{printable(r.document)}] {printable(chain)}")
        print(f"   {printable(snippet, multiline=True)}")
        print(
            f"   score {r.score:.4f}  dense {r.dense_score} (#{r.dense_rank}, raw {r.raw_dense_score})"
            f"  bm25 {r.bm25_score} (#{r.bm25_rank})"
        )


def search(args, settings) -> int:
    options = {"k": args.k, "documents": args.doc or None, "tags": args.tag or None, "leg": args.leg}
    with _playbook(settings) as playbook:
        if args.query is None:
            for line in sys.stdin:
                if line.strip():
                    response = playbook.search(line.strip(), log=True, **options)
                    print_json(response.as_json())
            return 0
        response = playbook.search(args.query, log=True, **options)
    if args.json:
        print_json(response.as_json())
    else:
        _print_response(response)
    return 0


def docs(args, settings) -> int:
    with _playbook(settings) as playbook:
        documents = playbook.kb.documents()
    if args.json:
        print_json([asdict(d) for d in documents], indent=2)
        return 0
    if not documents:
        print("no documents yet: python app.py ingest PATH")
    for d in documents:
        dropped = sum(d.report.get("dropped", {}).values())
        name = printable(d.name)
        print(f"{d.id:4}  {name}  v{d.version}  {d.chunk_count} chunks  {dropped} dropped  ({d.encoding})")
    return 0


def remove(args, settings) -> int:
    try:
        doc = _kb(settings).remove(args.doc)
    except KeyError as exc:
        raise CommandError(exc.args[0]) from None
    print(f"removed {printable(doc.name)} (v{doc.version}, {doc.chunk_count} chunks)")
    playbook = Playbook(settings, foreground=True)
    try:
        flagged = playbook.review_bank_sources()["flagged"]  # questions drawn from it need a look
    finally:
        playbook.close()
    if flagged:
        print(f"flagged {flagged} question bank entries for review (quiz bank list --review)")
    return 0


def reindex(args, settings) -> int:
    summary = _foreground_job(settings, lambda playbook: playbook.start_reindex(started_by="cli")).result
    print(f"index {summary['snapshot']}: {summary['live']} chunks, kind {summary['index_kind']}")
    return 0
