"""Precision rules: typed same-organisation distractors, refusal of broken text, stems that stand alone, real sequences."""

import random

from kb.models import Passage
from quiz.ask_number import NumberQuestions
from quiz.ask_reply import ReplyQuestions
from quiz.ask_slot import SlotQuestions, echoes_sentence
from quiz.distractors import known_numbers
from quiz.extract import extract_passage
from quiz.facts import StageReport
from quiz.readability import broken, lacks_subject, not_a_sequence
from quiz.stems import KeyPlacer
from quiz.vocabulary import document_use, organisations, settle_facts, slot_vocabulary


def facts(text, doc="手册.md", headings=("售后服务",)):
    found, _ = extract_passage(Passage(1, doc, doc.removesuffix(".md"), tuple(headings), "text", text))
    return found


SHOP = (
    "退款超过200元须经客服主管审批。补偿超过500元须经售后经理批准。换货须经店长签字。重大投诉须上报快递公司。"
)


def test_approver_options_are_roles_that_approve_in_the_same_organisation():
    shop = facts(SHOP)
    other = facts("采购合同须经采供部主管审批。物资入库须经仓库主任签字。", doc="采购手册.md")
    kb = settle_facts(shop + other, StageReport())
    vocabulary = slot_vocabulary(kb)
    assert "快递公司" not in vocabulary["approver"]["手册.md"]  # only reported to, never approves
    fact = next(f for f in kb if f.kind == "approver" and f.key == "客服主管")
    question = SlotQuestions(vocabulary, random.Random(1), organisations(kb)).others(fact, 3)
    assert sorted(question) == ["售后经理", "店长"]  # no role of the unrelated purchasing manual


def test_an_organisation_spans_the_documents_that_share_a_role():
    kb = facts("退款须经客服主管审批。", doc="a.md") + facts("换货须经客服主管同意。", doc="b.md")
    kb += facts("合同须经采供部主管审批。", doc="c.md")
    linked = organisations(kb)
    assert linked["a.md"] == {"a.md", "b.md"} and linked["c.md"] == {"c.md"}


def test_document_options_are_documents_the_kb_uses_the_same_way():
    kb = facts(
        "顾客退货须凭购物小票。顾客换货须出示身份证。保修须提供保修卡。"
        "本店须当场开具电子发票。资料审核后开具增值税专用发票。安装后须开具收据。"
    )
    issued = next(f for f in kb if f.kind == "document" and f.key == "电子发票")
    assert document_use(issued) == "issue"
    options = SlotQuestions(slot_vocabulary(kb), random.Random(2)).others(issued, 3)
    assert options and not {"购物小票", "身份证", "保修卡"} & set(options)


def test_a_key_repeating_a_word_of_its_sentence_is_not_asked():
    (fact,) = [f for f in facts("所有投诉须在当日登记投诉工单。") if f.kind == "document"]
    assert echoes_sentence(fact)
    vocabulary = {"document": {"手册.md": ["购物小票", "退货单", "保修卡", "身份证"]}}
    slots = SlotQuestions(vocabulary, random.Random(3))
    assert slots.single(fact, KeyPlacer(random.Random(3))) is None and slots.false_statement(fact) is None


def test_a_party_only_reported_to_gives_no_swapped_statement():
    kb = settle_facts(facts(SHOP + "如需售后主管处理，须报告售后主管。"), StageReport())
    routed = [f for f in kb if f.kind == "approver" and not f.detail.get("strong")]
    slots = SlotQuestions(slot_vocabulary(kb), random.Random(4), organisations(kb))
    assert all(slots.false_statement(f) is None for f in routed)


def test_a_role_cut_at_a_place_word_is_refused():
    report = StageReport()
    kept = settle_facts(facts("单笔金额3000元以上者，须经当班内签字确认。"), report)
    assert not [f for f in kept if f.kind == "approver"]
    assert any("残缺的分句" in stage for stage in report.as_dict()["rejected"])


def test_template_placeholders_stray_marks_and_cut_fragments_are_broken_text():
    assert broken("亲,买过且交易成功后您就是**旗舰店尊贵的会员了。")
    assert broken("勤勉&&对于本职工作须勤恳、努力。")
    assert broken("•团队如何打造•客服销售技巧=35%")
    assert broken("※ 客户连续10分钟未回复的，方可关闭会话。")
    assert broken(") 来访登记 对于来访咨询人员做好相关登记。")
    assert broken("4 培训客户售后团队须培训客户。")
    assert broken("纸质版寄送(寄付OR到付")
    assert broken("对于该客 户提出的业务须及时回复。")
    assert broken("客服须在24小时内回复顾客（工作日）。") is None


