"""The agents page: every agent's score, pass rate, failure rate per rule and trend, with links."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from qa.agents import agents_overview
from qa.store import get_run, list_runs
from web.auth import role_required
from web.extensions import qa_db
from web.qa import rule_labels

bp = Blueprint("agents", __name__, url_prefix="/qa")


@bp.before_request
@role_required("qa")
def guard():
    return None


@bp.get("/agents")
def index():
    run_id = request.args.get("run", type=int)
    agents = agents_overview(qa_db(), run_id)
    runs = list_runs(qa_db(), limit=1)
    labels = rule_labels(get_run(qa_db(), run_id or runs[0]["id"])["policy_text"]) if runs else {}
    rules = list(dict.fromkeys(rule for a in agents for rule in a["rule_failure_rate"]))
    return render_template("qa/agents.html", agents=agents, rules=rules, labels=labels, run_id=run_id)
