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


STATUS_LABELS = {"pass": "通过", "fail": "未通过", "na": "不适用"}
ROLE_LABELS = {"customer": "顾客", "agent": "客服", "bot": "机器人", "system": "系统"}
# Column headers of the exports: people open them in a spreadsheet, so they read Chinese.
AGENT_HEADERS = {
    "agent": "客服",
    "conversations": "对话数",
    "mean_score": "平均分",
    "pass_rate": "合格率",
    "rule_failure_rate": "各规则失败率",
    "first_response_mean_s": "首次响应平均（秒）",
    "first_response_median_s": "首次响应中位（秒）",
    "reply_mean_s": "回复平均（秒）",
    "reply_median_s": "回复中位（秒）",
    "reply_max_s": "回复最长（秒）",
    "over_sla": "超时次数",
}


def rule_headers(labels: dict[str, str] | None, rule_ids: Iterable[str]) -> dict[str, str]:
    """Column header per rule id: its description, with the id added where two would read the same."""
    labels = labels or {}
    ids = list(dict.fromkeys(rule_ids))
    names = {rule_id: labels.get(rule_id) or rule_id for rule_id in ids}
    repeated = {name for name in names.values() if list(names.values()).count(name) > 1}
    return {rule_id: f"{name}（{rule_id}）" if name in repeated else name for rule_id, name in names.items()}


def card_labels(cards: Iterable[Scorecard]) -> dict[str, str]:
    """Rule descriptions by id, as the scorer recorded them."""
    return {r.id: r.description for card in cards for r in card.rules if r.description}


def scorecard_row(card: dict, labels: dict[str, str] | None = None) -> dict:
    """One flat row per conversation for CSV and XLSX, from a scorecard's JSON (``Scorecard.as_dict``).

    The JSON form is what the QA store keeps, so ``score --out`` and the web's export of a
    stored run write the same columns. ``labels`` (rule id -> description) names the rule
    columns; verdicts read 通过 / 未通过 / 不适用.
    """
    latency = card.get("latency") or {}
    row = {
        "对话": card["id"],
        "客服": card["agent"],
        "渠道": card.get("channel", ""),
        "得分": card["score"],
        "合格": "是" if card["passed"] else "否",
        "严重违规": "是" if card["critical_failed"] else "否",
        "首次响应（秒）": latency.get("first_response_s"),
        "各次回复（秒）": " ".join(f"{s:g}" for s in latency.get("reply_s") or []),
        "超时次数": latency.get("over_sla"),
        "最长回复（秒）": latency.get("max_s"),
        "平均回复（秒）": latency.get("mean_s"),
        "中位回复（秒）": latency.get("median_s"),
    }
    rules = card.get("rules", [])
    headers = rule_headers(labels, (r["id"] for r in rules))
    for result in rules:
        row[headers[result["id"]]] = STATUS_LABELS.get(result["status"], result["status"])
    return row


def evidence_rows(cards: Iterable[dict], labels: dict[str, str] | None = None) -> list[dict]:
    """One row per evidence item of scorecards' JSON: what QA staff read to check a deduction."""
    cards = list(cards)
    headers = rule_headers(labels, (r["id"] for card in cards for r in card.get("rules", [])))
    return [
        {
            "对话": card["id"],
            "客服": card["agent"],
            "规则": headers[result["id"]],
            "结果": STATUS_LABELS.get(result["status"], result["status"]),
            "消息序号": item["message"],
            "角色": ROLE_LABELS.get(item["role"], item["role"]),
            "时间": item["ts"],
            "文本": item["text"],
            "位置": "" if not item.get("span") else f"{item['span'][0]}-{item['span'][1]}",
            "用语": item.get("term") or item.get("pattern") or "",
            "说明": item.get("note", ""),
        }
        for card in cards
        for result in card.get("rules", [])
        for item in result.get("evidence", [])
    ]


def agent_rows(cards: list[Scorecard]) -> list[dict]:
    """One row per agent with Chinese headers; failure rates keyed by rule description."""
    headers = rule_headers(card_labels(cards), (r.id for card in cards for r in card.rules))
    rows = []
    for summary in summarize_agents(cards):
        raw = summary.as_dict()
        raw["rule_failure_rate"] = json.dumps(
            {headers.get(k, k): v for k, v in raw["rule_failure_rate"].items()}, ensure_ascii=False
        )
        rows.append({AGENT_HEADERS[k]: v for k, v in raw.items()})
    return rows


def run_csv(cards: list[dict], labels: dict[str, str] | None = None) -> bytes:
    """The conversations sheet of a stored run as CSV (scorecards' JSON in, UTF-8 with BOM out)."""
    return _rows_csv([scorecard_row(c, labels) for c in cards])


def run_xlsx(cards: list[dict], labels: dict[str, str] | None = None) -> bytes:
    """A stored run as a workbook: its conversations and evidence sheets (Chinese names and headers)."""
    buffer = io.BytesIO()
    conversations, evidence = [scorecard_row(c, labels) for c in cards], evidence_rows(cards, labels)
    _write_xlsx(buffer, {"对话": conversations, "证据": evidence})
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
    labels = card_labels(cards)
    agents = agent_rows(cards)
    as_json = [c.as_dict() for c in cards]
    conversations = [scorecard_row(c, labels) for c in as_json]
    evidence = evidence_rows(as_json, labels)
    rejected = [{"文件": r.file, "单元": r.unit, "行": r.line, "原因": r.reason} for r in rejections]
    written = []
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in as_json).encode("utf-8")
    for name, payload in (
        ("scorecards.jsonl", lines),
        ("conversations.csv", _rows_csv(conversations)),
        ("agents.csv", _rows_csv(agents)),
        ("evidence.csv", _rows_csv(evidence)),
        ("rejections.csv", _rows_csv(rejected, ("文件", "单元", "行", "原因"))),
    ):
        write_atomic(out / name, lambda h, p=payload: h.write(p))
        written.append(out / name)
    sheets = {"对话": conversations, "客服": agents, "证据": evidence, "未读入": rejected}
    write_atomic(out / "report.xlsx", lambda h: _write_xlsx(h, sheets))
    written.append(out / "report.xlsx")
    return written


def _write_xlsx(handle, sheets: dict[str, list[dict]]) -> None:
    """One sheet per entry, columns from the rows' keys, every cell made inert."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        fields = list(dict.fromkeys(k for row in rows for k in row)) or ["（无）"]
        sheet.append([spreadsheet_cell(f) for f in fields])
        for row in rows:
            sheet.append([spreadsheet_cell(row.get(f)) for f in fields])
    workbook.save(handle)
