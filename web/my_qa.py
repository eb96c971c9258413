"""An agent's own scorecards: final verdicts, reviewers' comments, and appeals against a rule result.

An agent's transcript agent id is their user name; ``playbook().reviews`` refuses any
scorecard of another agent exactly like a missing one (404), so ids cannot be guessed.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from qa.review import NotFound, ReviewError
from qa.store import get_run
from web.auth import role_required
from web.extensions import playbook
from web.qa_review import DECISION_LABELS, ROLE_LABELS, STATUS_LABELS
from web.transcript_view import scorecard_bubbles

bp = Blueprint("my_qa", __name__, url_prefix="/my/qa")


@bp.before_request
@role_required("agent")
def guard():
    return None


@bp.get("/")
def scorecards():
    desk = playbook().reviews
    return render_template(
        "my/scorecards.html",
        cards=desk.agent_scorecards(g.user.username),
        appeals=desk.appeals(agent=g.user.username),
        decision_labels=DECISION_LABELS,
    )


@bp.get("/<int:scorecard_id>")
def scorecard(scorecard_id: int, status: int = 200):

    desk = playbook().reviews
    try:
        card = desk.scorecard(scorecard_id, agent=g.user.username)
    except NotFound:
        abort(404)
    run = get_run(desk.conn, card["run_id"])
    labels, bubbles = scorecard_bubbles(card, run)
    return render_template(
        "my/scorecard.html",
        card=card,
        bubbles=bubbles,
        labels=labels,
        status_labels=STATUS_LABELS,
        decision_labels=DECISION_LABELS,
        role_labels=ROLE_LABELS,
    ), status


@bp.post("/<int:scorecard_id>/appeals")
def appeal(scorecard_id: int):
    try:
        created = playbook().reviews.appeal(
            scorecard_id, request.form.get("rule_id"), g.user.username, request.form.get("comment")
        )
    except NotFound:
        abort(404)
    except ReviewError as exc:
        flash(f"申诉未提交：{exc}", "error")
        return scorecard(scorecard_id, 400)
    flash(f"申诉 #{created['id']} 已提交，质检主管处理后会在这里显示结果", "success")
    return redirect(url_for("my_qa.scorecard", scorecard_id=scorecard_id))
