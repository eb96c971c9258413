"""QA staff: score uploaded transcripts, browse runs and conversations, agent pages, policy editor."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from common.filenames import FileNameError
from qa import (
    Conversation,
    PolicyError,
    agent_history,
    get_run,
    get_scorecard,
    list_runs,
    list_scorecards,
    parse_policy,
    read_transcripts,
    save_run,
    validate_policy_text,
)
from qa.report import run_csv, run_xlsx
from web import charts
from web.auth import role_required
from web.extensions import playbook, qa_db, settings
from web.qa_review import scorecard_page
from web.transcript_view import build_bubbles
from web.uploads import save_uploads

bp = Blueprint("qa", __name__, url_prefix="/qa")

TRANSCRIPT_SUFFIXES = frozenset({".jsonl", ".json", ".csv", ".xlsx"})
KIND_LABELS = {"required": "必说", "banned": "禁用语", "latency": "时效"}
STATUS_LABELS = {"pass": "通过", "fail": "未通过", "na": "不适用"}
ROLE_LABELS = {"customer": "顾客", "agent": "客服", "bot": "机器人", "system": "系统"}
EXAMPLE_CONVERSATION = {
    "id": "试运行-1",
    "agent": "a01",
    "channel": "chat",
    "messages": [
        {"role": "customer", "text": "在吗？我的快递怎么还没到", "ts": "2026-11-03T10:00:00+08:00"},
        {
            "role": "agent",
            "text": "您好，很高兴为您服务，非常抱歉让您久等了，我马上帮您查询",
            "ts": "2026-11-03T10:00:20+08:00",
        },
        {"role": "customer", "text": "好的", "ts": "2026-11-03T10:01:00+08:00"},
        {
            "role": "agent",
            "text": "已经催促快递公司了，预计明天送达，祝您生活愉快",
            "ts": "2026-11-03T10:02:30+08:00",
        },
    ],
}


@bp.before_request
@role_required("qa")
def guard():
    return None


# --- helpers over the qa package -----------------------------------------------------------


def _policy(name: str):
    """Load and validate a policy of the library; 404 when absent, 400 when invalid."""
    try:
        policy = playbook().qa_policy(name)
    except PolicyError as exc:
        flash("规则文件有误：" + "；".join(exc.errors), "error")
        abort(400)
    if policy is None:
        abort(404)
    return policy


def _run(run_id: int) -> dict:
    run = get_run(qa_db(), run_id)
    if run is None:
        abort(404)
    return run


def _cards(run_id: int, agent: str | None = None) -> list[dict]:
    return [
        {**get_scorecard(qa_db(), row["id"]), "scorecard_id": row["id"]}
        for row in list_scorecards(qa_db(), run_id, agent)
    ]


def _rule_labels(policy_text: str | None) -> dict[str, str]:
    if not policy_text:
        return {}
    try:
        return {r.id: r.description or r.id for r in parse_policy(policy_text).rules}
    except PolicyError:
        return {}


# --- runs --------------------------------------------------------------------------------


@bp.get("/")
def index():
    return render_template("qa/index.html", runs=list_runs(qa_db()), policies=playbook().policies.names())


@bp.post("/runs")
def score():
    policy = _policy(request.form.get("policy", ""))
    saved, errors = save_uploads(
        request.files.getlist("files"), settings().home_path, "transcripts", TRANSCRIPT_SUFFIXES
    )
    for error in errors:
        flash(error, "error")
    if not saved:
        flash("请选择要评分的对话文件（JSONL、JSON、CSV 或 XLSX）", "error")
        return redirect(url_for("qa.index"))
    semantic = request.form.get("semantic") == "on"
    result = playbook().score_files([s.path for s in saved], policy, semantic)
    run_id = save_run(qa_db(), result)
    flash(f"已评分 {len(result.scorecards)} 个对话，{len(result.rejections)} 条记录无法读取", "success")
    for rejection in result.rejections[:20]:
        flash(
            f"未读取：{Path(rejection.file).name} 第 {rejection.line} "
            f"{'行' if rejection.unit != 'item' else '项'}：{rejection.reason}",
            "warning",
        )
    return redirect(url_for("qa.run", run_id=run_id))


@bp.get("/runs/<int:run_id>")
def run(run_id: int):
    return render_template("qa/run.html", run=_run(run_id), cards=_cards(run_id), status_labels=STATUS_LABELS)


@bp.get("/runs/<int:run_id>/export.<fmt>")
def export(run_id: int, fmt: str):
    _run(run_id)
    cards = _cards(run_id)
    if fmt == "csv":
        data, mime = run_csv(cards), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        data, mime = (
            run_xlsx(cards),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        abort(404)
    return Response(
        data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="qa-run-{run_id}.{fmt}"'}
    )


@bp.get("/scorecards/<int:scorecard_id>")
def scorecard(scorecard_id: int):
    """The scorecard with final (human) verdicts beside the machine's, and the review form."""
    return scorecard_page(scorecard_id)


