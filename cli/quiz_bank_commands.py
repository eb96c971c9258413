"""Quiz commands for delivery and the question bank (declared in cli/parsers.py).

``quiz settings|assign|results|copy|unpublish|delete`` and ``quiz bank
list|accept|reject|reopen|import|export|fill|assemble|review|stats``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from cli import CommandError
from common.db import open_database
from quiz import (
    QuizError,
    assign,
    copy_to_draft,
    delete_quiz,
    delivery_of,
    format_for_path,
    get_quiz,
    quiz_attempts,
    quiz_report,
    set_delivery,
    set_show_answers,
    unpublish_quiz,
)
from quiz.bank import decide, list_bank, rejection_counts
from quiz.bank_assembly import assemble
from quiz.bank_transfer import export_bank, import_questions
from service.playbook import Playbook
from service.quiz_results import export_results, per_agent


def _conn(settings):
    return open_database(settings)


def _time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace(" ", "T")).timestamp()
    except ValueError:
        raise CommandError(f"时间格式不对：{text!r}（例如 2026-12-31 18:00）") from None


def settings_command(args, settings) -> int:
    fields = {
        name: getattr(args, name)
        for name in (
            "shuffle_options",
            "shuffle_questions",
            "time_limit_minutes",
            "attempts_allowed",
            "pass_percent",
        )
        if getattr(args, name) is not None
    }
    for name, value in (("opens_at", args.opens), ("closes_at", args.closes)):
        if value is not None:
            fields[name] = _time(value)
    conn = _conn(settings)
    try:
        if args.show_answers:
            set_show_answers(conn, args.quiz_id, args.show_answers)
        quiz = set_delivery(conn, args.quiz_id, **fields)
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    print(json.dumps({**delivery_of(quiz), "show_answers": quiz.show_answers}, ensure_ascii=False))
    return 0


def assign_command(args, settings) -> int:
    try:
        rows = assign(_conn(settings), args.quiz_id, users=args.user, roles=args.role, due_at=_time(args.due))
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    for r in rows:
        print(f"{r['target_kind']:5} {r['target']}  due {r['due_at'] or '—'}")
    return 0


def results_command(args, settings) -> int:
    conn = _conn(settings)
    try:
        quiz = get_quiz(conn, args.quiz_id)
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    agents = per_agent(quiz_attempts(conn, quiz.id))
    report = quiz_report(conn, quiz.id)
    if args.out:
        fmt = Path(args.out).suffix.lower().lstrip(".")
        if fmt not in ("xlsx", "csv"):
            raise CommandError(f"{args.out}: results are written as .xlsx or .csv")
        content, _, _ = export_results(conn, quiz.id, fmt)
        Path(args.out).write_bytes(content)
        print(f"wrote {args.out}")
    if args.json:
        print(json.dumps({"agents": agents, "statistics": report.as_dict()}, ensure_ascii=False, indent=2))
        return 0
    print(
        f"#{quiz.id} {quiz.title}: {report.attempts} attempts, "
        f"mean {report.mean_percent}%, KR-20 {report.kr20}"
    )
    for a in agents:
        print(
            f"  {a['taker']:12} {a['attempts']:3} 次  最高 {a['best']}%  "
            f"{'及格' if a['passed'] else '不及格'}"
        )
    return 0


def lifecycle_command(args, settings) -> int:
    conn = _conn(settings)
    try:
        if args.action == "copy":
            print(f"copied to draft {copy_to_draft(conn, args.quiz_id).id}")
        elif args.action == "unpublish":
            unpublish_quiz(conn, args.quiz_id)
            print(f"quiz {args.quiz_id} is a draft again")
        else:
            if not args.yes:
                raise CommandError("删除测验会同时删除全部作答记录：确认请加 --yes")
            delete_quiz(conn, args.quiz_id)
            print(f"deleted quiz {args.quiz_id}")
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    return 0


def bank_list(args, settings) -> int:
    status = None if args.status == "all" else args.status
    entries = list_bank(_conn(settings), status=status, topic=args.topic,
                        kind=args.kind, document=args.doc, qtype=args.type,
                        review=True if args.review else None)  # fmt: skip
    if args.json:
        rows = [{**e, "question": e["question"].as_dict()} for e in entries]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for e in entries:
        q = e["question"]
        flag = f"  ⚠ {e['review']}" if e["review"] else ""
        print(
            f"{e['id']:5}  {e['status_label']:5}  {q.as_dict()['type_label']}  {e['fact_kind']}"
            f"  {q.stem}{flag}"
        )
        print(f"       答案: {q.answer_letter or q.answer}   出处: {q.source.label()}")
    if not entries:
        print("no bank questions match")
    return 0


def bank_decide(args, settings) -> int:
    conn = _conn(settings)
    try:
        for entry_id in args.ids:
            entry = decide(
                conn, entry_id, args.action, getattr(args, "reason", ""), getattr(args, "note", "")
            )
            print(f"{entry['id']}: {entry['status_label']}")
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    return 0


def bank_import(args, settings) -> int:
    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"{path}: 文件不存在")
    try:
        result = import_questions(_conn(settings), path.read_bytes(), path.name, topic=args.topic)
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    print(f"imported {result['added']} questions ({result['skipped']} already in the bank)")
    for problem in result["problems"]:
        print(f"skipped: {problem}")
    return 1 if result["problems"] else 0


def bank_export(args, settings) -> int:
    try:
        content, _, _ = export_bank(_conn(settings), format_for_path(args.out), status=args.status)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    Path(args.out).write_bytes(content)
    print(f"wrote {args.out}")
    return 0


def bank_fill(args, settings) -> int:
    playbook = Playbook(settings, foreground=True)
    types = [t.strip() for t in args.types.split(",") if t.strip()]
    try:
        job = playbook.start_bank_fill("cli", topic=args.topic, documents=args.doc or None, n=args.n,
                                       types=types,
                                       seed=args.seed)  # fmt: skip
        job = playbook.jobs.get(job.id)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    finally:
        playbook.close()
    if job.status != "done":
        raise CommandError(job.error or "generation failed")
    print(f"added {job.result['added']} candidates ({job.result['skipped']} already in the bank)")
    return 0


def bank_assemble(args, settings) -> int:
    types = [t.strip() for t in args.types.split(",") if t.strip()] or None
    try:
        quiz, missing = assemble(_conn(settings), args.n, topic=args.topic, kinds=args.kind or None,
                                 types=types,
                                 difficulty=args.difficulty, title=args.title)  # fmt: skip
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    print(
        f"draft quiz {quiz.id}: {len(quiz.questions)} questions"
        + (f" ({missing} missing)" if missing else "")
    )
    return 0


def bank_review(args, settings) -> int:
    playbook = Playbook(settings, foreground=True)
    try:
        result = playbook.review_bank_sources()
    finally:
        playbook.close()
    print(f"flagged {result['flagged']} questions for review; {result['updated']} kept under a newer version")
    return 0


def bank_stats(args, settings) -> int:
    counts = rejection_counts(_conn(settings))
    if args.json:
        print(json.dumps(counts, ensure_ascii=False, indent=2))
        return 0
    for kind, c in counts.items():
        reasons = "、".join(f"{label} {n}" for label, n in c["reasons"].items())
        print(f"{kind}: {c['rejected']}/{c['total']} rejected  {reasons}")
    return 0
