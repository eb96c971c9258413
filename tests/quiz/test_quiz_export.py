"""Exports: GIFT and Moodle XML round-trip, spreadsheet columns, format from extension."""

import csv
import io

import pytest

from quiz.exporters import export_quiz, format_for_path
from quiz.importers import read_gift, read_moodle_xml
from quiz.models import Question, Quiz, Source

TRICKY = "退货须知：运费{首重}~续重 = 8元 #备注 \\ 反斜杠"


def sample_quiz() -> Quiz:
    src = Source("售后服务手册.md", ["第三节 运费规则"], "订单实付金额满99元包邮", 7)
    return Quiz(
        "运费 测验",
        [
            Question(
                "single",
                f"根据《售后服务手册》：{TRICKY}，订单实付满（　　）包邮。",
                ["99元", "88元", "199元", "50元~含"],
                "99元",
                "原文：订单实付金额满99元包邮。",
                src,
                0.5,
                "99元",
            ),
            Question(
                "tf",
                "判断正误：偏远地区每单加收运费20元：以{活动页面}为准。",
                answer="正确",
                explanation="正确。#原文 = 偏远地区……",
                source=src,
            ),
            Question(
                "cloze",
                "填空：商品到货破损的，顾客须在签收后____内拍照反馈：",
                answer="24小时",
                explanation="原文：……",
                accepted=["二十四小时"],
                source=src,
            ),
            Question(
                "scenario",
                "情景题：顾客说：“包邮吗？” 以下哪一项是标准回复？",
                ["满99元包邮：不满收8元", "亲，稍等{查询}", "请提供照片", "退款原路退回"],
                "满99元包邮：不满收8元",
                "标准回复出自《客服话术》。",
                src,
            ),
            Question("tf", "判断正误：繁體字「門市」測試\n第二行", answer="错误", explanation="", source=src),
        ],
        id=3,
    )


def essentials(questions):
    return [(q.type, q.stem, q.options, q.answer, q.explanation, q.accepted) for q in questions]


def test_gift_round_trip_with_special_characters():
    quiz = sample_quiz()
    data, mimetype, filename = export_quiz(quiz, "gift")
    text = data.decode("utf-8")
    assert r"\{首重\}\~续重 \= 8元 \#备注" in text
    assert filename == "quiz-3.gift" and mimetype.startswith("text/plain")
    assert essentials(read_gift(text)) == essentials(quiz.questions)


def test_moodle_xml_round_trip():
    quiz = sample_quiz()
    data, mimetype, _ = export_quiz(quiz, "xml")
    assert data.startswith(b"<?xml") and mimetype == "application/xml"
    assert essentials(read_moodle_xml(data)) == essentials(quiz.questions)


def test_csv_and_xlsx_columns():
    quiz = sample_quiz()
    data, _, _ = export_quiz(quiz, "csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["题型", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "来源"]
    assert rows[1][0] == "单选题" and rows[1][6] == "A"
    assert rows[2][6] == "正确" and rows[3][6] == "24小时" and rows[4][0] == "情景题"
    assert "售后服务手册" in rows[1][8]

    from openpyxl import load_workbook

    data, mimetype, _ = export_quiz(quiz, "xlsx")
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]][:3] == ["题型", "题目", "选项A"]
    assert sheet.cell(row=2, column=2).value == quiz.questions[0].stem
    assert "spreadsheetml" in mimetype


def test_json_export_keeps_sources():
    import json

    data, _, _ = export_quiz(sample_quiz(), "json")
    loaded = json.loads(data)
    assert loaded["questions"][0]["source"]["document"] == "售后服务手册.md"
    assert loaded["questions"][0]["answer_letter"] == "A"


def test_format_follows_extension():
    assert format_for_path("out/quiz.gift") == "gift"
    assert format_for_path("quiz.XLSX") == "xlsx"
    assert format_for_path("quiz.xml") == "xml"
    with pytest.raises(ValueError, match="extension"):
        format_for_path("quiz.docx")
    with pytest.raises(ValueError, match="unknown export format"):
        export_quiz(sample_quiz(), "pdf")


def test_generated_quiz_round_trips(generated):
    quiz = Quiz("生成", list(generated), id=1)
    gift, _, _ = export_quiz(quiz, "gift")
    xml, _, _ = export_quiz(quiz, "xml")
    assert essentials(read_gift(gift.decode("utf-8"))) == essentials(generated)
    assert essentials(read_moodle_xml(xml)) == essentials(generated)
