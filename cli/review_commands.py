"""Review-loop commands: ``qa-agreement`` (machine against reviewers, per rule) and ``qa-assign``
(the weekly review sample for a reviewer); both call the Playbook's review desk."""

from __future__ import annotations

import json

from cli import CommandError
from service.playbook import Playbook


def _desk(settings):
    return Playbook(settings, foreground=True).reviews


def _pct(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def agreement_command(args, settings) -> int:
    from qa.review import ReviewError

    try:
        report = _desk(settings).agreement(args.run, args.since, args.until)
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
    from qa.review import ReviewError
    from qa.sampling import SamplingPlan

    plan = SamplingPlan(args.random, args.lowest, not args.no_critical, args.seed)
    try:
        created = _desk(settings).create_assignment(args.reviewer, args.start, args.end, "cli", plan)
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
