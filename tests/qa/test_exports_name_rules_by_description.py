"""Exports name rules by their Chinese description and show verdicts as 通过 / 未通过 / 不适用."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from qa.report import rule_headers, run_xlsx, write_reports


def test_report_files_use_descriptions_and_chinese_verdicts(scorer, conversation, tmp_path):
    spec = [("customer", 0, "在吗"), ("agent", 5, "您好，很高兴为您服务"), ("agent", 9, "再见")]
    card = scorer.score(conversation(spec))
    write_reports([card], [], tmp_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "conversations.csv").read_text("utf-8-sig"))))
    assert rows[0]["开场问候：客服前两条消息内问候客户"] == "通过"
    assert rows[0]["客户投诉或不满时，客服在随后两条消息内致歉"] == "不适用"
    assert not any(key.startswith("rule:") or key == "greeting" for key in rows[0])
    agents = (tmp_path / "agents.csv").read_text("utf-8-sig")
    assert "各规则失败率" in agents and "服务禁用语" in agents
    workbook = load_workbook(tmp_path / "report.xlsx")
    assert workbook.sheetnames == ["对话", "客服", "证据", "未读入"]
    sheet = load_workbook(io.BytesIO(run_xlsx([card.as_dict()], {"greeting": "开场问候"})))["对话"]
    assert "开场问候" in [cell.value for cell in next(sheet.iter_rows())]


def test_rules_with_the_same_description_keep_their_ids_apart():
    headers = rule_headers({"a": "礼貌", "b": "礼貌", "c": ""}, ["a", "b", "c"])
    assert headers == {"a": "礼貌（a）", "b": "礼貌（b）", "c": "c"}
