"""Turn a conversation and its scorecard into chat bubbles with the evidence marked inline.

Pure presentation: text segments (escaped by Jinja when rendered) with a CSS
class and a tooltip per marked span, and per-message notes for evidence that
has no span (a required phrase missing, a slow reply).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qa import Conversation, read_transcripts
from web.extensions import settings


@dataclass
class Bubble:
    index: int
    role: str
    ts: str
    segments: list[tuple[str, str, str]]  # (text, css class or "", tooltip)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (text, "fail" | "pass" | "info")


def _mark_class(rule: dict, item: dict) -> str:
    note = item.get("note", "")
    if note == "触发" or note.startswith("触发（"):  # a trigger phrase, or a complaint cue (触发（等待太久）)
        return "ev-trigger"
    if rule["kind"] == "banned":
        return "ev-fail"
    return "ev-pass"


def build_bubbles(messages: list, card: dict, rule_labels: dict[str, str] | None = None) -> list[Bubble]:
    """``messages``: objects with ``index, role, text, ts`` (qa.Message); ``card``: the scorecard JSON."""
    labels = rule_labels or {}
    spans: dict[int, list[tuple[int, int, str, str]]] = {}
    notes: dict[int, list[tuple[str, str]]] = {}
    for rule in card.get("rules", []):
        label = labels.get(rule["id"]) or rule["id"]
        for item in rule.get("evidence", []):
            index = item["message"]
            if item.get("span"):
                start, end = item["span"]
                tip = f"{label}：{item.get('note', '')}" + (f"（{item['term']}）" if item.get("term") else "")
                spans.setdefault(index, []).append((start, end, _mark_class(rule, item), tip))
                if rule["kind"] == "banned":
                    notes.setdefault(index, []).append(
                        (f"禁用语：{item.get('term') or item['text']}", "fail")
                    )
            elif item.get("seconds") is not None:
                kind = "fail" if rule["status"] == "fail" and "超过" in item.get("note", "") else "info"
                notes.setdefault(index, []).append((f"时效·{label}：{item.get('note', '')}", kind))
            elif rule["status"] == "fail":
                notes.setdefault(index, []).append((f"缺少：{label}（{item.get('note', '')}）", "fail"))
    bubbles = []
    for message in messages:
        text = message.text
        segments, cursor = [], 0
        for start, end, css, tip in sorted(spans.get(message.index, [])):
            if start < cursor or end > len(text):
                continue  # overlapping evidence: the first span wins
            if start > cursor:
                segments.append((text[cursor:start], "", ""))
            segments.append((text[start:end], css, tip))
            cursor = end
        if cursor < len(text):
            segments.append((text[cursor:], "", ""))
        ts = message.ts.strftime("%H:%M:%S") if hasattr(message.ts, "strftime") else str(message.ts)
        bubbles.append(Bubble(message.index, message.role, ts, segments, notes.get(message.index, [])))
    return bubbles


def conversation_of(files: list[str], card: dict):
    """Re-read the scored conversation from the run's stored transcript file."""
    source_file = card.get("source", "").split(":")[0]
    for file in files:
        if Path(file).name != source_file or not Path(file).is_file():
            continue
        for item in read_transcripts(file, settings().timezone):
            if isinstance(item, Conversation) and item.id == card["id"] and item.source == card["source"]:
                return item
    return None


def scorecard_bubbles(card: dict, run: dict | None) -> tuple[dict[str, str], list[Bubble] | None]:
    """A stored scorecard's rule labels, and its conversation as bubbles (None when its file is gone)."""
    labels = {r["id"]: r["description"] or r["id"] for r in card["rules"]}
    conversation = conversation_of(run["files"], card) if run else None
    return labels, build_bubbles(conversation.messages, card, labels) if conversation else None
