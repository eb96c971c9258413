"""Rule-choice items and the stricter source and key filters."""

import re

from quiz.generate import build_questions
from quiz.keys import TermIndex, is_rule, negation_key, number_keys
from quiz.models import SINGLE
from quiz.rules import (
    RULE_STEM,
    flip_rule,
    gives_away_by_form,
    pick_flipped_rules,
)
from quiz.sources import chunk_facts, glued_heading, is_clean_sentence


def test_flipped_rules_contradict_the_manual_and_skip_near_copies():
    rule = "客服人员不得泄露客户信息。"
    assert flip_rule(rule, negation_key(rule)) == "客服人员可以泄露客户信息。"
    others = [
        (s, negation_key(s))
        for s in (
            "客服人员不得私自泄露客户的信息。",  # the same rule again: not a different wrong option
            "调班的客服必须先得到客服主管的批准。",
            "当班客服离岗前必须与同事交接。",
            "客服人员严禁在办公室散播负面言语。",
        )
    ]
    wrong = pick_flipped_rules(rule, others)
    assert wrong == [
        "调班的客服不必先得到客服主管的批准。",
        "当班客服离岗前不必与同事交接。",
        "客服人员允许在办公室散播负面言语。",
    ]


def test_rules_exclude_exhortations_outlines_and_employer_duties():
    assert is_rule("发长过肩须束起或使用公司规定的发髻盘起")
    assert is_rule("退/换货单核准人须准确了解退/换货原因")
    assert not is_rule("技术支持流程描述针对产品相关问题所需遵循的步骤以及相应解答示例")  # 相应 is no modal
    assert not is_rule("女员工浓妆艳抹,男员工留胡须")  # 胡须 is no modal
    assert not is_rule("物业管理公司应坚持以人为本、服务至上的原则")
    assert not is_rule("公司应根据客服人员的工作表现给予相应的奖励")
    assert not is_rule("工作规范提供常见情景下应该采取哪些行为措施")


def test_empty_and_object_markers_are_not_flipped():
    assert negation_key("客服人员要遵守公司纪律,不得违反公司规定。") is None  # tautology
    assert negation_key("客户服务部必须固定相应的办公场所,配备热线电话。") is None
    assert negation_key("对明显高于市场价格的商品应予以禁止上线。") is None
    assert negation_key("不得影响公司形象,如果一个月内收到投诉,给予处罚。") is None


def test_glued_headings_run_ons_and_spun_chunks_are_dropped():
    assert glued_heading("培训与发展客服经理应该重视员工的培训和发展")
    assert glued_heading("技术工具的运用现代技术的应用极大地促进了客服团队的效率")
    assert glued_heading("產品知識客服人員應全面了解公司的產品和服務")
    assert not glued_heading("促销广播必须每隔一段固定时间就广播一次")
    assert not glued_heading("凡退现金必须在单据上注明为退现")
    assert not is_clean_sentence(
        "当天不能发出的货物订单必须在早班车下班之前去仓库拿会订单通知客户避免投诉售后退货等问题"
    )
    chunk = {
        "doc_title": "服务手册",
        "doc_name": "服务手册.txt",
        "headings": "[]",
        "tags": "[]",
        "id": 1,
        "text": "顾客必须在当天营业日结束前取走所寄物品。广播时弗成夹带嬉笑声,音量不克不及过高。",
    }
    assert chunk_facts(chunk) == []  # one spun sentence marks the whole chunk as a spun copy


def test_term_keys_must_be_domain_terms_outside_filler_slots():
    chunks = [
        {"tokens": t, "headings": h}
        for t, h in [
            ("客服 邮件 回复 整体", '["邮件服务"]'),
            ("邮件 格式 整体", "[]"),
            ("售后 水平 整体", "[]"),
        ]
    ]
    index = TermIndex(chunks)
    assert index.is_domain_term("邮件") and index.is_domain_term("整体")
    assert not index.is_domain_term("格式")
    keys = [k.text for k in index.term_keys("客服人员应努力提升整体水平并按时回复")]
    assert "整体" not in keys  # filler object of 提升


def test_rule_choice_items_on_the_sample_manual(kb):
    questions, _ = build_questions(kb, n=60, types=("single",), seed=1)
    rules = [q for q in questions if q.stem.endswith(RULE_STEM)]
    assert rules, [q.stem for q in questions]
    for q in rules:
        assert q.type == SINGLE and len(q.options) == 4 and q.answer in q.options
        assert q.answer.rstrip("。") in q.source.sentence
        # No option can be spotted by form: no flipped marker anywhere, so every
        # option is a positive rule in the same modal form as the manual writes it.
        assert not gives_away_by_form(q.options, q.answer), q.options
        assert not any(w in o for o in q.options for w in ("不必", "允许")), q.options
        # The right rule carries a concrete detail (number, time of day, role): no platitude.
        assert number_keys(q.source.sentence) or re.search(r"\d[:：]\d|主管|组长|经理|客服", q.answer)
