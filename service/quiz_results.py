"""A quiz's results per agent and per attempt, for the trainer's page and its XLSX/CSV export.

Every cell goes through ``qa.report.spreadsheet_cell``: takers' names come from users,
and a name like ``=HYPERLINK(...)`` must stay text in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import time

from openpyxl import Workbook
from openpyxl.styles import Font

from qa.report import spreadsheet_cell
from quiz import get_quiz, quiz_attempts

AGENT_COLUMNS = ("客服", "作答次数", "最高正确率%", "最近正确率%", "是否及格", "最近提交")
ATTEMPT_COLUMNS = (
    "客服",
    "答卷编号",
    "开始时间",
    "提交时间",
    "用时（分钟）",
    "得分",
    "满分",
    "正确率%",
    "是否及格",
    "超时",
)
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else ""


def per_agent(attempts: list[dict]) -> list[dict]:
    """One row per taker: attempts, best and latest percent, passed (any attempt), latest submission."""
    by_taker: dict[str, list[dict]] = {}
    for a in attempts:  # newest first
        by_taker.setdefault(a["taker"], []).append(a)
    rows = [
        {
            "taker": taker,
            "attempts": len(mine),
            "best": max(a["percent"] for a in mine),
            "last": mine[0]["percent"],
            "passed": any(a["passed"] for a in mine),
            "submitted_at": mine[0]["submitted_at"],
        }
        for taker, mine in by_taker.items()
    ]
    return sorted(rows, key=lambda r: (not r["passed"], -r["best"], r["taker"]))


def result_tables(conn, quiz_id: int) -> tuple[list[list], list[list]]:
    """Rows of the per-agent and the per-attempt tables (headers first), cells neutralised."""
    attempts = quiz_attempts(conn, quiz_id)
    agents = [list(AGENT_COLUMNS)] + [
        [
            r["taker"],
            r["attempts"],
            r["best"],
            r["last"],
            "及格" if r["passed"] else "不及格",
            _when(r["submitted_at"]),
        ]
        for r in per_agent(attempts)
    ]
    rows = [list(ATTEMPT_COLUMNS)]
    for a in attempts:
        minutes = round((a["submitted_at"] - a["started_at"]) / 60, 1) if a["started_at"] else ""
        rows.append(
            [
                a["taker"],
                a["attempt_id"],
                _when(a["started_at"]),
                _when(a["submitted_at"]),
                minutes,
                a["points"],
                a["total"],
                a["percent"],
                "及格" if a["passed"] else "不及格",
                "是" if a["overdue"] else "",
            ]
        )
    clean = (
        [[spreadsheet_cell(c) for c in row] for row in agents],
        [[spreadsheet_cell(c) for c in row] for row in rows],
    )
    return clean


def export_results(conn, quiz_id: int, fmt: str) -> tuple[bytes, str, str]:
    """``(content, mimetype, filename)`` of the results as XLSX (two sheets) or CSV (per attempt)."""
    quiz = get_quiz(conn, quiz_id)
    agents, attempts = result_tables(conn, quiz.id)
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(attempts)
        return out.getvalue().encode("utf-8-sig"), MIMETYPES["csv"], f"quiz-{quiz.id}-results.csv"
    if fmt != "xlsx":
        raise ValueError(f"未知的导出格式 {fmt!r}（可选：xlsx、csv）")
    book = Workbook()
    for index, (title, rows) in enumerate((("每位客服", agents), ("每次作答", attempts))):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), MIMETYPES["xlsx"], f"quiz-{quiz.id}-results.xlsx"
