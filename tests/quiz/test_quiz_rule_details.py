"""Rule-choice wrong options change one concrete detail: nothing gives the answer away by form."""

import random

from quiz.keys import negation_key
from quiz.rules import FLIP_WORDS, change_detail, detail_changes, gives_away_by_form, pick_changed_rules

ROLES = (("客服主管", "客服组长", "总经理"),)


def _numbers(key):
    return {"24小时": ["48小时", "12小时"], "5天": ["7天"]}.get(key.text, [])


def test_details_are_numbers_times_and_roles_of_the_same_kind():
    sentence = "订单客服须在每天16:30前发货,异常订单须在24小时内报客服主管。"
    changes = detail_changes(sentence, ROLES, _numbers)
    found = {sentence[a:b]: r for a, b, r in changes}
    assert found["24小时"] == ["48小时", "12小时"]
    assert "17:30" in found["16:30"] and "15:30" in found["16:30"]
    assert set(found["客服主管"]) == {"客服组长", "总经理"}  # a supervisor for a supervisor
    assert (
        detail_changes("客服人员应保持冷静,避免争论。", ROLES, _numbers) == []
    )  # a platitude: nothing to change


def test_a_role_named_twice_is_not_changed():
    sentence = "客服主管须在当日回复,客服主管不在时由值班人员代为处理。"
    assert detail_changes(sentence, ROLES, _numbers) == []


def test_changed_rules_are_positive_statements_and_never_flips():
    rng = random.Random(3)
    others = []
    for s in (
        "调班须先得到客服主管的批准。",
        "顾客须在5天内寄出商品并填写物流单号。",
        "重要投诉须在24小时内升级。",
    ):
        changed = change_detail(s, detail_changes(s, ROLES, _numbers), rng)
        assert changed is not None and changed != s
        others.append((s, changed))
    right = "客服须在每天16:30前完成发货。"
    wrong = pick_changed_rules(right, others)
    assert len(wrong) == 3
    options = [right, *wrong]
    assert not gives_away_by_form(options, right)
    for option in options:
        assert not any(w in option for w in FLIP_WORDS), option
        assert "须" in option  # every option shares the manual's modal form


def test_a_flipped_option_is_a_giveaway_and_is_never_picked():
    right = "客服须在24小时内回复。"
    flipped = "当班客服离岗前不必与同事交接。"
    assert gives_away_by_form([right, flipped, "调班须得到客服组长的批准。", "顾客须在7天内寄出。"], right)
    assert pick_changed_rules(right, [("当班客服离岗前必须与同事交接。", flipped)]) == []


def test_true_false_flip_is_refused_when_a_later_clause_restates_the_duty(kb):
    from quiz.generate import Candidate, QuestionBuilder
    from quiz.keys import Key
    from quiz.sources import Fact

    builder = QuestionBuilder(kb, seed=1)

    def cand(sentence):
        fact = Fact(sentence, "手册", [], 1)
        return Candidate(fact, Key("", 0, 0, "rule"), 1, 0.0, flip=negation_key(sentence), rule=True)

    assert not builder.flippable(cand("当客服需要离开办公室时必须和同事进行交接,确保该时段有人接待。"))
    assert not builder.flippable(cand("日常工作中出现非正常问题,必须及时向总经理请示和汇报,做好上传下达。"))
    assert not builder.flippable(cand("在工作时间内,必须使用服务用语,回复客户时要礼貌、亲切。"))
    assert builder.flippable(cand("促销广播必须每隔一段固定时间就广播一次。"))
