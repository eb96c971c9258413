"""Trainers build, review, publish, assign and export quizzes; agents take them (web/quiz_take.py)."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeSerializer

from quiz import (
    ALL_TYPES,
    EXPLANATIONS,
    FLAG_LABELS,
    QUESTION_TYPES,
    SHOW_ANSWERS,
    TYPE_LABELS,
    Question,
    QuizError,
    add_question,
    assign,
    assignments,
    close_quiz,
    copy_to_draft,
    delete_question,
    delete_quiz,
    export_quiz,
    get_quiz,
    list_quizzes,
    publish_quiz,
    quiz_attempts,
    quiz_report,
    set_delivery,
    set_show_answers,
    unassign,
    unpublish_quiz,
    update_question,
)
from service.quiz_results import export_results, per_agent
from service.users import ROLES, list_users
from web.auth import role_required
from web.extensions import db, kb, playbook

bp = Blueprint("quiz", __name__, url_prefix="/quiz")

FORMAT_LABELS = {
    "gift": "GIFT（Moodle 文本）",
    "xml": "Moodle XML",
    "xlsx": "Excel",
    "csv": "CSV",
    "json": "JSON",
}
ROLE_LABELS = {"agent": "全体客服", "qa": "全体质检", "trainer": "全体培训师", "admin": "管理员"}
MAX_QUESTIONS = 50


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="kefu-quiz-share")


def share_token(quiz_id: int) -> str:
    """An unguessable link token for a quiz (ids are sequential; a signature is not)."""
    return _signer().dumps(quiz_id)


def quiz_from_token(token: str) -> int:
    try:
        return int(_signer().loads(token))
    except (BadSignature, ValueError, TypeError):
        abort(404)


def load_quiz(quiz_id: int):
    try:
        return get_quiz(db(), quiz_id)
    except QuizError:
        abort(404)


def parse_options(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_local_time(text: str) -> float | None:
    """A ``datetime-local`` field (server's local time) as a timestamp; '' is None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise QuizError(f"时间格式不对：{text!r}（例如 2026-12-31T18:00）") from None


def local_input(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%dT%H:%M") if ts else ""


def question_fields(form) -> dict:
    """The edited fields of a question form (stem, options, answer(s), alternatives, explanation)."""
    fields = {name: form.get(name, "").strip() for name in ("stem", "answer", "explanation")}
    if "options" in form:
        fields["options"] = parse_options(form["options"])
    if "accepted" in form:
        fields["accepted"] = parse_options(form["accepted"])
    if "answers" in form:
        fields["answers"] = parse_options(form["answers"])
        fields["answer"] = "；".join(fields["answers"])
    return fields


# --- trainers ------------------------------------------------------------------------------


@bp.get("/")
@role_required("trainer")
def index():
    return render_template("quiz/index.html", quizzes=list_quizzes(db()), documents=kb().documents(),
                           types=QUESTION_TYPES, type_labels=TYPE_LABELS)  # fmt: skip


@bp.post("/")
@role_required("trainer")
def build():
    topic = request.form.get("topic", "").strip()[:100] or None
    documents = request.form.getlist("documents") or None
    types = [t for t in request.form.getlist("types") if t in QUESTION_TYPES] or list(QUESTION_TYPES)
    count = min(max(request.form.get("count", 10, type=int) or 10, 1), MAX_QUESTIONS)
    seed = request.form.get("seed", 1, type=int) or 1
    title = request.form.get("title", "").strip()[:100] or None
    # Generation takes a while: a job, whose page shows its progress, then opens the draft.
    try:
        job = playbook().start_quiz(g.user.username, topic=topic, documents=documents, n=count, types=types,
                                    seed=seed, title=title)  # fmt: skip
    except ValueError as exc:
        flash(f"无法生成测验：{exc}", "error")
        return redirect(url_for("quiz.index"))
    return redirect(url_for("jobs.show", job_id=job.id))


def _render_review(quiz, kept: dict | None = None, status: int = 200):
    link = (
        url_for("quiz.take", token=share_token(quiz.id), _external=True)
        if quiz.status == "published"
        else None
    )
    people = [u for u in list_users(db()) if u["role"] != "admin"]
    return render_template("quiz/review.html", quiz=quiz, link=link, formats=FORMAT_LABELS,
                           types=ALL_TYPES, type_labels=TYPE_LABELS, show_labels=SHOW_ANSWERS,
                           kept=kept or {}, assigned=assignments(db(), quiz.id), people=people,
                           roles=[r for r in ROLES if r != "admin"], role_labels=ROLE_LABELS,
                           local_input=local_input), status  # fmt: skip


@bp.get("/<int:quiz_id>")
@role_required("trainer")
def review(quiz_id: int):
    return _render_review(load_quiz(quiz_id))


@bp.post("/<int:quiz_id>/questions/<int:question_id>")
@role_required("trainer")
def edit_question(quiz_id: int, question_id: int):
    if request.form.get("action") == "delete":
        try:
            delete_question(db(), question_id)
            flash("已删除题目", "success")
        except QuizError as exc:
            flash(f"未删除：{exc}", "error")
        return redirect(url_for("quiz.review", quiz_id=quiz_id))
    fields = question_fields(request.form)
    try:
        update_question(db(), question_id, **fields)
    except QuizError as exc:
        # Refused: the page comes back with what the trainer typed, not the stored question.
        flash(f"未保存：{exc}", "error")
        return _render_review(load_quiz(quiz_id), kept={question_id: fields}, status=400)
    flash("已保存题目", "success")
    return redirect(url_for("quiz.review", quiz_id=quiz_id) + f"#q{question_id}")


@bp.post("/<int:quiz_id>/questions")
@role_required("trainer")
def add(quiz_id: int):
    fields = question_fields(request.form)
    try:
        qtype = request.form.get("type", "single")
        answers = fields.pop("answers", [])
        if qtype == "multi":
            fields["answers"] = answers
        elif answers:  # the add form's one answer box serves every type
            fields["answer"] = answers[0]
        add_question(db(), quiz_id, Question(type=qtype, **fields))
        flash("已添加题目", "success")
    except (QuizError, ValueError) as exc:
        flash(f"未添加：{exc}", "error")
        return _render_review(load_quiz(quiz_id), kept={"new": {**fields, "type": request.form.get("type")}},
                              status=400)  # fmt: skip
    return redirect(url_for("quiz.review", quiz_id=quiz_id))


@bp.post("/<int:quiz_id>/publish")
@role_required("trainer")
def publish(quiz_id: int):
    try:
        publish_quiz(db(), quiz_id)
        flash("已发布：把下面的链接发给客服，或在“分配”里指定要参加的人", "success")
    except QuizError as exc:
        flash(f"无法发布：{exc}", "error")
    return redirect(url_for("quiz.review", quiz_id=quiz_id))


@bp.post("/<int:quiz_id>/lifecycle")
@role_required("trainer")
def lifecycle(quiz_id: int):
    """Copy to a draft, unpublish (no attempts yet) or delete the quiz."""
    action = request.form.get("action")
    try:
        if action == "copy":
            copy = copy_to_draft(db(), quiz_id)
            flash("已复制为新草稿，可以修改后再发布", "success")
            return redirect(url_for("quiz.review", quiz_id=copy.id))
        if action == "unpublish":
            unpublish_quiz(db(), quiz_id)
            flash("已撤回发布，测验回到草稿", "success")
        elif action == "delete":
            delete_quiz(db(), quiz_id)
            flash("已删除测验及其作答记录", "success")
            return redirect(url_for("quiz.index"))
        else:
            abort(400)
    except QuizError as exc:
        flash(str(exc), "error")
    return redirect(url_for("quiz.review", quiz_id=quiz_id))


@bp.post("/<int:quiz_id>/settings")
@role_required("trainer")
def quiz_settings(quiz_id: int):
    form = request.form
    try:
        if form.get("action") == "close":
            close_quiz(db(), quiz_id)
            flash("测验已关闭，不再接受答卷", "success")
        else:
            set_show_answers(db(), quiz_id, form.get("show_answers", ""))
            set_delivery(db(), quiz_id, shuffle_questions=bool(form.get("shuffle_questions")),
                         shuffle_options=bool(form.get("shuffle_options")),
                         time_limit_minutes=form.get("time_limit_minutes", "0") or 0,
                         attempts_allowed=form.get("attempts_allowed", "0") or 0,
                         pass_percent=form.get("pass_percent", "60") or 60,
                         opens_at=parse_local_time(form.get("opens_at", "")),
                         closes_at=parse_local_time(form.get("closes_at", "")))  # fmt: skip
            flash("已保存测验设置", "success")
    except QuizError as exc:
        flash(f"未保存：{exc}", "error")
    return redirect(url_for("quiz.review", quiz_id=quiz_id) + "#quiz-settings")


@bp.post("/<int:quiz_id>/assign")
@role_required("trainer")
def assign_quiz(quiz_id: int):
    try:
        if request.form.get("action") == "remove":
            unassign(db(), quiz_id, request.form.get("target_kind", ""), request.form.get("target", ""))
            flash("已取消分配", "success")
        else:
            assign(db(), quiz_id, users=request.form.getlist("users"), roles=request.form.getlist("roles"),
                   due_at=parse_local_time(request.form.get("due_at", "")),
                   assigned_by=g.user.username)  # fmt: skip
            flash("已分配：被分配的人会在“我的测验”里看到它和截止时间", "success")
    except QuizError as exc:
        flash(f"未分配：{exc}", "error")
    return redirect(url_for("quiz.review", quiz_id=quiz_id) + "#assign")


@bp.get("/<int:quiz_id>/export/<fmt>")
@role_required("trainer")
def export(quiz_id: int, fmt: str):
    if fmt not in FORMAT_LABELS:
        abort(404)
    content, mimetype, filename = export_quiz(load_quiz(quiz_id), fmt)
    return Response(
        content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.get("/<int:quiz_id>/results")
@role_required("trainer")
def results(quiz_id: int):
    quiz = load_quiz(quiz_id)
    attempts = quiz_attempts(db(), quiz_id)
    report = quiz_report(db(), quiz_id) if quiz.status == "published" else None
    stats = {s.question_id: s for s in report.items} if report else {}
    return render_template("quiz/results.html", quiz=quiz, attempts=attempts, agents=per_agent(attempts),
                           report=report, stats=stats, explanations=EXPLANATIONS,
                           flag_labels=FLAG_LABELS)  # fmt: skip


@bp.get("/<int:quiz_id>/results.<fmt>")
@role_required("trainer")
def export_results_view(quiz_id: int, fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    load_quiz(quiz_id)
    content, mimetype, filename = export_results(db(), quiz_id, fmt)
    return Response(
        content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
