"""Templates per kind: false statements only tighten a limit, keys never follow from the stem, options come from the KB."""

import random

from kb.models import Passage
from quiz.ask_number import surely_false
from quiz.ask_procedure import ProcedureQuestions
from quiz.ask_rule import RuleQuestions
from quiz.ask_slot import SlotQuestions
from quiz.extract import extract_passage
from quiz.stems import KeyPlacer, leaks


def facts(text, headings=("售后服务",), doc="手册.md"):
    found, _ = extract_passage(Passage(1, doc, "售后服务手册", tuple(headings), "text", text))
    return found


def test_a_limit_is_only_tightened_in_a_false_statement():
    sentence = "超过50元的补偿须经售后经理审批"
    at = sentence.index("50元")
    assert not surely_false(sentence, at, at + 3, "99元")  # 超过99元 needs approval too: true
    assert surely_false(sentence, at, at + 3, "30元")
    deadline = "客服须在24小时内回复"
    at = deadline.index("24小时")
    assert surely_false(deadline, at, at + 4, "12小时") and not surely_false(deadline, at, at + 4, "48小时")
    floor = "资料须保存3年以上"
    at = floor.index("3年")
    assert surely_false(floor, at, at + 2, "5年") and not surely_false(floor, at, at + 2, "1年")


def test_a_key_derivable_from_the_stem_counts_as_given_away():
    assert leaks("原价299元，现价269元，便宜了（　　）。", "30元")
    assert leaks("客服须在24小时内回复，即（　　）内。", "24小时")
    assert not leaks("客服须在（　　）内回复。", "24小时")


def test_approver_options_are_other_roles_the_kb_names():
    (fact,) = [f for f in facts("退款超过200元须经客服主管审批。") if f.kind == "approver"]
    vocabulary = {"approver": {"手册.md": ["客服主管", "售后经理", "店长", "财务专员"]}}
    question = SlotQuestions(vocabulary, random.Random(1)).single(fact, KeyPlacer(random.Random(1)))
    assert question.answer == "客服主管"
    assert sorted(question.options) == sorted(["客服主管", "售后经理", "店长", "财务专员"])
    assert "（　　）审批" in question.stem


def test_document_options_never_contain_the_key_or_a_name_in_the_sentence():
    (fact,) = [f for f in facts("顾客办理退换货须凭购物小票。") if f.kind == "document"]
    vocabulary = {"document": {"手册.md": ["购物小票", "小票", "发票", "保修卡", "退货单", "身份证"]}}
    question = SlotQuestions(vocabulary, random.Random(2)).single(fact, KeyPlacer(random.Random(2)))
    assert question.answer == "购物小票" and "小票" not in question.options


def test_an_ordering_item_is_keyed_with_the_manuals_order():
    text = "1.顾客提交退货申请。2.客服审核申请。3.顾客寄回商品。4.仓库验货后退款。"
    (fact,) = [f for f in facts(text, headings=("退货流程",)) if f.kind == "procedure"]
    question = ProcedureQuestions(random.Random(3)).order(fact, KeyPlacer(random.Random(3)))
    listed = question.stem.split("？", 1)[1]
    labels = {step: listed[listed.index(step) - 1] for step in fact.detail["steps"]}
    assert question.answer == "→".join(labels[s] for s in fact.detail["steps"])
    assert len(set(question.options)) == 4


def test_a_violation_item_offers_one_banned_and_three_required_practices():
    text = (
        "客服人员严禁泄露客户的手机号码。客服人员必须在工作时间内保持在线。"
        "客服人员必须在工单中记录来电内容。客服人员应当主动报上自己的工号。"
    )
    found = facts(text)
    rules = [f for f in found if f.kind == "rule"]
    ban = next(f for f in rules if f.detail["polarity"] == "ban")
    question = RuleQuestions(rules, random.Random(4)).violation(ban, KeyPlacer(random.Random(4)))
    assert question.answer == "泄露客户的手机号码"
    assert question.stem.endswith("客服人员的以下做法中，哪一种违反规定？") and len(question.options) == 4


def test_key_positions_are_dealt_evenly():
    placer = KeyPlacer(random.Random(5))
    places = []
    for _ in range(400):
        places.append(placer.place("key", ["a", "b", "c"]).index("key"))
        placer.record(4, places[-1])  # the quiz keeps the question
    assert all(places.count(i) == 100 for i in range(4))
