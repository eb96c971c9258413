"""Review-loop commands: ``qa-agreement`` (machine against reviewers, per rule) and ``qa-assign``
(the weekly review sample for a reviewer); both call the Playbook's review desk."""

from __future__ import annotations

import json

from cli import CommandError
from qa.policy import PolicyError, load_policy
from qa.review import ReviewError
from qa.sampling import SamplingPlan
from service.playbook import Playbook


def _playbook(settings):
    return Playbook(settings, foreground=True)


def _pct(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def agreement_command(args, settings) -> int:
    try:
        report = _playbook(settings).reviews.agreement(args.run, args.since, args.until)
    except ReviewError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    print(f"{report['scorecards']} conversation(s), {report['reviewed']} reviewed rule result(s)")
    if not report["rules"]:
        print("no human reviews yet")
    for rule in report["rules"]:
        print(
            f"  {rule['rule_id']} {rule['description']}: reviewed {rule['reviewed']},"
            f" agreement {_pct(rule['agreement'])}, precision {_pct(rule['precision'])},"
            f" recall {_pct(rule['recall'])} (confirmed {rule['machine_fail_confirmed']},"
            f" overturned {rule['machine_fail_overturned']}, missed {rule['machine_missed_fail']})"
        )
        for example in rule["disagreements"]:
            who = f"{example['reviewer']} {example['verdict']} {example['comment'] or ''}".rstrip()
            card = f"scorecard {example['scorecard_id']} ({example['conversation_id']})"
            print(f"    {card}: machine {example['machine']}, {who}")
    return 0


def assign_command(args, settings) -> int:
    plan = SamplingPlan(args.random, args.lowest, not args.no_critical, args.seed)
    try:
        created = _playbook(settings).reviews.create_assignment(
            args.reviewer, args.start, args.end, "cli", plan
        )
    except ReviewError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print(json.dumps(created, ensure_ascii=False, indent=1))
        return 0
    print(
        f"assignment {created['id']} for {created['reviewer']}, {created['period_start']} to"
        f" {created['period_end']}: {created['total']} conversation(s)"
    )
    for item in created["items"]:
        reasons = "、".join(item["reasons"])
        print(f"  {item['agent']}: scorecard {item['scorecard_id']} ({item['conversation_id']}) {reasons}")
    return 0


def rescore_command(args, settings) -> int:
    """Re-score in the foreground, then print the difference from the stored run."""

    try:
        policy = load_policy(args.policy, settings)
    except (OSError, PolicyError) as exc:
        raise CommandError(f"无法使用规则文件 {args.policy}：{exc}") from None
    playbook = _playbook(settings)
    try:
        job = playbook.start_rescore(args.run, policy.text, args.policy, "cli", semantic=not args.no_semantic)
    except (LookupError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    if job.status != "done":
        raise CommandError(job.error or "重新评分失败")
    diff = playbook.reviews.compare_runs(args.run, job.result["run_id"])
    if args.json:
        print(json.dumps(diff, ensure_ascii=False, indent=1))
        return 0
    print(
        f"run {args.run} ({diff['base']['policy_version']}) -> run {job.result['run_id']}"
        f" ({diff['new']['policy_version']}): {diff['changed']} of {diff['compared']} conversation(s) changed"
    )
    for rule in diff["rules"]:
        print(f"  rule {rule['rule_id']}: {rule['before']} -> {rule['after']} in {rule['conversations']}")
    for agent in diff["agents"]:
        means = f"{agent['mean_before']:g} -> {agent['mean_after']:g}"
        print(f"  agent {agent['agent']}: {means} ({agent['delta']:+g})")
    for conversation in diff["conversations"][:20]:
        rules = ", ".join(f"{r['rule_id']} {r['before']}->{r['after']}" for r in conversation["rules"])
        print(f"    {conversation['conversation_id']}: {conversation['delta']:+g} {rules}")
    return 0
