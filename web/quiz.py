"""Trainers build, review, publish and export quizzes; anyone signed in takes one by its share link."""

from __future__ import annotations

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
    QUESTION_TYPES,
    SHOW_ANSWERS,
    TYPE_LABELS,
    Question,
    QuizError,
    add_question,
    close_quiz,
    delete_question,
    export_quiz,
    get_quiz,
    item_analysis,
    latest_attempt,
    list_attempts,
    list_quizzes,
    publish_quiz,
    record_attempt,
    set_show_answers,
    taker_view,
    update_question,
)
from web.auth import login_required, role_required
from web.extensions import db, kb, playbook

bp = Blueprint("quiz", __name__, url_prefix="/quiz")

FORMAT_LABELS = {
    "gift": "GIFT（Moodle 文本）",
    "xml": "Moodle XML",
    "xlsx": "Excel",
    "csv": "CSV",
    "json": "JSON",
}
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


@bp.get("/<int:quiz_id>")
@role_required("trainer")
def review(quiz_id: int):
    quiz = load_quiz(quiz_id)
    link = (
        url_for("quiz.take", token=share_token(quiz.id), _external=True)
        if quiz.status == "published"
        else None
    )
    return render_template("quiz/review.html", quiz=quiz, link=link, formats=FORMAT_LABELS,
                           types=QUESTION_TYPES, type_labels=TYPE_LABELS,
                           show_labels=SHOW_ANSWERS)  # fmt: skip


@bp.post("/<int:quiz_id>/questions/<int:question_id>")
@role_required("trainer")
def edit_question(quiz_id: int, question_id: int):
    try:
        if request.form.get("action") == "delete":
            delete_question(db(), question_id)
            flash("已删除题目", "success")
        else:
            fields = {name: request.form.get(name, "").strip() for name in ("stem", "answer", "explanation")}
            if "options" in request.form:
                fields["options"] = parse_options(request.form["options"])
            update_question(db(), question_id, **fields)
            flash("已保存题目", "success")
    except QuizError as exc:
        flash(f"未保存：{exc}", "error")
    return redirect(url_for("quiz.review", quiz_id=quiz_id) + f"#q{question_id}")


@bp.post("/<int:quiz_id>/questions")
@role_required("trainer")
def add(quiz_id: int):
    try:
        question = Question(type=request.form.get("type", "single"),
                            stem=request.form.get("stem", "").strip(),
                            options=parse_options(request.form.get("options", "")),
                            answer=request.form.get("answer", "").strip(),
                            explanation=request.form.get("explanation", "").strip())  # fmt: skip
        add_question(db(), quiz_id, question)
        flash("已添加题目", "success")
    except (QuizError, ValueError) as exc:
        flash(f"未添加：{exc}", "error")
    return redirect(url_for("quiz.review", quiz_id=quiz_id))


@bp.post("/<int:quiz_id>/publish")
@role_required("trainer")
def publish(quiz_id: int):
    try:
        publish_quiz(db(), quiz_id)
        flash("已发布：把下面的链接发给客服即可参加测验", "success")
    except QuizError as exc:
        flash(f"无法发布：{exc}", "error")
    return redirect(url_for("quiz.review", quiz_id=quiz_id))


@bp.post("/<int:quiz_id>/settings")
@role_required("trainer")
def quiz_settings(quiz_id: int):
    try:
        if request.form.get("action") == "close":
            close_quiz(db(), quiz_id)
            flash("测验已关闭，不再接受答卷", "success")
        else:
            set_show_answers(db(), quiz_id, request.form.get("show_answers", ""))
            flash("已保存答案显示方式", "success")
    except QuizError as exc:
        flash(f"未保存：{exc}", "error")
    return redirect(url_for("quiz.review", quiz_id=quiz_id))


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
    stats = {s.question_id: s for s in item_analysis(db(), quiz_id)} if quiz.status == "published" else {}
    return render_template("quiz/results.html", quiz=quiz, attempts=list_attempts(db(), quiz_id), stats=stats)


# --- taking a quiz (any signed-in user) ---------------------------------------------------------


@bp.get("/mine")
@login_required
def mine():
    published = [q for q in list_quizzes(db()) if q["status"] == "published"]
    for item in published:
        item["token"] = share_token(item["id"])
    return render_template("quiz/mine.html", quizzes=published)


@bp.route("/take/<token>", methods=["GET", "POST"])
@login_required
def take(token: str):
    quiz = load_quiz(quiz_from_token(token))
    if quiz.status != "published":
        abort(404)
    if request.method == "POST":
        answers = {str(q.id): request.form.get(f"q{q.id}", "") for q in quiz.questions}
        try:
            result = taker_view(quiz, record_attempt(db(), quiz.id, g.user.username, answers))
        except QuizError as exc:
            flash(str(exc), "error")
            return redirect(request.path)
        return _render_attempt(quiz, result)
    if quiz.closed_at is not None:
        # A closed quiz takes no attempts; its takers may look back at their latest one.
        latest = latest_attempt(db(), quiz.id, g.user.username)
        return _render_attempt(quiz, taker_view(quiz, latest) if latest else None)
    return _render_attempt(quiz, None)


def _render_attempt(quiz, result: dict | None):
    by_id = {item["question_id"]: item for item in result["items"]} if result else {}
    return render_template("quiz/take.html", quiz=quiz, result=result, by_id=by_id,
                           show_labels=SHOW_ANSWERS)  # fmt: skip
