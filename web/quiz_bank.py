"""The question bank in the browser: triage candidates by keyboard, assemble quizzes, import, export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, url_for

from quiz import ALL_TYPES, QUESTION_TYPES, TYPE_LABELS, QuizError, bank_assembly, bank_transfer
from quiz import bank as question_bank
from quiz.facts import KIND_LABELS
from web.auth import role_required
from web.extensions import db, kb, playbook
from web.quiz import FORMAT_LABELS, parse_options

bp = Blueprint("bank", __name__, url_prefix="/quiz/bank")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_FILL = 50
MAX_SHOWN = 200  # a page of questions to triage; filters narrow the rest


def _filters() -> dict:
    args = request.args
    return {
        "status": args.get("status", "candidate") or None,
        "topic": args.get("topic") or None,
        "kind": args.get("kind") or None,
        "document": args.get("document") or None,
        "qtype": args.get("type") or None,
    }


@bp.get("/")
@role_required("trainer")
def index():
    filters = _filters()
    if filters["status"] == "all":
        filters["status"] = None
    review = request.args.get("review") == "1"
    entries = question_bank.list_bank(db(), **filters, review=True if review else None)
    total, entries = len(entries), entries[:MAX_SHOWN]
    return render_template("quiz/bank.html", entries=entries, total=total, filters=filters, review=review,
                           facets=question_bank.facets(db()), counts=question_bank.rejection_counts(db()),
                           reasons=question_bank.REJECT_REASONS, statuses=question_bank.STATUS_LABELS,
                           type_labels=TYPE_LABELS, types=ALL_TYPES, generated_types=QUESTION_TYPES,
                           difficulties=bank_assembly.DIFFICULTY_LABELS, formats=FORMAT_LABELS,
                           documents=kb().documents(), kind_labels=KIND_LABELS)  # fmt: skip


def _answer(entry: dict, status: int = 200):
    q = entry["question"]
    return jsonify({"id": entry["id"], "status": entry["status"], "status_label": entry["status_label"],
                    "reject_label": entry["reject_label"] if entry["status"] == "rejected" else "",
                    "review": entry["review"], "question": q.as_dict()}), status  # fmt: skip


def _refusal(message: str, status: int = 400):
    return jsonify({"error": {"message": message}}), status


@bp.post("/<int:entry_id>/decide")
@role_required("trainer")
def decide(entry_id: int):
    data = request.get_json(silent=True) or request.form
    try:
        action, reason, note = (str(data.get(name, "")) for name in ("action", "reason", "note"))
        entry = question_bank.decide(db(), entry_id, action, reason=reason, note=note, by=g.user.username)
    except QuizError as exc:
        return _refusal(str(exc), 404 if "没有编号" in str(exc) else 400)
    return _answer(entry)


@bp.post("/<int:entry_id>/edit")
@role_required("trainer")
def edit(entry_id: int):
    """Save an edited bank question; a refusal changes nothing and the page keeps what was typed."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return _refusal("请求须是 JSON 对象")
    fields = {}
    for name in ("stem", "answer", "explanation"):
        if name in data:
            fields[name] = str(data[name]).strip()
    for name in ("options", "accepted", "answers"):
        if name in data:
            value = data[name]
            fields[name] = parse_options(value) if isinstance(value, str) else [str(v).strip() for v in value]
    if "answers" in fields:
        fields["answer"] = "；".join(fields["answers"])
    try:
        entry = question_bank.edit_entry(db(), entry_id, by=g.user.username, **fields)
    except QuizError as exc:
        return _refusal(str(exc))
    return _answer(entry)


@bp.post("/<int:entry_id>/delete")
@role_required("trainer")
def delete(entry_id: int):
    try:
        question_bank.delete_entry(db(), entry_id)
        flash("已从题库删除", "success")
    except QuizError as exc:
        flash(str(exc), "error")
    return redirect(request.referrer or url_for("bank.index"))


