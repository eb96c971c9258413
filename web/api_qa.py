"""JSON API for QA staff: policies, scoring, runs, scorecards, agent history.

Routes on :data:`web.api.bp` (authentication and errors as described in web/api.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import jsonify, request

from qa import (
    PolicyError,
    agent_history,
    get_run,
    get_scorecard,
    list_runs,
    list_scorecards,
    save_run,
    validate_policy_text,
)
from web.api import api_role, bp, int_arg, json_body
from web.errors import user_error
from web.extensions import playbook, qa_db, settings
from web.qa import TRANSCRIPT_SUFFIXES
from web.uploads import batch_folder, save_uploads

# --- QA scoring ------------------------------------------------------------------------------


@bp.get("/qa/policies")
@api_role("qa")
def qa_policies():
    return jsonify({"policies": playbook().policies.names()})


@bp.post("/qa/policies/validate")
@api_role("qa")
def qa_validate_policy():
    text = json_body().get("text")
    if not isinstance(text, str):
        raise user_error(400, "缺少 text（规则 YAML 文本）")
    errors = validate_policy_text(text)
    return jsonify({"valid": not errors, "errors": errors})


def _stored_conversations(conversations) -> list:
    """JSON conversations posted to the API, kept as a file under the data home like an upload."""

    if not isinstance(conversations, list) or not conversations:
        raise user_error(400, "conversations 必须是非空数组（每项含 id、agent、messages）")
    path = batch_folder(settings().home_path, "transcripts") / "api.json"
    path.write_text(json.dumps(conversations, ensure_ascii=False), encoding="utf-8")
    return [path]


@bp.post("/qa/score")
@api_role("qa")
def qa_score():
    """Score uploaded files (multipart ``files``, ``policy``) or JSON ``conversations``; stores the run."""

    if request.mimetype == "application/json":
        data = json_body()
        policy_name, semantic = data.get("policy", "default.yaml"), data.get("semantic", True)
        if not isinstance(policy_name, str):
            raise user_error(400, "policy 必须是质检规则的文件名（文本），例如 default.yaml")
        if not isinstance(semantic, bool):
            raise user_error(400, "semantic 必须是 true 或 false")
        paths, refused = _stored_conversations(data.get("conversations")), []
    else:
        policy_name = request.form.get("policy", "default.yaml")
        semantic = request.form.get("semantic", "1") not in ("0", "false", "off")
        saved, refused = save_uploads(
            request.files.getlist("files"), settings().home_path, "transcripts", TRANSCRIPT_SUFFIXES
        )
        if not saved:
            raise user_error(
                400, "；".join(refused) or "请上传对话文件（字段名 files）或提交 JSON conversations"
            )
        paths = [s.path for s in saved]
    policy = load_policy(str(policy_name))
    result = playbook().score_files(paths, policy, semantic)
    run_id = save_run(qa_db(), result)
    return jsonify(
        {
            "run_id": run_id,
            "policy": {"name": policy.name, "version": policy.version},
            "scored": len(result.scorecards),
            "rejected": len(result.rejections),
            "rejections": [
                {"file": Path(r.file).name, "line": r.line, "unit": r.unit, "reason": r.reason}
                for r in result.rejections
            ]
            + [{"file": None, "line": None, "unit": "file", "reason": r} for r in refused],
            "scorecards": [c.as_dict() for c in result.scorecards],
        }
    ), 201


def load_policy(name: str):
    try:
        policy = playbook().qa_policy(name)
    except PolicyError as exc:
        raise user_error(400, "规则文件有误：" + "；".join(exc.errors)) from None
    if policy is None:
        raise user_error(404, f"没有名为 {name} 的质检规则")
    return policy


@bp.get("/qa/runs")
@api_role("qa")
def qa_runs():
    runs = list_runs(qa_db(), limit=int_arg(request.args.get("limit"), "limit", 1, 1000, 50))
    return jsonify({"runs": [_public_run(r) for r in runs]})


def _public_run(run: dict) -> dict:
    """A run without server-side storage paths (file names only)."""
    return {**run, "files": [Path(f).name for f in run["files"]]}


@bp.get("/qa/runs/<int:run_id>")
@api_role("qa")
def qa_run(run_id: int):
    run = get_run(qa_db(), run_id)
    if run is None:
        raise user_error(404, f"没有编号为 {run_id} 的评分")
    return jsonify(
        {
            **_public_run(run),
            "scorecards": list_scorecards(qa_db(), run_id, request.args.get("agent") or None),
        }
    )


@bp.get("/qa/scorecards/<int:scorecard_id>")
@api_role("qa")
def qa_scorecard(scorecard_id: int):
    card = get_scorecard(qa_db(), scorecard_id)
    if card is None:
        raise user_error(404, f"没有编号为 {scorecard_id} 的评分卡")
    return jsonify(card)


@bp.get("/qa/agents/<agent>")
@api_role("qa")
def qa_agent(agent: str):
    history = agent_history(qa_db(), agent, request.args.get("policy_version") or None)
    if not history:
        raise user_error(404, f"没有客服 {agent} 的评分记录")
    return jsonify({"agent": agent, "history": history})
