"""Per-agent aggregation and the JSON / CSV / XLSX report writers."""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from common.atomic import write_atomic
from qa.readers import Rejection
from qa.scoring import FAIL, NA, Scorecard


@dataclass
class AgentSummary:
    """How one agent did over a set of scorecards."""

    agent: str
    conversations: int
    mean_score: float
    pass_rate: float
    rule_failure_rate: dict[str, float] = field(default_factory=dict)  # failures / applicable, per rule
    first_response_mean_s: float | None = None
    first_response_median_s: float | None = None
    reply_mean_s: float | None = None
    reply_median_s: float | None = None
    reply_max_s: float | None = None
    over_sla: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _stat(values: list[float], fn) -> float | None:
    return round(float(fn(values)), 3) if values else None


def summarize_agents(scorecards: Iterable[Scorecard]) -> list[AgentSummary]:
    """One summary per agent, sorted by agent id."""
    by_agent: dict[str, list[Scorecard]] = {}
    for card in scorecards:
        by_agent.setdefault(card.agent, []).append(card)
    summaries = []
    for agent in sorted(by_agent):
        cards = by_agent[agent]
        rule_ids = list(dict.fromkeys(r.id for c in cards for r in c.rules))
        failure = {}
        for rule_id in rule_ids:
            statuses = [c.rule(rule_id).status for c in cards]
            applicable = [s for s in statuses if s != NA]
            failure[rule_id] = (
                round(sum(s == FAIL for s in applicable) / len(applicable), 4) if applicable else None
            )
        first = [c.latency.first_response_s for c in cards if c.latency.first_response_s is not None]
        later = [s for c in cards for s in c.latency.reply_s]
        summaries.append(
            AgentSummary(
                agent=agent,
                conversations=len(cards),
                mean_score=round(statistics.fmean(c.score for c in cards), 2),
                pass_rate=round(sum(c.passed for c in cards) / len(cards), 4),
                rule_failure_rate=failure,
                first_response_mean_s=_stat(first, statistics.fmean),
                first_response_median_s=_stat(first, statistics.median),
                reply_mean_s=_stat(later, statistics.fmean),
                reply_median_s=_stat(later, statistics.median),
                reply_max_s=_stat(later, max),
                over_sla=sum(c.latency.over_sla for c in cards),
            )
        )
    return summaries


def scorecard_row(card: dict) -> dict:
    """One flat row per conversation for CSV and XLSX, from a scorecard's JSON (``Scorecard.as_dict``).

    The JSON form is what the QA store keeps, so ``score --out`` and the web's export of a
    stored run write the same columns.
    """
    latency = card.get("latency") or {}
    row = {
        "id": card["id"],
        "agent": card["agent"],
        "channel": card.get("channel", ""),
        "score": card["score"],
        "passed": card["passed"],
        "critical_failed": card["critical_failed"],
        "first_response_s": latency.get("first_response_s"),
        "reply_s": " ".join(f"{s:g}" for s in latency.get("reply_s") or []),
        "over_sla": latency.get("over_sla"),
        "max_s": latency.get("max_s"),
        "mean_s": latency.get("mean_s"),
        "median_s": latency.get("median_s"),
    }
    for result in card.get("rules", []):
        row[f"rule:{result['id']}"] = result["status"]
    return row


def evidence_rows(cards: Iterable[dict]) -> list[dict]:
    """One row per evidence item of scorecards' JSON: what QA staff read to check a deduction."""
    return [
        {
            "id": card["id"],
            "agent": card["agent"],
            "rule": result["id"],
            "status": result["status"],
            "message": item["message"],
            "role": item["role"],
            "ts": item["ts"],
            "text": item["text"],
            "span": "" if not item.get("span") else f"{item['span'][0]}-{item['span'][1]}",
            "term": item.get("term") or item.get("pattern") or "",
            "note": item.get("note", ""),
        }
        for card in cards
        for result in card.get("rules", [])
        for item in result.get("evidence", [])
    ]


def run_csv(cards: list[dict]) -> bytes:
    """The conversations sheet of a stored run as CSV (scorecards' JSON in, UTF-8 with BOM out)."""
    return _rows_csv([scorecard_row(c) for c in cards])


def run_xlsx(cards: list[dict]) -> bytes:
    """A stored run as a workbook: its conversations and evidence sheets."""
    buffer = io.BytesIO()
    conversations, evidence = [scorecard_row(c) for c in cards], evidence_rows(cards)
    _write_xlsx(buffer, {"conversations": conversations, "evidence": evidence})
    return buffer.getvalue()


# A cell starting with one of these is read as a formula by Excel or LibreOffice
# (=HYPERLINK(...), +cmd|..., -1+1, @SUM(...)); tab and carriage return are stripped by
# some importers before they look, so they are treated the same.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> object:
    """``value`` made inert for a CSV or XLSX cell: text a spreadsheet would run gets a leading '.

    Transcripts, agent ids and file names come from users; every export (``score --out``
    and the web's) writes its cells through this one function.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _rows_csv(rows: list[dict], header: tuple[str, ...] = ()) -> bytes:
    buffer = io.StringIO()
    fields = list(dict.fromkeys(k for row in rows for k in row)) or list(header)
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_cell(f) for f in fields])
    writer.writerows([spreadsheet_cell(row.get(f)) for f in fields] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel opens UTF-8 Chinese correctly


def write_reports(cards: list[Scorecard], rejections: list[Rejection], out_dir: str | Path) -> list[Path]:
    """Write scorecards.jsonl, conversations.csv, agents.csv, evidence.csv and report.xlsx."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    agents = [a.as_dict() for a in summarize_agents(cards)]
    for agent in agents:
        agent["rule_failure_rate"] = json.dumps(agent["rule_failure_rate"], ensure_ascii=False)
    as_json = [c.as_dict() for c in cards]
    conversations = [scorecard_row(c) for c in as_json]
    evidence = evidence_rows(as_json)
    rejected = [{"file": r.file, "unit": r.unit, "line": r.line, "reason": r.reason} for r in rejections]
    written = []
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in as_json).encode("utf-8")
    for name, payload in (
        ("scorecards.jsonl", lines),
        ("conversations.csv", _rows_csv(conversations)),
        ("agents.csv", _rows_csv(agents)),
        ("evidence.csv", _rows_csv(evidence)),
        ("rejections.csv", _rows_csv(rejected, ("file", "unit", "line", "reason"))),
    ):
        write_atomic(out / name, lambda h, p=payload: h.write(p))
        written.append(out / name)
    sheets = {"conversations": conversations, "agents": agents, "evidence": evidence, "rejections": rejected}
    write_atomic(out / "report.xlsx", lambda h: _write_xlsx(h, sheets))
    written.append(out / "report.xlsx")
    return written


def _write_xlsx(handle, sheets: dict[str, list[dict]]) -> None:
    """One sheet per entry, columns from the rows' keys, every cell made inert."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        fields = list(dict.fromkeys(k for row in rows for k in row)) or ["(none)"]
        sheet.append([spreadsheet_cell(f) for f in fields])
        for row in rows:
            sheet.append([spreadsheet_cell(row.get(f)) for f in fields])
    workbook.save(handle)
