"""QA staff's review loop pages: review a scorecard, agreement per rule, calibration, appeals, weekly samples.

Views parse the form, call ``playbook().reviews`` (qa.review.ReviewDesk) and render;
who may do what is checked there.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from qa.review import NotFound, ReviewError
from qa.sampling import SamplingPlan
from qa.store import get_run
from web.auth import role_required
from web.extensions import playbook
from web.transcript_view import build_bubbles, conversation_of, scorecard_bubbles

bp = Blueprint("review", __name__, url_prefix="/qa")

STATUS_LABELS = {"pass": "通过", "fail": "未通过", "na": "不适用"}
DECISION_LABELS = {"open": "待处理", "upheld": "维持原判", "overturned": "已改判", "opened": "提出申诉"}
ROLE_LABELS = {"customer": "顾客", "agent": "客服", "bot": "机器人", "system": "系统"}


@bp.before_request
@role_required("qa")
def guard():
    return None


def desk():
    return playbook().reviews


def _or_404(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except NotFound:
        abort(404)


def form_items(rules: list[dict], form) -> list[dict]:
    """Per-rule verdicts from a review form (``verdict-<id>``, ``comment-<id>``, ``message-<id>``)."""
    items = []
    for rule in rules:
        verdict = form.get(f"verdict-{rule['id']}")
        if not verdict:
            continue
        items.append(
            {
                "rule_id": rule["id"],
                "verdict": verdict,
                "comment": form.get(f"comment-{rule['id']}", ""),
                "message": form.get(f"message-{rule['id']}", ""),
            }
        )
    return items


def scorecard_page(scorecard_id: int, status: int = 200, form=None):
    """The scorecard with its final verdicts, the review form, review history and appeals."""
    card = _or_404(desk().scorecard, scorecard_id)
    run = get_run(desk().conn, card["run_id"])
    if run is None:
        abort(404)
    labels, bubbles = scorecard_bubbles(card, run)
    return render_template(
        "qa/scorecard.html",
        card=card,
        run=run,
        bubbles=bubbles,
        labels=labels,
        status_labels=STATUS_LABELS,
        decision_labels=DECISION_LABELS,
        role_labels=ROLE_LABELS,
        form=form or {},
    ), status


@bp.post("/scorecards/<int:scorecard_id>/review")
def review(scorecard_id: int):
    card = _or_404(desk().scorecard, scorecard_id)
    items = form_items(card["rules"], request.form)
    try:
        final = desk().review(scorecard_id, g.user.username, items)
    except ReviewError as exc:
        flash(f"复核未保存：{exc}", "error")
        return scorecard_page(scorecard_id, 400, request.form)
    flash(f"已保存复核：最终得分 {final['score']}（机器评分 {final['machine_score']}）", "success")
    next_url = request.form.get("next") or ""
    if next_url.startswith("/qa/assignments/"):
        return redirect(next_url)
    return redirect(url_for("qa.scorecard", scorecard_id=scorecard_id))


@bp.get("/runs/<int:run_id>/diff")
def run_diff(run_id: int):
    """What changed from run ``base`` to this run: conversations, rules, agents."""
    base = request.args.get("base", type=int)
    if base is None:
        abort(404)
    diff = _or_404(desk().compare_runs, base, run_id)
    return render_template("qa/diff.html", diff=diff, status_labels=STATUS_LABELS)


# --- agreement ---------------------------------------------------------------------------------


@bp.get("/agreement")
def agreement():
    run_id = request.args.get("run", type=int)
    try:
        since, until = request.args.get("since") or None, request.args.get("until") or None
        report = desk().agreement(run_id, since, until)
    except ReviewError as exc:
        flash(str(exc), "error")
        report, status = desk().agreement(run_id), 400
    else:
        status = 200
    return render_template("qa/agreement.html", report=report, status_labels=STATUS_LABELS), status


# --- appeals -----------------------------------------------------------------------------------


@bp.get("/appeals")
def appeals():
    status = request.args.get("status", "open")
    status = status if status in ("open", "upheld", "overturned") else None
    return render_template(
        "qa/appeals.html",
        appeals=desk().appeals(status),
        status=status,
        decision_labels=DECISION_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.post("/appeals/<int:appeal_id>/decision")
def decide(appeal_id: int):
    try:
        desk().decide_appeal(
            appeal_id,
            g.user.username,
            request.form.get("decision"),
            request.form.get("comment"),
            request.form.get("verdict") or None,
        )
    except NotFound:
        abort(404)
    except ReviewError as exc:
        flash(f"申诉未处理：{exc}", "error")
    else:
        flash(f"申诉 #{appeal_id} 已处理", "success")
    return redirect(url_for("review.appeals"))


# --- calibration -------------------------------------------------------------------------------


@bp.get("/calibrations")
def calibrations():
    return render_template("qa/calibrations.html", calibrations=desk().calibrations())


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.replace("，", ",").replace("、", ",").split(",") if n.strip()]


@bp.post("/calibrations")
def calibration_create():
    form = request.form
    ids = [int(x) for x in _names(form.get("scorecards", "")) if x.isdigit()]
    try:
        created = desk().create_calibration(
            form.get("name"),
            g.user.username,
            _names(form.get("reviewers", "")),
            scorecard_ids=ids or None,
            run_id=form.get("run", type=int),
            size=form.get("size", 5, type=int),
            seed=form.get("seed", 1, type=int),
        )
    except NotFound as exc:
        flash(f"校准未创建：{exc}", "error")
        return redirect(url_for("review.calibrations"))
    except ReviewError as exc:
        flash(f"校准未创建：{exc}", "error")
        return redirect(url_for("review.calibrations"))
    flash(f"已创建校准“{created['name']}”：{len(created['scorecards'])} 个对话", "success")
    return redirect(url_for("review.calibration", calibration_id=created["id"]))


@bp.get("/calibrations/<int:calibration_id>")
def calibration(calibration_id: int):
    view = _or_404(desk().calibration, calibration_id, g.user.username)
    return render_template("qa/calibration.html", c=view, status_labels=STATUS_LABELS)


@bp.route("/calibrations/<int:calibration_id>/cards/<int:scorecard_id>", methods=["GET", "POST"])
def calibration_card(calibration_id: int, scorecard_id: int):
    card = _or_404(desk().calibration_card, calibration_id, scorecard_id, g.user.username)
    status = 200
    if request.method == "POST":
        try:
            items = form_items(card["rules"], request.form)
            desk().judge(calibration_id, g.user.username, scorecard_id, items)
        except ReviewError as exc:
            flash(f"判定未保存：{exc}", "error")
            status = 400
        else:
            flash("判定已保存", "success")
            return redirect(url_for("review.calibration", calibration_id=calibration_id))
    run = get_run(desk().conn, card["run_id"])
    wanted = {"id": card["id"], "source": card["source"]}
    conversation = conversation_of(run["files"], wanted) if run else None
    bubbles = build_bubbles(conversation.messages, {"rules": []}) if conversation else None
    return render_template(
        "qa/calibration_card.html",
        card=card,
        calibration_id=calibration_id,
        bubbles=bubbles,
        status_labels=STATUS_LABELS,
        role_labels=ROLE_LABELS,
    ), status


# --- weekly sampling ---------------------------------------------------------------------------


@bp.get("/assignments")
def assignments():

    today = date.today()
    monday = today - timedelta(days=today.weekday() + 7)
    return render_template(
        "qa/assignments.html",
        assignments=desk().assignments(),
        default_start=monday.isoformat(),
        default_end=(monday + timedelta(days=6)).isoformat(),
    )


@bp.post("/assignments")
def assignment_create():
    form = request.form
    try:
        plan = SamplingPlan(
            random_per_agent=form.get("random", 3, type=int),
            lowest_per_agent=form.get("lowest", 1, type=int),
            critical=form.get("critical") == "on",
            seed=form.get("seed", 1, type=int),
        )
        created = desk().create_assignment(
            form.get("reviewer"), form.get("start"), form.get("end"), g.user.username, plan
        )
    except ReviewError as exc:
        flash(f"抽检任务未创建：{exc}", "error")
        return redirect(url_for("review.assignments"))
    flash(f"已为 {created['reviewer']} 抽取 {created['total']} 个对话", "success")
    return redirect(url_for("review.assignment", assignment_id=created["id"]))


@bp.get("/assignments/<int:assignment_id>")
def assignment(assignment_id: int):
    return render_template("qa/assignment.html", a=_or_404(desk().assignment, assignment_id))
