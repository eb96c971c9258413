"""Jinja filters shared by the templates (dates, JSON columns, percentages)."""

from __future__ import annotations

import json
from datetime import datetime


def format_datetime(value) -> str:
    """Epoch seconds or an ISO string as local ``YYYY-MM-DD HH:MM``."""
    if value in (None, ""):
        return ""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M")
    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def format_percent(value, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def from_json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def init_app(app) -> None:
    app.jinja_env.filters.update(datetime=format_datetime, pct=format_percent, fromjson=from_json)
