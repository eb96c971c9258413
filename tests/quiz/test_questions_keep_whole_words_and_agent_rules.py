"""Questions blank and swap whole words, make false statements that are really false, and ask only
what an agent does: no word fragments, no self-contradicting negations, no sub-range of a tier
keyed false, no planning targets, management policy, reader copy or customer advice, no stage
directions among reply options."""

import random

from kb.models import Passage
from quiz.ask_number import surely_false
from quiz.ask_procedure import ProcedureQuestions
from quiz.ask_rule import RuleQuestions
from quiz.extract import extract_passage
from quiz.fact_patterns import without_stage_directions
from quiz.facts import Fact, StageReport
from quiz.readability import broken, lacks_subject
from quiz.spun import spun_sentences
from quiz.stems import KeyPlacer
from quiz.vocabulary import settle_facts
from quiz.worth import not_worth_asking


def facts(text, doc="手册.md", headings=("售后服务",), kind="text", question="", answer=""):
    passage = Passage(1, doc, doc.removesuffix(".md"), tuple(headings), kind, text, question, answer)
    return extract_passage(passage)[0]


def test_a_role_after_a_routing_verb_is_the_role_alone():
    found = facts("現金退款單筆超過2000元者，須報區域經理審批後方可辦理。")
    assert [f.key for f in found if f.kind == "approver"] == ["區域經理"]


def test_a_document_verb_and_its_object_are_never_a_role():
    found = facts("代人取貨者另須出示訂購人授權截圖。")
    assert not [f for f in found if f.kind == "approver"]


def test_a_document_inside_a_title_is_the_whole_title():
    found = facts("自提商品須當面開箱驗貨，並由顧客在《自提交付單》上簽名。")
    assert [f.key for f in found if f.kind == "document"] == ["自提交付單"]


def test_a_false_rule_statement_never_negates_one_of_two_duties():
    (two,) = [
        f
        for f in facts("客服人员应严格遵守公司的工作纪律，不得在工作时间内从事与工作无关的活动。")
        if f.kind == "rule"
    ]
    (bound,) = [f for f in facts("客服人员还需要及时向客户提供优惠信息和产品推荐。") if f.kind == "rule"]
    (clear,) = [f for f in facts("客服人员严禁为未满16岁的顾客办理退款。") if f.kind == "rule"]
    rules = RuleQuestions([two, bound, clear], random.Random(1))
    assert rules.true_false(two, False) is None and rules.true_false(bound, False) is None
    assert "可以为未满16岁的顾客办理退款" in rules.true_false(clear, False).stem


def test_a_part_of_a_tier_is_no_false_statement():
    tier = "（二）50元以上至200元（含）：须经客服组长批准；"
    assert not surely_false(tier, 3, 6, "100元")  # 100–200元 still needs the 组长
    assert surely_false(tier, 3, 6, "30元")  # 30–50元 is another tier
    row = "（四）1000元以上：须由客户服务中心经理签字确认。"
    assert not surely_false(row, 3, 8, "2000元") and surely_false(row, 3, 8, "800元")


def settled(found):
    return settle_facts(found, StageReport())


def test_targets_management_policy_and_reader_copy_are_not_asked():
    found = facts(
        "客户满意度达到95%以上，客户投诉率下降35%。"
        "客服部门应建立完善的绩效考核制度。"
        "朋友们应该根据公司的要求尽快担负起这些职责。"
        "客服须在24小时内回复顾客的留言。"
    )
    kept = settled(found)
    assert {f.sentence for f in kept} == {"客服须在24小时内回复顾客的留言。"}
    assert all(not_worth_asking(f) for f in found if f not in kept)


def test_advice_in_a_customer_answer_is_no_staff_rule():
    found = facts(
        "",
        kind="faq",
        question="有人自称客服要验证码怎么办？",
        answer="请不要透露任何验证码，也不要向对方转账。",
    )
    assert [f.kind for f in found] == ["reply"]


def test_a_heading_glued_into_a_sentence_and_a_condition_without_subject_are_refused():
    assert broken("工作质量目标第七条客服部的工作质量目标为业主满意度达到90%以上。")
    assert broken("退货按第七条规定办理。") is None
    assert lacks_subject("在24小时内反馈且核实属实的，本店在确认后48小时内免费补发。")
    assert lacks_subject("责任：以上操作流程与规定必须遵照执行。")  # a label, then an anaphor
    assert broken("电商客服工作流程 1.每天上班8:30-9:30处理前天的漏单问题。")  # items glued
    assert broken("价格为 1.5 元。") is None


def test_a_procedure_that_counts_its_steps_shows_them_all():
    steps = ["倾听", "致歉", "核实", "方案", "回访"]
    fact = Fact(
        "procedure", " → ".join(steps), "1.倾听…", 1, "手册.md", "手册", ["处理步骤"], 0, 10,
        detail={"name": "投诉处理按以下五个步骤进行", "steps": steps},
    )  # fmt: skip
    question = ProcedureQuestions(random.Random(1)).order(fact, KeyPlacer(random.Random(1)))
    assert all(step in question.stem for step in steps)


def test_a_stage_direction_is_cut_from_a_reply():
    reply = "我尽量帮您申请吧~麻烦您稍等我2分钟~ 等待2-3分钟后再回复顾客下述语句"
    assert without_stage_directions(reply) == "我尽量帮您申请吧~麻烦您稍等我2分钟~"
    assert without_stage_directions("顾客可在签收后7天内申请退货。") == "顾客可在签收后7天内申请退货。"


def test_a_spun_copy_of_a_sentence_is_not_asked_but_list_items_are():
    original = facts("接听电话时，应适时发出“嗯”的声音，好让对方明了你正在仔细聆听。", headings=("电话礼仪",))
    copy = facts(
        "接听德律风时，应合时发出“嗯”的声音，好让对方清晰明了你正在细心倾听。", headings=("电话礼仪",)
    )
    for fact in copy:
        fact.chunk_id = 2  # another passage of the same document
    assert spun_sentences(original + copy) == {copy[0].sentence}
    items = facts("（四）负责小区内的安全保卫工作；") + facts("（五）负责小区内的环境卫生工作；")
    items[-1].chunk_id = 2
    assert not spun_sentences(items)
