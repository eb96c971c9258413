"""QA scoring: transcripts in, explained scorecards out.

The functions the CLI and the web app call::

    policy = load_policy(path, settings)          # or parse_policy(text, name, settings)
    errors = validate_policy_text(text)           # [] when valid
    result = score_files(paths, policy, settings) # RunResult: scorecards + rejections
    cards = score_conversations(conversations, policy, settings)
    conn = open_store(settings.db_path); run_id = save_run(conn, result)
    list_runs(conn); get_run(conn, run_id); agent_history(conn, agent); get_scorecard(conn, scorecard_id)
"""

from qa.policy import Policy, PolicyError, load_policy, parse_policy, validate_policy_text
from qa.readers import Rejection, read_transcripts
from qa.report import summarize_agents, write_reports
from qa.runner import RunResult, make_scorer, score_conversations, score_files
from qa.scoring import Scorecard, Scorer, score_conversation
from qa.store import (
    agent_history,
    get_run,
    get_scorecard,
    list_runs,
    list_scorecards,
    open_store,
    run_policy_text,
    save_run,
)
from qa.transcript import Conversation, Message

__all__ = [
    "Conversation",
    "Message",
    "Policy",
    "PolicyError",
    "Rejection",
    "RunResult",
    "Scorecard",
    "Scorer",
    "agent_history",
    "get_run",
    "get_scorecard",
    "list_runs",
    "list_scorecards",
    "load_policy",
    "make_scorer",
    "open_store",
    "parse_policy",
    "read_transcripts",
    "run_policy_text",
    "save_run",
    "score_conversation",
    "score_conversations",
    "score_files",
    "summarize_agents",
    "validate_policy_text",
    "write_reports",
]
