"""Quiz commands: generate, list, show, edit, drop, publish, export, attempt, analyse."""

from __future__ import annotations

import json
from pathlib import Path

from cli import CommandError, quiz_bank_commands


def register(sub) -> None:
    quiz = sub.add_parser("quiz", help="generate, review, publish and export quizzes; analyse attempts")
    qsub = quiz.add_subparsers(dest="quiz_command", required=True, metavar="QUIZ_COMMAND")

    p = qsub.add_parser("generate", help="generate a draft quiz from a topic or documents")
    p.add_argument("--topic", help='a search query, e.g. "退换货" (combine with --doc to search only those)')
    p.add_argument("--doc", action="append", default=[], help="only this document (repeatable)")
    p.add_argument("-n", type=int, default=10, help="number of questions (default 10)")
    p.add_argument(
        "--types",
        default="single,tf,cloze,scenario",
        help="comma-separated: single,tf,cloze,scenario (default all)",
    )
    p.add_argument("--seed", type=int, help="random seed (default: the quiz_seed setting)")
    p.add_argument("--title", help="quiz title")
    p.add_argument("--out", help="also export to this file (format from the extension)")
    p.add_argument("--format", help="export format: gift, xml, xlsx, csv, json")
    p.add_argument("--json", action="store_true", help="print the quiz as JSON")
    p.set_defaults(func=generate)

    p = qsub.add_parser("list", help="list quizzes")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=list_command)

    p = qsub.add_parser("show", help="print a quiz with answers and sources")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=show)

    p = qsub.add_parser("edit", help="edit a question of a draft")
    p.add_argument("question_id", type=int, metavar="QUESTION_ID")
    p.add_argument("--stem")
    p.add_argument("--option", action="append", help="replace all options (repeat, in order)")
    p.add_argument("--answer")
    p.add_argument("--explanation")
    p.set_defaults(func=edit)

    p = qsub.add_parser("drop", help="delete a question from a draft")
    p.add_argument("question_id", type=int, metavar="QUESTION_ID")
    p.set_defaults(func=drop)

    p = qsub.add_parser("publish", help="freeze a draft so it can be taken")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.set_defaults(func=publish)

    p = qsub.add_parser("export", help="export a quiz (GIFT, Moodle XML, XLSX, CSV, JSON)")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--out", required=True, help="output file (format from the extension)")
    p.add_argument("--format", help="export format, overrides the extension")
    p.set_defaults(func=export)

    p = qsub.add_parser("attempt", help="record and grade one attempt at a published quiz")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--taker", required=True)
    p.add_argument(
        "--answers", required=True, help='responses in question order, separated by "|", e.g. "A|正确|7天|C"'
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=attempt)

    p = qsub.add_parser("analyse", aliases=["analyze"], help="item analysis of a quiz's attempts")
    p.add_argument("quiz_id", type=int, metavar="QUIZ_ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=analyse)
    quiz_bank_commands.register(qsub)


def _conn(settings):
    from common.db import open_database

    return open_database(settings)


def _quiz(conn, quiz_id):
    from quiz import QuizError, get_quiz

    try:
        return get_quiz(conn, quiz_id)
    except QuizError as exc:
        raise CommandError(str(exc)) from None


def _write_export(quiz, out: str, fmt: str | None) -> str:
    from quiz import export_quiz, format_for_path

    try:
        fmt = fmt or format_for_path(out)
        data, _, _ = export_quiz(quiz, fmt)
    except (ValueError, ImportError) as exc:
        raise CommandError(str(exc)) from None
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"wrote {path} ({fmt}, {len(quiz.questions)} questions)"


def _print_quiz(quiz) -> None:
    from quiz.models import LETTERS

    print(f"#{quiz.id}  {quiz.title}  [{quiz.status}]  {len(quiz.questions)} 题  seed {quiz.seed}")
    for note in quiz.notes:
        print(f"注意: {note}")
    for q in quiz.questions:
        print(f"\n{q.position}. [{q.as_dict()['type_label']} · {q.difficulty_label} · id {q.id}] {q.stem}")
        if q.type != "cloze":
            for letter, option in zip(LETTERS, q.options, strict=False):
                print(f"   {letter}. {option}")
        print(f"   答案: {q.answer_letter or q.answer}")
        print(f"   解析: {q.explanation}")


def generate(args, settings) -> int:
    from index.snapshot import IndexMismatch
    from kb.knowledge_base import KnowledgeBase
    from quiz import generate_quiz

    types = [t.strip() for t in args.types.split(",") if t.strip()]
    seed = settings.quiz_seed if args.seed is None else args.seed
    if args.format and not args.out:
        raise CommandError("--format needs --out")
    try:
        kb = KnowledgeBase(settings)
        quiz = generate_quiz(
            kb,
            topic=args.topic,
            documents=args.doc or None,
            n=args.n,
            types=types,
            seed=seed,
            title=args.title,
        )
    except (ValueError, ImportError, FileNotFoundError, IndexMismatch) as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(quiz.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_quiz(quiz)
    if args.out:
        print(_write_export(quiz, args.out, args.format))
    return 0


def list_command(args, settings) -> int:
    from quiz import list_quizzes

    rows = list_quizzes(_conn(settings))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print('no quizzes yet: python app.py quiz generate --topic "退换货"')
    for r in rows:
        print(f"{r['id']:4}  {r['status']:9}  {r['questions']:3} 题  {r['attempts']:3} 次作答  {r['title']}")
    return 0


def show(args, settings) -> int:
    quiz = _quiz(_conn(settings), args.quiz_id)
    if args.json:
        print(json.dumps(quiz.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_quiz(quiz)
    return 0


def edit(args, settings) -> int:
    from quiz import QuizError, update_question

    fields = {
        k: v
        for k, v in (
            ("stem", args.stem),
            ("options", args.option),
            ("answer", args.answer),
            ("explanation", args.explanation),
        )
        if v is not None
    }
    if not fields:
        raise CommandError("nothing to change: give --stem, --option, --answer or --explanation")
    conn = _conn(settings)
    if fields.get("answer") and len(fields["answer"]) == 1 and fields["answer"].upper() in "ABCD":
        row = conn.execute("SELECT options FROM quiz_questions WHERE id = ?", (args.question_id,)).fetchone()
        options = fields.get("options") or (json.loads(row["options"]) if row else [])
        index = "ABCD".index(fields["answer"].upper())
        if index < len(options):
            fields["answer"] = options[index]
    try:
        question = update_question(conn, args.question_id, **fields)
    except (QuizError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(f"updated question {question.id}: {question.stem}")
    return 0


def drop(args, settings) -> int:
    from quiz import QuizError, delete_question

    try:
        delete_question(_conn(settings), args.question_id)
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    print(f"deleted question {args.question_id}")
    return 0


def publish(args, settings) -> int:
    from quiz import QuizError, publish_quiz

    try:
        quiz = publish_quiz(_conn(settings), args.quiz_id)
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    print(f"published quiz {quiz.id} ({len(quiz.questions)} questions)")
    return 0


def export(args, settings) -> int:
    print(_write_export(_quiz(_conn(settings), args.quiz_id), args.out, args.format))
    return 0


def attempt(args, settings) -> int:
    from quiz import QuizError, record_attempt

    responses = [r.strip() for r in args.answers.split("|")]
    try:
        result = record_attempt(
            _conn(settings), args.quiz_id, args.taker, {str(i): r for i, r in enumerate(responses, 1)}
        )
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        for item in result["items"]:
            mark = "✓" if item["correct"] else "✗"
            print(f"{item['position']:3}. {mark}  作答: {item['response'] or '—'}  答案: {item['answer']}")
        print(f"{result['taker']}: {result['score']}/{result['total']} ({result['percent']}%)")
    return 0


def analyse(args, settings) -> int:
    from quiz import item_analysis
    from quiz.analysis import FLAG_LABELS

    conn = _conn(settings)
    quiz = _quiz(conn, args.quiz_id)
    stats = item_analysis(conn, quiz.id)
    if args.json:
        print(json.dumps([s.as_dict() for s in stats], ensure_ascii=False, indent=2))
        return 0
    attempts = stats[0].attempts if stats else 0
    print(f"#{quiz.id} {quiz.title}: {attempts} attempts")
    print("题号  难度(答对率)  区分度(27%)  点二列相关  提示")

    def fmt(value):
        return "   —" if value is None else f"{value:5.2f}"

    for s in stats:
        flags = "；".join(FLAG_LABELS.get(f, f) for f in s.flags)
        print(
            f"{s.position:4}  {fmt(s.facility):>12}  {fmt(s.discrimination):>11}"
            f"  {fmt(s.point_biserial):>10}  {flags}"
        )
    return 0
