"""The run dashboard's filters and chart axes (presentation helpers of web/qa.py)."""

from __future__ import annotations

RUN_FILTERS = ("agent", "rule", "result", "score_min", "score_max", "since", "until", "channel")


def filter_cards(cards: list[dict], args) -> list[dict]:
    """The run dashboard's filters: agent, failed rule, pass/fail, score range, start date, channel."""

    def number(name):
        try:
            return float(args.get(name)) if args.get(name) not in (None, "") else None
        except ValueError:
            return None

    low, high = number("score_min"), number("score_max")
    out = []
    for card in cards:
        day = (card.get("started_at") or card.get("created_at") or "")[:10]
        failed = {r["id"] for r in card["rules"] if r["status"] == "fail"}
        if (
            (args.get("agent") and card["agent"] != args["agent"])
            or (args.get("channel") and card["channel"] != args["channel"])
            or (args.get("rule") and args["rule"] not in failed)
            or (args.get("result") == "pass" and not card["final_passed"])
            or (args.get("result") == "fail" and card["final_passed"])
            or (low is not None and card["final_score"] < low)
            or (high is not None and card["final_score"] > high)
            or (args.get("since") and day < args["since"])
            or (args.get("until") and day > args["until"])
        ):
            continue
        out.append(card)
    return out


def count_axis(counts: list[int]) -> int:
    """A y maximum for counts whose four grid steps are whole numbers."""
    return max(4, -(-max(counts, default=0) // 4) * 4)
