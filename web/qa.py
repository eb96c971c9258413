"""QA staff: score uploaded transcripts, browse runs and conversations, agent pages, policy editor."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from common.filenames import FileNameError
from qa import (
    PolicyError,
    agent_history,
    get_run,
    get_scorecard,
    list_runs,
    list_scorecards,
    parse_policy,
    validate_policy_text,
)
from qa.agents import agent_scorecard_ids, rule_failure_rates
from qa.policy_form import apply_form, form_fields
from qa.report import run_csv, run_xlsx
from service.playbook import UnreadableTrial
from web import charts
from web.auth import role_required
from web.extensions import playbook, qa_db, settings
from web.qa_dashboard import RUN_FILTERS, count_axis, filter_cards
from web.qa_review import scorecard_page
from web.templating import format_datetime
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


def rule_labels(policy_text: str | None) -> dict[str, str]:
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
    # Scoring runs as a job (progress on its page); an empty result creates no run.
    job = playbook().start_qa_score(
        [s.path for s in saved], policy.text, policy.name, g.user.username, semantic, rejected=errors
    )
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.post("/runs/<int:run_id>/rescore")
def rescore(run_id: int):
    """Re-score a stored run's transcripts under another policy (a job), then show the difference."""
    policy = _policy(request.form.get("policy", ""))
    try:
        name, semantic = request.form.get("policy", ""), request.form.get("semantic") == "on"
        job = playbook().start_rescore(run_id, policy.text, name, g.user.username, semantic)
    except LookupError:
        abort(404)
    except ValueError as exc:
        flash(f"无法重新评分：{exc}", "error")
        return redirect(url_for("qa.run", run_id=run_id))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.get("/runs/<int:run_id>")
def run(run_id: int):
    all_cards = _cards(run_id)
    finals = {
        row["id"]: (row["final_score"], bool(row["final_passed"]))
        for row in qa_db().execute(
            "SELECT id, final_score, final_passed FROM qa_scorecards WHERE run_id = ?", (run_id,)
        )
    }
    for card in all_cards:
        card["final_score"], card["final_passed"] = finals.get(
            card["scorecard_id"], (card["score"], card["passed"])
        )
    cards = filter_cards(all_cards, request.args)
    labels = rule_labels(get_run(qa_db(), run_id)["policy_text"])
    bins = [0] * 10
    for card in cards:
        bins[min(int(card["final_score"] // 10), 9)] += 1
    rule_ids = list(dict.fromkeys(r["id"] for c in all_cards for r in c["rules"]))
    failure = []
    for rule_id in rule_ids:
        applicable = [r for c in cards for r in c["rules"] if r["id"] == rule_id and r["status"] != "na"]
        if applicable:
            failure.append(
                (
                    labels.get(rule_id, rule_id),
                    sum(r["status"] == "fail" for r in applicable) / len(applicable),
                )
            )
    chart = charts.bar_chart(
        [(f"{i * 10}", n) for i, n in enumerate(bins)], "得分分布（对话数）", y_max=count_axis(bins)
    )
    return render_template(
        "qa/run.html",
        run=_run(run_id),
        cards=cards,
        total=len(all_cards),
        status_labels=STATUS_LABELS,
        policies=playbook().policies.names(),
        labels=labels,
        chart=chart,
        failure=failure,
        rule_ids=rule_ids,
        agents=sorted({c["agent"] for c in all_cards}),
        channels=sorted({c["channel"] for c in all_cards if c["channel"]}),
        filters={name: request.args.get(name, "") for name in RUN_FILTERS},
    )


@bp.get("/runs/<int:run_id>/export.<fmt>")
def export(run_id: int, fmt: str):
    _run(run_id)
    cards = _cards(run_id)
    labels = rule_labels(get_run(qa_db(), run_id)["policy_text"])
    if fmt == "csv":
        data, mime = run_csv(cards, labels), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        data, mime = (
            run_xlsx(cards, labels),
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
    # Each conversation once, by its latest scorecard (final verdicts), unless one run is chosen.
    run_id = request.args.get("run", type=int)
    cards = [
        {**get_scorecard(qa_db(), card_id), "scorecard_id": card_id}
        for card_id in agent_scorecard_ids(qa_db(), agent, run_id)
    ]
    finals = {c["scorecard_id"]: c["score"] for c in playbook().reviews.agent_scorecards(agent)}
    bins = [0] * 10
    for card in cards:
        bins[min(int(finals.get(card["scorecard_id"], card["score"]) // 10), 9)] += 1
    labels = rule_labels(get_run(qa_db(), history[-1]["run_id"])["policy_text"])
    failure = [
        (labels.get(rule, rule), rate)
        for rule, rate in rule_failure_rates(qa_db(), agent, run_id).get(agent, {}).items()
        if rate is not None
    ]
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
        "scores": charts.bar_chart(
            [(f"{i * 10}", n) for i, n in enumerate(bins)], "得分分布（对话数）", y_max=count_axis(bins)
        ),
        "latency": charts.bar_chart(
            latency_bins,
            "回复用时分布（条）",
            y_max=count_axis([n for _, n in latency_bins]),
            color="#b9770e",
        ),
        "history": charts.line_chart(
            [(format_datetime(h["created_at"])[5:], h["mean_score"]) for h in history], "历次平均分"
        ),
    }
    return render_template(
        "qa/agent.html",
        agent=agent,
        history=history,
        cards=cards,
        chart=chart,
        failure=failure,
        run_id=run_id,
    )


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


@bp.route("/policies/form", methods=["GET", "POST"])
def policy_form():
    """Edit a policy's rules in a form (phrases, terms with exceptions, points, SLAs); saved only when
    the result validates exactly like the YAML editor's."""
    library = playbook().policies
    name = (request.values.get("name") or "").strip()
    try:
        text = library.read(name)
    except FileNameError:
        abort(404)
    if text is None:
        abort(404)
    errors = validate_policy_text(text, name)
    if errors:
        flash("规则文件有误，请先在 YAML 编辑中修正：" + "；".join(errors), "error")
        return redirect(url_for("qa.policy_edit", name=name))
    status = 200
    if request.method == "POST":
        try:
            new_text = apply_form(text, request.form)
        except PolicyError as exc:
            errors, status = exc.errors, 400
        else:
            library.save(name, new_text)
            flash(f"已保存 {name}", "success")
            return redirect(url_for("qa.policy_form", name=name))
    return render_template(
        "qa/policy_form.html", name=name, fields=form_fields(text), errors=errors, kind_labels=KIND_LABELS
    ), status


def _try_policy(policy, pasted: str):
    """Score a pasted conversation (JSON object or JSON Lines); a string is an error message."""
    try:
        conversation, scorecard = playbook().try_policy(policy, pasted)
    except UnreadableTrial as exc:
        return str(exc)
    card = scorecard.as_dict()
    labels = {r.id: r.description or r.id for r in policy.rules}
    bubbles = build_bubbles(conversation.messages, card, labels)
    return {
        "card": card,
        "bubbles": bubbles,
        "labels": labels,
        "untimed": conversation.extra.get("untimed", False),
    }
