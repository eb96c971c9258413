"""Response-time measurement, exactly as QA staff count it.

First response: the first customer message to the first agent message after
it. Later replies: a customer burst (consecutive customer messages with no
agent message between) is timed from its FIRST message to the next agent
message. Further agent messages in a row are not replies, a final burst with
no reply is left out, and bot or system messages are never replies (nor do
they break a burst).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from qa.transcript import AGENT, CUSTOMER, Conversation


@dataclass(frozen=True)
class Reply:
    """One timed reply: the burst's first customer message and the agent message answering it."""

    from_index: int
    to_index: int
    seconds: float


@dataclass
class LatencyReport:
    """Every reply of a conversation and the figures derived from them.

    ``max_s``, ``mean_s`` and ``median_s`` cover all replies, the first
    response included; ``reply_s`` lists the later replies only.
    """

    first_response: Reply | None
    replies: list[Reply] = field(default_factory=list)  # later replies, first response excluded
    first_response_sla_s: float = 0.0
    reply_sla_s: float = 0.0

    @property
    def first_response_s(self) -> float | None:
        return self.first_response.seconds if self.first_response else None

    @property
    def reply_s(self) -> list[float]:
        return [r.seconds for r in self.replies]

    @property
    def all_s(self) -> list[float]:
        return ([self.first_response.seconds] if self.first_response else []) + self.reply_s

    @property
    def over_sla(self) -> int:
        first = int(
            self.first_response is not None and self.first_response.seconds > self.first_response_sla_s
        )
        return first + sum(r.seconds > self.reply_sla_s for r in self.replies)

    def as_dict(self) -> dict:
        """The JSON contract's ``latency`` object."""
        values = self.all_s
        return {
            "first_response_s": self.first_response_s,
            "reply_s": self.reply_s,
            "over_sla": self.over_sla,
            "max_s": max(values) if values else None,
            "mean_s": round(statistics.fmean(values), 3) if values else None,
            "median_s": round(float(statistics.median(values)), 3) if values else None,
        }


def measure_latency(
    conversation: Conversation, first_response_sla_s: float, reply_sla_s: float
) -> LatencyReport:
    """Time every customer burst to the agent message that answers it."""
    timed: list[Reply] = []
    burst_start = None
    for message in conversation.messages:
        if message.role == CUSTOMER:
            if burst_start is None:
                burst_start = message
        elif message.role == AGENT and burst_start is not None:
            seconds = round((message.ts - burst_start.ts).total_seconds(), 3)
            timed.append(Reply(burst_start.index, message.index, seconds))
            burst_start = None
    return LatencyReport(
        first_response=timed[0] if timed else None,
        replies=timed[1:],
        first_response_sla_s=first_response_sla_s,
        reply_sla_s=reply_sla_s,
    )