@bp.post("/assemble")
@role_required("trainer")
def assemble():
    form = request.form
    try:
        count = min(max(int(form.get("count", "10") or 10), 1), MAX_FILL)
        quiz, missing = bank_assembly.assemble(db(), count, topic=form.get("topic") or None,
                                               kinds=form.getlist("kinds") or None,
                                               types=form.getlist("types") or None,
                                               difficulty=form.get("difficulty") or None,
                                               title=form.get("title", "").strip()[:100] or None)  # fmt: skip
    except (QuizError, ValueError) as exc:
        flash(f"无法组卷：{exc}", "error")
        return redirect(url_for("bank.index", status="usable"))
    if missing and form.get("fill_gap"):
        # Generate candidates for the gap; once triaged, 从题库补题 on the draft tops it up.
        flash(f"已保存草稿“{quiz.title}”（{len(quiz.questions)} 题），还差 {missing} 道：正在生成候选题，"
              "审核后在草稿页点“从题库补题”", "warning")  # fmt: skip
        types = [t for t in form.getlist("types") if t in QUESTION_TYPES] or list(QUESTION_TYPES)
        try:
            job = playbook().start_bank_fill(g.user.username, topic=form.get("topic") or None,
                                             n=min(missing * 2, MAX_FILL), types=types)  # fmt: skip
            return redirect(url_for("jobs.show", job_id=job.id))
        except ValueError as exc:
            flash(f"无法生成候选题：{exc}", "error")
    elif missing:
        flash(f"题库中符合条件的已采用题目不够，还差 {missing} 道：生成候选题并审核后，"
              "在草稿页点“从题库补题”", "warning")  # fmt: skip
    else:
        flash(f"已从题库组卷：{len(quiz.questions)} 题，检查后发布", "success")
    return redirect(url_for("quiz.review", quiz_id=quiz.id))


@bp.post("/top-up/<int:quiz_id>")
@role_required("trainer")
def top_up(quiz_id: int):
    """Append accepted bank questions the draft does not hold yet."""
    form = request.form
    try:
        count = min(max(int(form.get("count", "5") or 5), 1), MAX_FILL)
        added, missing = bank_assembly.add_from_bank(db(), quiz_id, count, topic=form.get("topic") or None,
                                                     types=form.getlist("types") or None)  # fmt: skip
    except (QuizError, ValueError) as exc:
        flash(f"未补题：{exc}", "error")
        return redirect(url_for("quiz.review", quiz_id=quiz_id))
    flash(
        f"已从题库补入 {added} 道" + (f"，还差 {missing} 道" if missing else ""),
        "warning" if missing else "success",
    )
    return redirect(url_for("quiz.review", quiz_id=quiz_id))


@bp.post("/fill")
@role_required("trainer")
def fill():
    """Generate candidates into the bank as a job (its page shows progress, then returns here)."""
    form = request.form
    types = [t for t in form.getlist("types") if t in QUESTION_TYPES] or list(QUESTION_TYPES)
    try:
        count = min(max(int(form.get("count", "10") or 10), 1), MAX_FILL)
        job = playbook().start_bank_fill(g.user.username, topic=form.get("topic", "").strip()[:100] or None,
                                         documents=form.getlist("documents") or None, n=count, types=types,
                                         seed=int(form.get("seed", "1") or 1))  # fmt: skip
    except ValueError as exc:
        flash(f"无法生成候选题：{exc}", "error")
        return redirect(url_for("bank.index"))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/import")
@role_required("trainer")
def import_file():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择要导入的 GIFT 或 Moodle XML 文件", "error")
        return redirect(url_for("bank.index"))
    data = upload.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        flash(f"{upload.filename}：文件超过 5 MB", "error")
        return redirect(url_for("bank.index"))
    try:
        result = bank_transfer.import_questions(
            db(), data, upload.filename, topic=request.form.get("topic", "")
        )
    except QuizError as exc:
        flash(f"未导入：{exc}", "error")
        return redirect(url_for("bank.index"))
    flash(f"已导入 {result['added']} 道题（{result['skipped']} 道已在题库中）", "success")
    for problem in result["problems"][:20]:
        flash(f"未导入：{problem}", "warning")
    return redirect(url_for("bank.index", status="accepted"))


@bp.get("/export/<fmt>")
@role_required("trainer")
def export(fmt: str):
    if fmt not in FORMAT_LABELS:
        abort(404)
    status = request.args.get("status") or None
    content, mimetype, filename = bank_transfer.export_bank(db(), fmt, status=status)
    return Response(
        content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
