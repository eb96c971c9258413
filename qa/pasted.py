"""A chat pasted as text, one message a line: ``客户：在吗`` / ``客服 10:00:20：您好``.

Each message line starts with a role label (any name the readers accept: 客户, 顾客, 客服,
坐席, 机器人 ...), optionally with a time before or after it (``10:00:20``, ``2026-11-03
10:00:20``, ``[10:00]``), then ``：`` or ``:`` and the text. A line without a role continues
the previous message. Without times, messages are one second apart (latency rules then say
nothing useful, and the result says so).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from qa.timeparse import parse_timestamp, zone
from qa.transcript import Conversation, canonical_role

_TIME = r"(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T])?\d{1,2}:\d{2}(?::\d{2})?"
_LINE = re.compile(
    rf"^\s*(?:\[?(?P<t1>{_TIME})\]?\s*)?(?P<role>[^\s:：\[\]\d][^:：\[\]]{{0,11}}?)\s*"
    rf"(?:[\[(（]?(?P<t2>{_TIME})[\])）]?\s*)?[:：]\s*(?P<text>.*)$"
)


class PastedChatError(ValueError):
    """The pasted text is not a chat; the message names the line."""


def looks_like_chat(text: str) -> bool:
    """Whether ``text`` starts like role-prefixed chat lines rather than JSON."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    match = _LINE.match(first)
    return bool(match and canonical_role(match.group("role")))


def parse_pasted_chat(text: str, tz: str = "Asia/Shanghai", conversation_id: str = "粘贴-1") -> Conversation:
    """The conversation in ``text``; :class:`PastedChatError` names the first bad line."""
    local = zone(tz)
    today = datetime.now(local).date().isoformat()
    raw: list[list] = []  # [role, text, ts or None, line]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        role = canonical_role(match.group("role")) if match else None
        if role is None:
            if not raw:
                raise PastedChatError(
                    f"第 {number} 行：应以“客户：”或“客服：”开头（可带时间，如 客服 10:00:20：您好）"
                )
            raw[-1][1] += "\n" + line.strip()
            continue
        stamp = match.group("t1") or match.group("t2")
        ts = None
        if stamp:
            full = stamp.replace("/", "-") if re.match(r"\d{4}", stamp) else f"{today} {stamp}"
            try:
                ts = parse_timestamp(full.replace(" ", "T"), tz)
            except ValueError:
                raise PastedChatError(f"第 {number} 行：时间 {stamp!r} 无法识别") from None
        raw.append([role, match.group("text").strip(), ts, number])
    if not raw:
        raise PastedChatError("没有读到任何消息：每行一条，如“客户：在吗”")
    timed = [r for r in raw if r[2] is not None]
    if timed and len(timed) != len(raw):
        missing = next(r[3] for r in raw if r[2] is None)
        raise PastedChatError(f"第 {missing} 行没有时间：要么每条都写时间，要么都不写")
    if not timed:
        start = datetime.now(local).replace(microsecond=0)
        for i, item in enumerate(raw):
            item[2] = start + timedelta(seconds=i)
    agent = "粘贴"
    conversation = Conversation.from_unsorted(conversation_id, agent, [tuple(r) for r in raw], source="粘贴")
    conversation.extra["untimed"] = not timed
    return conversation