def test_a_stem_leaning_on_earlier_text_or_a_bare_condition_is_refused():
    assert lacks_subject("他们须制定培训计划。")
    assert lacks_subject("上述情形须在商品详情页显著位置提示。")
    assert lacks_subject("超过3分钟的，应向顾客说明进度。")
    assert lacks_subject("22:00至次日8:00之间提交的，最迟于次日10:00前响应。")
    assert lacks_subject("顾客要求退货的，须凭购物小票办理。") is None
    report = StageReport()
    assert not settle_facts(facts("上述情形须在3日内告知顾客。"), report)


def test_a_tier_table_or_a_duty_list_is_no_ordering_item():
    tiers = facts(
        "(1)一线客服：可发放不超过10元的优惠券；(2)客服主管：可批准不超过50元的补偿；(3)超过50元的补偿，须经售后经理审批。",
        headings=("投诉处理", "处理步骤"),
    )
    (tier,) = [f for f in tiers if f.kind == "procedure"]
    assert not_a_sequence(tier)
    duties = facts(
        "1.合理安排客服各工作岗位。2.分析每周咨询量。3.奖优罚劣。",
        headings=("二、服务流程", "4. 售后经理"),
    )
    (duty,) = [f for f in duties if f.kind == "procedure"]
    assert not_a_sequence(duty)
    steps = facts(
        "1.顾客提交退货申请。2.客服审核申请。3.顾客寄回商品。4.仓库验货后退款。", headings=("退货流程",)
    )
    (procedure,) = [f for f in steps if f.kind == "procedure"]
    assert not_a_sequence(procedure) is None


def scripted(question, answer):
    passage = Passage(1, "话术.md", "话术", ("售前",), "script", f"{question}\n{answer}", question, answer)
    found, _ = extract_passage(passage)
    return [f for f in found if f.kind == "reply"]


def test_a_scenario_always_offers_the_same_request_answered_wrongly():

    numbers = NumberQuestions(known_numbers([]), set(), random.Random(5))
    (plain,) = scripted("你们家是正品吗？", "请您放心，本店所售商品均为品牌官方授权正品，可到官网查询。")
    (promise,) = scripted("什么时候发货？", "您好，今天16:00前付款的订单当天发出，48小时内一定送到您手中。")
    for reply, asked in ((plain, False), (promise, True)):
        question = ReplyQuestions([reply], None, numbers, random.Random(5)).scenario(
            reply, KeyPlacer(random.Random(5))
        )
        assert (question is not None) == asked  # a deflection alone beside the key gives it away


def test_a_swapped_document_is_one_the_kb_names_after_the_same_verb():
    kb = facts("顾客退货须凭购物小票。顾客领取赠品须凭会员卡。客服须保留工作记录。")
    (fact,) = [f for f in kb if f.kind == "document" and f.key == "购物小票"]
    statement = SlotQuestions(slot_vocabulary(kb), random.Random(6)).false_statement(fact)
    assert statement is not None and "会员卡" in statement.stem and "工作记录" not in statement.stem


def test_a_generic_paper_as_key_is_not_asked():
    kb = facts("顾客申请退货须上传凭证。顾客退货须凭购物小票。顾客换货须出示身份证。")
    (fact,) = [f for f in kb if f.kind == "document" and f.key == "凭证"]
    slots = SlotQuestions(slot_vocabulary(kb), random.Random(7))
    assert slots.single(fact, KeyPlacer(random.Random(7))) is None and slots.false_statement(fact) is None


def test_a_heading_glued_into_a_sentence_is_broken_text():
    assert broken("版本：V3.2编制部门：客服部> 【说明】各岗位客服均须熟读本手册。")


def test_a_party_reported_to_is_a_role_option_only_when_named_like_an_approver():
    kb = settle_facts(
        facts("退款须经客服主管审批。重大投诉须上报值班主管。丢件须经快递公司确认。"), StageReport()
    )
    roles = slot_vocabulary(kb)["approver"]["手册.md"]
    assert "值班主管" in roles and "快递公司" not in roles


def test_a_party_that_only_confirms_is_not_asked_as_an_approver():
    kb = settle_facts(
        facts("退款须经客服主管审批。经快递公司确认丢件的，本店在24小时内补发。"), StageReport()
    )
    assert [f.key for f in kb if f.kind == "approver"] == ["客服主管"]


def test_a_glued_section_number_or_a_pronoun_after_a_connective_is_refused():
    assert broken("1.2 处理客户投诉售后团队需要处理客户的投诉。")
    assert lacks_subject("首先,他们须具备良好的沟通能力。")


def test_a_list_glued_to_its_label_is_broken_text():
    assert broken("行为：1.禁止以返现、赠品等方式诱导顾客给好评。")
    assert broken("客服须在24小时内回复：工作日为准。") is None
