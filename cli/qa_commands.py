"""QA commands: ``score`` transcripts against a policy, ``policy-check`` a policy file."""

from __future__ import annotations

import json
import sys

from cli import CommandError
from qa.kb_examples import kb_stages
from qa.messages import os_reason
from qa.policy import PolicyError, load_policy
from qa.readers import COLUMNS
from qa.report import summarize_agents, write_reports
from qa.runner import score_files
from qa.store import open_store, save_run
from service.playbook import Playbook


def _load_policy(path: str, settings):
    try:
        return load_policy(path, settings)
    except OSError as exc:
        raise CommandError(f"无法读取规则文件 {path}：{os_reason(exc)}") from None
    except PolicyError as exc:
        raise CommandError("规则文件有误：\n" + "\n".join(exc.errors)) from None


def _columns(pairs: list[str]) -> dict[str, str]:
    columns = {}
    for pair in pairs:
        name, sep, header = pair.partition("=")
        if not sep or name.strip() not in COLUMNS or not header.strip():
            raise CommandError(f"--map {pair!r}：应为 列名=表头，列名是 {', '.join(COLUMNS)} 之一")
        columns[name.strip()] = header.strip()
    return columns


def score_command(args, settings) -> int:
    """Score the files, print JSON lines or a summary, write reports, store the run.

    Exit status 0 when every record was scored, 1 when a file or record was rejected
    (missing, unreadable, malformed: each is one line on stderr) and the rest was scored;
    an invalid policy or option is a usage error (2) before anything is read.
    """
    policy = _load_policy(args.policy, settings)
    if kb_stages(policy) and not args.no_semantic:
        policy, empty = Playbook(settings, foreground=True).kb_policy(policy)
        for stage in empty:
            print(f"知识库里没有“{stage}”阶段的话术：引用它的规则只按用语匹配", file=sys.stderr)
    columns = _columns(args.map)
    result = score_files(args.files, policy, settings, columns, semantic=not args.no_semantic)
    for rejection in result.rejections:
        print(f"rejected: {rejection}", file=sys.stderr)
    if args.json:
        for card in result.scorecards:
            print(json.dumps(card.as_dict(), ensure_ascii=False))
    else:
        print(f"policy {policy.name} (version {policy.version})")
        for summary in summarize_agents(result.scorecards):
            print(
                f"  {summary.agent}: {summary.conversations} conversation(s),"
                f" mean score {summary.mean_score:g}, pass rate {summary.pass_rate:.0%}"
            )
    if args.out:
        for path in write_reports(result.scorecards, result.rejections, args.out):
            print(f"wrote {path}", file=sys.stderr)
    if not args.no_store:
        conn = open_store(settings.db_path, settings.db_busy_seconds)
        try:
            run_id = save_run(conn, result)
        finally:
            conn.close()
        print(f"stored as run {run_id} in {settings.db_path}", file=sys.stderr)
    print(result.summary, file=sys.stderr)
    return 1 if result.rejections else 0


def policy_check_command(args, settings) -> int:
    """Validate a policy and print one line per rule."""
    policy = _load_policy(args.policy, settings)
    print(f"{args.policy}: valid - {policy.name} (version {policy.version}), {len(policy.rules)} rules")
    for rule in policy.rules:
        flags = " critical" if rule.critical else ""
        detail = (
            rule.position
            if rule.kind == "required"
            else rule.measure
            if rule.kind == "latency"
            else rule.role
        )
        print(f"  {rule.id}: {rule.kind} ({detail}), {rule.points:g} points{flags}")
    return 0
