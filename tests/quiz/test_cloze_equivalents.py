"""Cloze answers that mean the key are right: numerals, units and synonyms, ranges, alternatives."""

import pytest

from quiz.equivalence import equivalent, load_units, parse_quantities
from quiz.grading import grade
from quiz.models import Question

# Every equivalence the issue names, and the ones a trainer would expect next to them.
SAME = [
    ("25", "25元"),
    ("25元", "25"),
    ("1.5", "1.5倍"),
    ("两天", "两日"),
    ("2天", "两日"),
    ("两天", "2天"),
    ("7天", "一周"),
    ("一星期", "一周"),
    ("七天", "1星期"),
    ("2毫米", "2mm"),
    ("两毫米", "2MM"),
    ("5号", "5日"),
    ("五号", "5日"),
    ("一年", "12个月"),
    ("1年", "十二个月"),
    ("3至5天", "3-5天"),
    ("三到五天", "3~5天"),
    ("3天到5天", "3-5天"),
    ("3-5个工作日", "三至五个工作日"),
    ("48小时", "2天"),
    ("24小时", "一天"),
    ("半年", "6个月"),
    ("一个半小时", "90分钟"),
    ("二十五元", "25块"),
    ("¥25", "25元"),
    ("三万元", "3万元"),
    ("7天内", "7天"),
    ("百分之五", "5%"),
    ("一点五倍", "1.5倍"),
    ("３个工作日", "3个工作日"),
    ("兩日", "2天"),
]
DIFFERENT = [
    ("5号", "5天"),  # a day of the month is not a duration
    ("15", "1.5"),
    ("7", "一周"),  # a bare number is read in the key's own unit: 7 weeks is not one
    ("3-5天", "3-6天"),
    ("3天", "3-5天"),
    ("2mm", "2cm"),
    ("5个工作日", "5天"),
    ("10元", "25元"),
    ("一年", "10个月"),
    ("", "7天"),
]


@pytest.mark.parametrize(("response", "key"), SAME)
def test_equivalent_answers_are_accepted(response, key):
    assert equivalent(response, key)
    question = Question("cloze", "填空：（　　）", answer=key)
    assert grade(question, response)


@pytest.mark.parametrize(("response", "key"), DIFFERENT)
def test_different_answers_are_refused(response, key):
    assert not equivalent(response, key)


def test_a_range_spreads_its_unit_over_both_ends():
    low, high = parse_quantities("3-5天")
    assert (low.value, low.unit, high.value, high.unit) == (3.0, "天", 5.0, "天")


def test_the_unit_table_is_data_with_synonyms_in_several_dimensions():
    table = load_units()
    assert table.sizes["日"].keys() >= {"day", "day_of_month"}
    assert table.sizes["号"] == {"day_of_month": 1.0}
    assert table.sizes["mm"] == table.sizes["毫米"]


def test_alternatives_the_trainer_adds_are_accepted():
    question = Question(
        "cloze", "退款原路退回到（　　）。", answer="原支付账户", accepted=["原账户", "付款账户"]
    )
    assert grade(question, "付款账户")
    assert grade(question, "原 账户")
    assert not grade(question, "银行卡")


def test_text_keys_still_compare_as_text():
    question = Question("cloze", "由（　　）审批。", answer="客服主管")
    assert grade(question, "客服主管")
    assert not grade(question, "主管客服")
