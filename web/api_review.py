"""JSON API of the QA review loop: reviews, agreement, appeals, calibration, weekly samples.

Same authentication and error shape as web/api.py (this blueprint runs its
``authenticate`` first); every route calls ``playbook().reviews``. An agent's
routes (``/api/my/...``) only ever reach the caller's own scorecards.
"""

from __future__ import annotations

import functools

from flask import Blueprint, g, jsonify, request

from qa.review import NotFound, ReviewError
from qa.sampling import SamplingPlan
from web import api
from web.api import accepted, api_role, int_arg, json_body
from web.api_qa import load_policy
from web.errors import user_error
from web.extensions import playbook

bp = Blueprint("api_review", __name__, url_prefix="/api")
bp.before_request(api.authenticate)


def answers(view):
    """Core refusals as API errors: NotFound is 404, ReviewError 400 (messages are Chinese)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except NotFound as exc:
            raise user_error(404, str(exc)) from None
        except ReviewError as exc:
            raise user_error(400, str(exc)) from None

    return wrapped


def desk():
    return playbook().reviews


# --- reviews and agreement -------------------------------------------------------------------


@bp.get("/qa/scorecards/<int:scorecard_id>/reviews")
@api_role("qa")
@answers
def scorecard_reviews(scorecard_id: int):
    """The final view: human verdicts applied, machine verdicts beside, reviews and appeals."""
    return jsonify(desk().scorecard(scorecard_id))


@bp.post("/qa/scorecards/<int:scorecard_id>/reviews")
@api_role("qa")
@answers
def add_review(scorecard_id: int):
    return jsonify(desk().review(scorecard_id, g.user.username, json_body().get("items"))), 201


@bp.get("/qa/agreement")
@api_role("qa")
@answers
def agreement():
    run_id = request.args.get("run_id")
    run_id = int_arg(run_id, "run_id", 1, 2**62, 0) or None
    return jsonify(desk().agreement(run_id, request.args.get("since"), request.args.get("until")))


# --- appeals ------------------------------------------------------------------------------------


@bp.get("/qa/appeals")
@api_role("qa")
@answers
def appeals():
    return jsonify({"appeals": desk().appeals(request.args.get("status") or None)})


@bp.post("/qa/appeals/<int:appeal_id>/decision")
@api_role("qa")
@answers
def decide(appeal_id: int):
    data = json_body()
    decided = desk().decide_appeal(
        appeal_id, g.user.username, data.get("decision"), data.get("comment"), data.get("verdict")
    )
    return jsonify(decided)


@bp.get("/my/scorecards")
@api_role("agent")
def my_scorecards():
    return jsonify(
        {
            "agent": g.user.username,
            "scorecards": desk().agent_scorecards(g.user.username),
            "appeals": desk().appeals(agent=g.user.username),
        }
    )


@bp.get("/my/scorecards/<int:scorecard_id>")
@api_role("agent")
@answers
def my_scorecard(scorecard_id: int):
    return jsonify(desk().scorecard(scorecard_id, agent=g.user.username))


@bp.post("/my/scorecards/<int:scorecard_id>/appeals")
@api_role("agent")
@answers
def appeal(scorecard_id: int):
    data = json_body()
    created = desk().appeal(scorecard_id, data.get("rule_id"), g.user.username, data.get("comment"))
    return jsonify(created), 201


# --- calibration ---------------------------------------------------------------------------------


@bp.post("/qa/calibrations")
@api_role("qa")
@answers
def calibration_create():
    data = json_body()
    run_id = data.get("run_id")
    if run_id is not None and (not isinstance(run_id, int) or isinstance(run_id, bool)):
        raise ReviewError("run_id 必须是整数")
    created = desk().create_calibration(
        data.get("name"),
        g.user.username,
        data.get("reviewers"),
        scorecard_ids=data.get("scorecards"),
        run_id=run_id,
        size=int_arg(data.get("size"), "size", 1, 1000, 5),
        seed=int_arg(data.get("seed"), "seed", 0, 2**31 - 1, 1),
    )
    return jsonify(created), 201


@bp.get("/qa/calibrations/<int:calibration_id>")
@api_role("qa")
@answers
def calibration(calibration_id: int):
    """Blind for a reviewer who has not judged everything: only their own judgements."""
    return jsonify(desk().calibration(calibration_id, g.user.username))


@bp.post("/qa/calibrations/<int:calibration_id>/judgements")
@api_role("qa")
@answers
def judge(calibration_id: int):
    data = json_body()
    scorecard_id = data.get("scorecard_id")
    if not isinstance(scorecard_id, int) or isinstance(scorecard_id, bool):
        raise ReviewError("scorecard_id 必须是整数")
    return jsonify(desk().judge(calibration_id, g.user.username, scorecard_id, data.get("items"))), 201


# --- re-scoring under another policy ----------------------------------------------------------


@bp.post("/qa/runs/<int:run_id>/rescore")
@api_role("qa")
def rescore(run_id: int):
    """Re-score a stored run's transcripts under another policy, as a job; its result names both runs."""
    data = json_body()
    name, semantic = data.get("policy"), data.get("semantic", True) is not False
    if not isinstance(name, str) or not name:
        raise user_error(400, "缺少 policy（规则文件名，如 default.yaml）")
    policy = load_policy(name)
    try:
        job = playbook().start_rescore(run_id, policy.text, name, g.user.username, semantic)
    except LookupError as exc:
        raise user_error(404, str(exc)) from None
    except ValueError as exc:
        raise user_error(409, str(exc)) from None
    return accepted(job)


@bp.get("/qa/runs/<int:run_id>/diff")
@api_role("qa")
@answers
def run_diff(run_id: int):
    """What changed from run ``base`` to this one: conversations, rules and agents."""
    base = int_arg(request.args.get("base"), "base", 1, 2**62, 0)
    if not base:
        raise user_error(400, "缺少 base（要比较的原评分编号）")
    return jsonify(desk().compare_runs(base, run_id))


# --- weekly sampling -------------------------------------------------------------------------------


@bp.get("/qa/assignments")
@api_role("qa")
def assignments():
    return jsonify({"assignments": desk().assignments(request.args.get("reviewer") or None)})


@bp.post("/qa/assignments")
@api_role("qa")
@answers
def assignment_create():
    data = json_body()
    critical = data.get("critical", True)
    if not isinstance(critical, bool):
        raise ReviewError("critical 必须是 true 或 false")
    plan = SamplingPlan(
        random_per_agent=int_arg(data.get("random"), "random", 0, 100, 3),
        lowest_per_agent=int_arg(data.get("lowest"), "lowest", 0, 100, 1),
        critical=critical,
        seed=int_arg(data.get("seed"), "seed", 0, 2**31 - 1, 1),
    )
    created = desk().create_assignment(
        data.get("reviewer"), data.get("start"), data.get("end"), g.user.username, plan
    )
    return jsonify(created), 201


@bp.get("/qa/assignments/<int:assignment_id>")
@api_role("qa")
@answers
def assignment(assignment_id: int):
    return jsonify(desk().assignment(assignment_id))
