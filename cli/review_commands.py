"""Review-loop commands: ``qa-agreement`` (machine against reviewers, per rule) and ``qa-assign``
(the weekly review sample for a reviewer); both call the Playbook's review desk."""

from __future__ import annotations

import json

from cli import CommandError


def register(subparsers) -> None:
    agreement = subparsers.add_parser(
        "qa-agreement",
        help="agreement per rule between the machine and human reviewers",
        description="Precision and recall of the machine's fails against the latest human verdicts, "
        "with counts and examples of disagreement.",
    )
    agreement.add_argument("--run", type=int, help="only this scoring run")
    agreement.add_argument("--since", help="reviews from this date (YYYY-MM-DD)")
    agreement.add_argument("--until", help="reviews up to this date, inclusive")
    agreement.add_argument("--json", action="store_true", help="print the report as JSON")
    agreement.set_defaults(func=agreement_command)

    assign = subparsers.add_parser(
        "qa-assign",
        help="draw a period's review sample for a reviewer",
        description="Per agent: every critical fail, the lowest scores and a seeded random draw of "
        "conversations that started in the period; stored as an assignment the reviewer works through.",
    )
    assign.add_argument("reviewer", help="the reviewer's user name")
    assign.add_argument("--start", required=True, help="first day (YYYY-MM-DD)")
    assign.add_argument("--end", required=True, help="last day, inclusive (YYYY-MM-DD)")
    assign.add_argument("--random", type=int, default=3, help="random conversations per agent (default 3)")
    assign.add_argument(
        "--lowest", type=int, default=1, help="lowest-scoring conversations per agent (default 1)"
    )
    assign.add_argument("--no-critical", action="store_true", help="do not add every critical fail")
    assign.add_argument(
        "--seed", type=int, default=1, help="random seed (the same seed draws the same sample)"
    )
    assign.add_argument("--json", action="store_true", help="print the assignment as JSON")
    assign.set_defaults(func=assign_command)

    rescore = subparsers.add_parser(
        "qa-rescore",
        help="re-score a stored run under another policy and show what changed",
        description="Score a stored run's transcript files again under POLICY, store the new run and print "
        "the conversations and rules whose verdicts changed and each agent's score delta.",
    )
    rescore.add_argument("run", type=int, help="the stored run's id")
    rescore.add_argument("--policy", required=True, help="policy YAML file")
    rescore.add_argument("--no-semantic", action="store_true", help="match required phrases lexically only")
    rescore.add_argument("--json", action="store_true", help="print the difference as JSON")
    rescore.set_defaults(func=rescore_command)


def _playbook(settings):
    from service.playbook import Playbook  # lazy: `app.py --help` stays instant

    return Playbook(settings, foreground=True)


def _pct(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def agreement_command(args, settings) -> int:
    from qa.review import ReviewError

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
    from qa.review import ReviewError
    from qa.sampling import SamplingPlan

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
    from qa.policy import PolicyError, load_policy

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
