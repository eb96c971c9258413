"""Conversations and messages as the scorer sees them, and the role vocabulary.

Exports name the same role many ways (客服, 坐席, staff...); everything is
mapped to four canonical roles on read so that no rule ever has to care.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from common.textnorm import normalize

CUSTOMER = "customer"
AGENT = "agent"
BOT = "bot"
SYSTEM = "system"
ROLES = (CUSTOMER, AGENT, BOT, SYSTEM)

ROLE_ALIASES: dict[str, str] = {
    "customer": CUSTOMER,
    "user": CUSTOMER,
    "client": CUSTOMER,
    "buyer": CUSTOMER,
    "客户": CUSTOMER,
    "顾客": CUSTOMER,
    "买家": CUSTOMER,
    "用户": CUSTOMER,
    "访客": CUSTOMER,
    "agent": AGENT,
    "staff": AGENT,
    "operator": AGENT,
    "客服": AGENT,
    "坐席": AGENT,
    "座席": AGENT,
    "人工": AGENT,
    "bot": BOT,
    "robot": BOT,
    "机器人": BOT,
    "智能客服": BOT,
    "system": SYSTEM,
    "系统": SYSTEM,
}


def canonical_role(raw: object) -> str | None:
    """The canonical role for a raw role label, or ``None`` when it is unknown.

    Labels are compared case-insensitively after trimming, and Traditional
    forms (客戶, 機器人, 系統) are accepted too.
    """
    if not isinstance(raw, str):
        return None

    return ROLE_ALIASES.get(normalize(raw))


@dataclass(frozen=True)
class Message:
    """One chat message; ``index`` is its position after sorting by time."""

    index: int
    role: str
    text: str
    ts: datetime
    line: int | None = None  # source line or row, for error messages and evidence


@dataclass
class Conversation:
    """One conversation, messages sorted by timestamp (ties keep file order)."""

    id: str
    agent: str
    messages: list[Message]
    channel: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_unsorted(
        cls, id: str, agent: str, raw: list[tuple[str, str, datetime, int | None]], **kw
    ) -> Conversation:
        """Build a conversation from ``(role, text, ts, line)`` tuples in file order.

        Exports are not always in time order (merged channels, re-sent
        messages), and every rule depends on order, so sort here once.
        """
        ordered = sorted(enumerate(raw), key=lambda pair: (pair[1][2], pair[0]))
        messages = [
            Message(index=i, role=role, text=text, ts=ts, line=line)
            for i, (_, (role, text, ts, line)) in enumerate(ordered)
        ]
        return cls(id=id, agent=agent, messages=messages, **kw)

    def by_role(self, role: str) -> list[Message]:
        """Messages of one role, in time order."""
        return [m for m in self.messages if m.role == role]
