"""Round-4 precision: citations that hold, false statements only the manual decides, stems with context."""

from __future__ import annotations

import random

from kb.models import Passage
from quiz.ask_rule import RuleQuestions, _violation_question
from quiz.extract import extract_passage
from quiz.readability import lacks_subject
from quiz.stems import source, where


def facts(text, headings=("售后服务",)):
    found, _ = extract_passage(Passage(1, "手册.md", "售后服务手册", tuple(headings), "text", text))
    return found


def test_a_sentence_after_another_sections_label_is_cited_by_document_only():
    text = "退货须在签收后7天内申请。\n【使用说明】\n壶内加水不得超过MAX刻度线，烧开后静置30分钟。"
    found = [f for f in facts(text, headings=("【退换货】",)) if f.kind == "number"]
    near = next(f for f in found if "7天" in f.key)
    far = next(f for f in found if "30分钟" in f.key)
    assert "退换货" in where(near)
    assert where(far) == "根据《售后服务手册》，" and source(far).headings == []


def test_a_sentence_far_into_its_chunk_is_cited_by_document_only():
    filler = "客服每天上班后先查看未读消息并逐条回复顾客。" * 25
    found = [f for f in facts(filler + "退货须在签收后7天内申请。") if f.kind == "number" and f.key == "7天"]
    assert found and where(found[-1]) == "根据《售后服务手册》，"


def test_a_ban_of_an_obviously_wrong_act_is_never_negated_into_a_permission():
    (obvious,) = [f for f in facts("客服人员严禁向第三方透露顾客的手机号码。") if f.kind == "rule"]
    (bound,) = [f for f in facts("未满16岁者不得代为取件。") if f.kind == "rule"]
    rules = RuleQuestions([obvious, bound], random.Random(1))
    assert rules.true_false(obvious, False) is None
    assert "可以代为取件" in rules.true_false(bound, False).stem


def test_a_duty_quoting_an_exact_deadline_is_never_negated_with_bu_bi():
    (timed,) = [f for f in facts("客服必须在24小时内回访顾客。") if f.kind == "rule"]
    rules = RuleQuestions([timed], random.Random(1))
    assert rules.true_false(timed, False) is None


def test_a_stem_that_presupposes_the_situation_before_it_is_refused():
    assert lacks_subject("核实后48小时内免费补发，或为您退款。")
    assert lacks_subject("第三次罚款200元,并可予以辞退。")
    assert lacks_subject("违者罚款50元。")
    assert lacks_subject("签收后7天内可申请退货。") is None


def test_a_violation_item_never_names_a_conjunction_or_clause_as_whose_practice():
    (rule,) = [f for f in facts("客服人员不得在工作时间闲聊。") if f.kind == "rule"]
    assert _violation_question(rule).startswith("客服人员的以下做法")
    rule.detail["subject"] = "并且"
    assert _violation_question(rule) == "以下哪种做法违反规定？"
    rule.detail["subject"] = "或签收后申请退货"
    assert _violation_question(rule) == "以下哪种做法违反规定？"


def test_office_facilities_of_a_service_department_and_competence_platitudes_are_not_asked():
    from quiz.worth import not_worth_asking

    office = [
        f
        for f in facts("客户服务部必须固定相应的办公场所,配备热线电话及打印机等设施设备。")
        if f.kind == "rule"
    ]
    skill = [f for f in facts("售后岗位的工作人员需要具备一定的专业知识和技能。") if f.kind == "rule"]
    assert office and all(not_worth_asking(f) for f in office)
    assert skill and all(not_worth_asking(f) for f in skill)
    (kept,) = [f for f in facts("客服人员必须在24小时内回复顾客的留言。") if f.kind == "rule"]
    assert not_worth_asking(kept) is None


def test_facts_under_a_heading_spanning_pages_of_prose_are_cited_by_document_only():
    from quiz.stems import mark_loose_headings

    page = "客服每天上班后先查看未读消息并逐条回复顾客。" * 30
    long = [Passage(i, "合集.txt", "合集", ("2.客服专员",), "text", page) for i in range(1, 6)]
    short = Passage(9, "手册.md", "售后服务手册", ("退换货",), "text", "退货须在签收后7天内申请。")
    found = []
    for passage in [*long, short]:
        found += extract_passage(passage)[0]
    found.append(
        extract_passage(Passage(6, "合集.txt", "合集", ("2.客服专员",), "text", "退货须在签收后7天内申请。"))[
            0
        ][0]
    )
    mark_loose_headings(found, [*long, short])
    kept = next(f for f in found if f.document == "手册.md")
    loose = found[-1]
    assert "退换货" in where(kept)
    assert where(loose) == "根据《合集》，"
