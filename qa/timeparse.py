"""Timestamp parsing for the formats real chat exports use.

Accepted: ISO 8601 with or without offset (``2026-11-03T10:00:05+08:00``),
``YYYY-MM-DD HH:MM:SS`` (also with ``/`` and fractions), epoch seconds and epoch
milliseconds (numbers or digit strings), and ``datetime`` objects from XLSX
cells. A value without an offset is read in the configured time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qa.messages import kind, shown

# Epoch values above this are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
_EPOCH_MS_FROM = 100_000_000_000
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class TimestampError(ValueError):
    """A value that is not a timestamp in any accepted format."""


@lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for a time-zone name, with a clear error when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected e.g. 'Asia/Shanghai')") from None


def parse_timestamp(value: object, tz: str = "Asia/Shanghai") -> datetime:
    """Parse one timestamp into an aware ``datetime``.

    Raises :class:`TimestampError` naming the value and the accepted formats.
    """
    if isinstance(value, bool) or value is None:
        raise TimestampError(f"无法识别的时间 {shown(value)}")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone(tz))
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        raise TimestampError(f"时间必须是文本或数字，实际是{kind(value)}")
    text = value.strip()
    if _NUMBER.match(text):
        return _from_epoch(float(text))
    candidate = text.replace("/", "-")
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        raise TimestampError(
            f"无法识别的时间 {shown(value)}（应为 ISO 8601、'YYYY-MM-DD HH:MM:SS' 或秒/毫秒时间戳）"
        ) from None
    if len(candidate) < 16:  # a bare date says nothing about the time of a message
        raise TimestampError(f"无法识别的时间 {shown(value)}（只有日期，没有时刻）")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone(tz))


def _from_epoch(number: float) -> datetime:
    if abs(number) >= _EPOCH_MS_FROM:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise TimestampError(f"时间戳 {number!r} 超出范围") from None
