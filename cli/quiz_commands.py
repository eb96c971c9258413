"""Quiz commands: generate, list, show, edit, drop, publish, export, attempt, analyse."""

from __future__ import annotations

import json
from pathlib import Path

from cli import CommandError
from common.db import open_database
from index.snapshot import IndexMismatch
from kb.knowledge_base import KnowledgeBase
from quiz import (
    KIND_LABELS,
    KINDS,
    QuizError,
    delete_question,
    export_quiz,
    format_for_path,
    generate_quiz,
    get_quiz,
    item_analysis,
    list_quizzes,
    publish_quiz,
    record_attempt,
    update_question,
)
from quiz.analysis import FLAG_LABELS
from quiz.models import LETTERS
from service.playbook import Playbook


def _conn(settings):
    return open_database(settings)


def _quiz(conn, quiz_id):
    try:
        return get_quiz(conn, quiz_id)
    except QuizError as exc:
        raise CommandError(str(exc)) from None


def _write_export(quiz, out: str, fmt: str | None) -> str:
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


def facts_command(args, settings) -> int:
    """``quiz facts``: each fact with its kind, key, source and confidence; ``--why`` adds stage counts."""
    if args.kind and args.kind not in KINDS:
        raise CommandError(f"--kind 必须是 {' / '.join(KINDS)} 之一")
    playbook = Playbook(settings, foreground=True)
    try:
        found = playbook.quiz_facts(args.doc or None)
    finally:
        playbook.close()
    if args.doc and not found.facts and not found.passages:
        raise CommandError(f"知识库中没有文档 {'、'.join(args.doc)}（见 `python app.py docs`）")
    facts = [f for f in found.facts if not args.kind or f.kind == args.kind]
    if args.json:
        data = {"facts": [f.as_dict() for f in facts]}
        if args.why:
            data["not_used"] = found.report.as_dict()
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for fact in facts:
        where = " > ".join([fact.title or fact.document, *fact.headings[-2:]])
        print(f"[{KIND_LABELS[fact.kind]}] {fact.key}  (置信度 {fact.confidence:.1f}, id {fact.id})")
        print(f"    {fact.sentence}")
        print(f"    出处：{where}")
    counts = {kind: sum(f.kind == kind for f in facts) for kind in KINDS}
    summary = "，".join(f"{KIND_LABELS[k]} {n}" for k, n in counts.items() if n)
    print(f"\n共 {len(facts)} 个事实（{summary or '无'}）", end="")
    print(f"；{found.passages} 段资料，本次新提取 {found.extracted} 段。")
    if args.why:
        print("\n未用于出题的句子（按筛选阶段）：")
        for stage, count in sorted(found.report.rejected.items(), key=lambda item: -item[1]):
            print(f"  {count:5d}  {stage}")
            for example in found.report.examples.get(stage, [])[:3]:
                print(f"         例：{example}")
    return 0


def list_command(args, settings) -> int:
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
    try:
        delete_question(_conn(settings), args.question_id)
    except QuizError as exc:
        raise CommandError(str(exc)) from None
    print(f"deleted question {args.question_id}")
    return 0


def publish(args, settings) -> int:
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
