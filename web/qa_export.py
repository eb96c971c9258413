"""CSV / XLSX export of a stored QA run, from the scorecards' JSON as the QA store keeps it.

The columns follow ``qa.report.scorecard_row`` so an export from the browser
matches the CLI's ``score --out`` reports.
"""

from __future__ import annotations

import csv
import io

from qa.report import spreadsheet_cell as _cell  # the one formula-neutralising rule of every export


def scorecard_row(card: dict) -> dict:
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


def evidence_rows(cards: list[dict]) -> list[dict]:
    return [
        {
            "id": card["id"],
            "agent": card["agent"],
            "rule": rule["id"],
            "status": rule["status"],
            "message": item["message"],
            "role": item["role"],
            "ts": item["ts"],
            "text": item["text"],
            "term": item.get("term") or item.get("pattern") or "",
            "note": item.get("note", ""),
        }
        for card in cards
        for rule in card.get("rules", [])
        for item in rule.get("evidence", [])
    ]


def _fields(rows: list[dict]) -> list[str]:
    return list(dict.fromkeys(k for row in rows for k in row)) or ["(none)"]


def to_csv(cards: list[dict]) -> bytes:
    rows = [scorecard_row(c) for c in cards]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_fields(rows))
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel opens Chinese UTF-8 correctly


def to_xlsx(cards: list[dict]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in (
        ("conversations", [scorecard_row(c) for c in cards]),
        ("evidence", evidence_rows(cards)),
    ):
        sheet = workbook.create_sheet(title)
        fields = _fields(rows)
        sheet.append(fields)
        for row in rows:
            sheet.append([_cell(row.get(f)) for f in fields])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
