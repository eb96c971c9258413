"""Quiz commands for delivery and the question bank.

``quiz settings|assign|results|copy|unpublish|delete`` and ``quiz bank
list|accept|reject|reopen|import|export|fill|assemble|review|stats``. The quiz
package (numerals, generation) is imported when a command runs, so ``--help`` stays instant.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from cli import CommandError


def register(qsub) -> None:
    p = qsub.add_parser(
        "settings", help="how a quiz is taken: shuffle, time limit, attempts, dates, pass mark"
    )
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--shuffle-options", action="store_true", default=None)
    p.add_argument("--no-shuffle-options", dest="shuffle_options", action="store_false")
    p.add_argument("--shuffle-questions", action="store_true", default=None)
    p.add_argument("--no-shuffle-questions", dest="shuffle_questions", action="store_false")
    p.add_argument("--time-limit", type=int, dest="time_limit_minutes", help="minutes, 0 for none")
    p.add_argument(
        "--attempts", type=int, dest="attempts_allowed", help="attempts per taker, 0 for unlimited"
    )
    p.add_argument("--pass", type=float, dest="pass_percent", help="pass mark in percent")
    p.add_argument("--opens", help='"YYYY-MM-DD HH:MM" (local time), "" to clear')
    p.add_argument("--closes", help='"YYYY-MM-DD HH:MM" (local time), "" to clear')
    p.add_argument("--show-answers", help="after_close, after_submit, after_last_attempt or never")
    p.set_defaults(func=settings_command)

    p = qsub.add_parser("assign", help="assign a quiz to users and/or roles (they see it as due)")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--user", action="append", default=[])
    p.add_argument("--role", action="append", default=[])
    p.add_argument("--due", help='"YYYY-MM-DD HH:MM" (local time)')
    p.set_defaults(func=assign_command)

    p = qsub.add_parser("results", help="results per agent and quiz statistics; --out writes XLSX or CSV")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--out", help="results.xlsx or results.csv")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=results_command)

    for name, help_text in (
        ("copy", "copy a quiz (published or not) to a new draft"),
        ("unpublish", "turn a published quiz nobody has taken back into a draft"),
        ("delete", "delete a quiz with its attempts"),
    ):
        p = qsub.add_parser(name, help=help_text)
        p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
        if name == "delete":
            p.add_argument("--yes", action="store_true", help="confirm: attempts are deleted too")
        p.set_defaults(func=lifecycle_command, action=name)

    bank = qsub.add_parser("bank", help="the question bank: triage candidates, import, export, assemble")
    bsub = bank.add_subparsers(dest="bank_command", required=True, metavar="BANK_COMMAND")
    p = bsub.add_parser("list", help="bank questions (default: candidates)")
    p.add_argument(
        "--status", default="candidate", help="candidate, accepted, edited, rejected, usable or all"
    )
    p.add_argument("--topic")
    p.add_argument("--kind")
    p.add_argument("--doc")
    p.add_argument("--type")
    p.add_argument("--review", action="store_true", help="only questions flagged for review")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=bank_list)
    for name in ("accept", "reopen"):
        p = bsub.add_parser(name, help=f"{name} bank questions")
        p.add_argument("ids", type=int, nargs="+", metavar="ID")
        p.set_defaults(func=bank_decide, action=name)
    p = bsub.add_parser("reject", help="reject bank questions with a reason")
    p.add_argument("ids", type=int, nargs="+", metavar="ID")
    p.add_argument(
        "--reason", required=True, help="wrong_key, unclear, weak_distractors, trivial, duplicate, ..."
    )
    p.add_argument("--note", default="")
    p.set_defaults(func=bank_decide, action="reject")
    p = bsub.add_parser("import", help="import GIFT or Moodle XML questions as accepted")
    p.add_argument("file")
    p.add_argument("--topic", default="")
    p.set_defaults(func=bank_import)
    p = bsub.add_parser("export", help="export the bank (format from the extension)")
    p.add_argument("--out", required=True)
    p.add_argument("--status", help="only this status")
    p.set_defaults(func=bank_export)
    p = bsub.add_parser("fill", help="generate candidates into the bank")
    p.add_argument("--topic")
    p.add_argument("--doc", action="append", default=[])
    p.add_argument("-n", type=int, default=10)
    p.add_argument("--types", default="single,tf,cloze,scenario")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=bank_fill)
    p = bsub.add_parser("assemble", help="a draft quiz from accepted bank questions")
    p.add_argument("-n", type=int, default=10)
    p.add_argument("--topic")
    p.add_argument("--kind", action="append", default=[])
    p.add_argument("--types", default="")
    p.add_argument("--difficulty", choices=("easy", "medium", "hard"))
    p.add_argument("--title")
    p.set_defaults(func=bank_assemble)
    p = bsub.add_parser("review", help="flag questions whose source changed or vanished")
    p.set_defaults(func=bank_review)
    p = bsub.add_parser("stats", help="rejections per kind of fact")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=bank_stats)


def _conn(settings):
    from common.db import open_database

    return open_database(settings)


def _time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace(" ", "T")).timestamp()
    except ValueError:
        raise CommandError(f"时间格式不对：{text!r}（例如 2026-12-31 18:00）") from None


def settings_command(args, settings) -> int:
    from quiz import QuizError, delivery_of, set_delivery, set_show_answers

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
    from quiz import QuizError, assign

    try:
        rows = assign(_conn(settings), args.quiz_id, users=args.user, roles=args.role, due_at=_time(args.due))
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    for r in rows:
        print(f"{r['target_kind']:5} {r['target']}  due {r['due_at'] or '—'}")
    return 0


def results_command(args, settings) -> int:
    from quiz import QuizError, get_quiz, quiz_attempts, quiz_report
    from service.quiz_results import export_results, per_agent

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
    from quiz import QuizError, copy_to_draft, delete_quiz, unpublish_quiz

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
    from quiz.bank import list_bank

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
    from quiz import QuizError
    from quiz.bank import decide

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
    from quiz import QuizError
    from quiz.bank_transfer import import_questions

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
    from quiz import format_for_path
    from quiz.bank_transfer import export_bank

    try:
        content, _, _ = export_bank(_conn(settings), format_for_path(args.out), status=args.status)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    Path(args.out).write_bytes(content)
    print(f"wrote {args.out}")
    return 0


def bank_fill(args, settings) -> int:
    from service.playbook import Playbook

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
    from quiz import QuizError
    from quiz.bank_assembly import assemble

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
    from service.playbook import Playbook

    playbook = Playbook(settings, foreground=True)
    try:
        result = playbook.review_bank_sources()
    finally:
        playbook.close()
    print(f"flagged {result['flagged']} questions for review; {result['updated']} kept under a newer version")
    return 0


def bank_stats(args, settings) -> int:
    from quiz.bank import rejection_counts

    counts = rejection_counts(_conn(settings))
    if args.json:
        print(json.dumps(counts, ensure_ascii=False, indent=2))
        return 0
    for kind, c in counts.items():
        reasons = "、".join(f"{label} {n}" for label, n in c["reasons"].items())
        print(f"{kind}: {c['rejected']}/{c['total']} rejected  {reasons}")
    return 0
