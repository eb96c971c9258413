"""Weekly review sampling: which conversations a reviewer is given for a period.

Per agent: every critical fail, the lowest final scores, then a seeded random draw
from the rest, so a week's sample covers every agent, never misses the worst cases
and is reproducible (the same seed draws the same sample).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

REASON_CRITICAL = "严重违规"
REASON_LOWEST = "最低分"
REASON_RANDOM = "随机抽取"


@dataclass(frozen=True)
class SamplingPlan:
    """How many conversations to draw per agent."""

    random_per_agent: int = 3
    lowest_per_agent: int = 1
    critical: bool = True
    seed: int = 1

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def draw_sample(candidates: list[dict], plan: SamplingPlan) -> list[tuple[int, str, list[str]]]:
    """``(scorecard_id, agent, reasons)`` picked from ``candidates`` (``id``, ``agent``, ``score``,
    ``critical_failed``), agent by agent in name order; each conversation at most once."""
    rng = random.Random(plan.seed)
    by_agent: dict[str, list[dict]] = {}
    for card in sorted(candidates, key=lambda c: c["id"]):
        by_agent.setdefault(card["agent"], []).append(card)
    picked: list[tuple[int, str, list[str]]] = []
    for agent in sorted(by_agent):
        cards = by_agent[agent]
        reasons: dict[int, list[str]] = {}
        if plan.critical:
            for card in cards:
                if card["critical_failed"]:
                    reasons.setdefault(card["id"], []).append(REASON_CRITICAL)
        for card in sorted(cards, key=lambda c: (c["score"], c["id"]))[: plan.lowest_per_agent]:
            reasons.setdefault(card["id"], []).append(REASON_LOWEST)
        rest = [c["id"] for c in cards if c["id"] not in reasons]
        for card_id in rng.sample(rest, min(plan.random_per_agent, len(rest))):
            reasons[card_id] = [REASON_RANDOM]
        picked.extend((card_id, agent, reasons[card_id]) for card_id in sorted(reasons))
    return picked