@bp.get("/agents/<agent>")
def agent(agent: str):
    history = agent_history(qa_db(), agent)
    if not history:
        abort(404)
    cards = [c for entry in history for c in _cards(entry["run_id"], agent)]
    bins = [0] * 10
    for card in cards:
        bins[min(int(card["score"] // 10), 9)] += 1
    latest = history[-1]
    failure = [(rule, rate * 100) for rule, rate in latest["rule_failure_rate"].items() if rate is not None]
    latencies = [
        s
        for c in cards
        for s in ([c["latency"]["first_response_s"]] if c["latency"]["first_response_s"] is not None else [])
        + c["latency"]["reply_s"]
    ]
    edges = [10, 20, 30, 45, 60, 90, 120, 180]
    latency_bins = [
        (f"≤{e}s", sum(1 for s in latencies if (edges[i - 1] if i else -1) < s <= e))
        for i, e in enumerate(edges)
    ]
    latency_bins.append((">180s", sum(1 for s in latencies if s > edges[-1])))
    chart = {
        "scores": charts.bar_chart([(f"{i * 10}", n) for i, n in enumerate(bins)], "得分分布（对话数）"),
        "failures": charts.bar_chart(
            failure,
            "各规则失败率（最近一次评分）",
            y_max=100,
            y_fmt=lambda v: f"{v:.0f}%",
            color="#c0392b",
            value_fmt=lambda v: f"{v:.0f}%",
        ),
        "latency": charts.bar_chart(latency_bins, "回复用时分布（条）", color="#b9770e"),
        "history": charts.line_chart(
            [(h["created_at"][5:16].replace("T", " "), h["mean_score"]) for h in history], "历次平均分"
        ),
    }
    return render_template("qa/agent.html", agent=agent, history=history, cards=cards, chart=chart)


# --- policies ------------------------------------------------------------------------------


@bp.get("/policies")
def policy_list():
    return render_template("qa/policies.html", policies=playbook().policies.names())


@bp.route("/policies/edit", methods=["GET", "POST"])
def policy_edit():
    """Edit a policy: validate, try it on a pasted conversation, save (only when valid)."""
    library = playbook().policies
    name = (request.values.get("name") or "").strip()
    try:
        library.path(name)
    except FileNameError as exc:
        flash(f"规则文件名无效：{exc}（须以 .yaml 结尾，不含路径）", "error")
        return redirect(url_for("qa.policy_list"))
    sample = json.dumps(EXAMPLE_CONVERSATION, ensure_ascii=False, indent=2)
    if request.method == "GET":
        text = library.read(name)
        if text is None:
            text = library.read("default.yaml") or ""
        return render_template(
            "qa/policy_edit.html", name=name, text=text, errors=None, trial=None, sample=sample
        )
    text = request.form.get("text", "")
    action = request.form.get("action")
    errors = validate_policy_text(text, name)
    trial = None
    status = 200
    if errors:
        status = 400
    elif action == "save":
        library.save(name, text)
        flash(f"已保存 {name}", "success")
        return redirect(url_for("qa.policy_edit", name=name))
    elif action == "try":
        sample = request.form.get("conversation", "")
        trial = _try_policy(parse_policy(text, name, settings()), sample)
        if isinstance(trial, str):
            errors, trial, status = [trial], None, 400
    elif action != "validate":
        abort(400)
    return render_template(
        "qa/policy_edit.html",
        name=name,
        text=text,
        errors=errors,
        trial=trial,
        sample=sample,
        status_labels=STATUS_LABELS,
    ), status


def _try_policy(policy, pasted: str):
    """Score a pasted conversation (JSON object or JSON Lines); a string is an error message."""
    pasted = pasted.strip()
    if not pasted:
        return "请粘贴一段对话（JSON）"
    suffix = ".json" if pasted.startswith(("{", "[")) else ".jsonl"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"试运行{suffix}"
        path.write_text(pasted, encoding="utf-8")
        items = list(read_transcripts(path, settings().timezone))
    conversations = [i for i in items if isinstance(i, Conversation)]
    if not conversations:
        return "对话无法读取：" + "；".join(str(i).split(": ", 1)[-1] for i in items)
    conversation = conversations[0]
    card = playbook().score_conversations([conversation], policy)[0].as_dict()
    labels = {r.id: r.description or r.id for r in policy.rules}
    return {"card": card, "bubbles": build_bubbles(conversation.messages, card, labels), "labels": labels}
