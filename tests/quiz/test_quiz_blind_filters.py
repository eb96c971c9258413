"""Filters for the classes a blind review rejected: self-contradicting flips,
platitudes, anaphoric subjects and headings glued into options."""

from quiz.keys import is_platitude, is_rule, negation_key
from quiz.rules import pick_flipped_rules
from quiz.sources import anaphoric, is_clean_sentence, repeated_heading


def test_flip_is_rejected_when_an_earlier_clause_states_the_obligation():
    for sentence in (
        "客服人员要遵守客户隐私,不得私自泄露客户信息。",
        "客服人员要遵守公司的工作安排和调度,不得私自调整工作时间或任务。",
        "客服人员应保持工位整洁,严禁在工位上吃东西。",
        "严格恪守公司秘密,不得将客户资料随意透漏给他人。",
    ):
        assert negation_key(sentence) is None, sentence
    # The obligation after the marker, or none at all: the flip is a clean contradiction.
    assert negation_key("凡退现金必须在单据上注明为退现,要求主管以上人员签字认可") is not None
    assert negation_key("调班的客服必须先得到客服主管的批准。") is not None
    # 需要/重要 are no modals.
    assert negation_key("重要客户的资料不得带出办公室。") is not None


def test_tautological_rule_restating_its_first_clause_is_not_a_rule():
    sentence = "客服人员要遵守公司的服务标准和流程,不得随意变更或忽略。"
    assert negation_key(sentence) is None
    assert not is_rule(sentence)


def test_platitudes_are_neither_rules_nor_flips():
    for sentence in (
        "客服人员应熟练掌握各类业务办理流程,以便为客户提供及时、准确的咨询。",
        "客服人员应熟悉公司产品、政策、服务内容,了解客户需求,根据客户不同情况提供个性化解决方案。",
        "鉴别潜在的顾客,在初次交谈中,销售客服必须与潜在的客户建立良好的关系。",
        "客户服务部人员必须熟悉国家相关法律法规,严格遵守公司各项管理制度和操作流程,努力提高服务水平。",
    ):
        assert is_platitude(sentence), sentence
        assert not is_rule(sentence) and negation_key(sentence) is None, sentence
    # A concrete object (a number, a named procedure, a prohibited act) makes it checkable.
    assert not is_platitude("退/换货单核准人须准确了解退/换货原因")
    assert not is_platitude("客服必须在新产品上架前两天掌握产品属性")
    assert not is_platitude("客服人员应熟悉禁语,不得在通话中使用")
    assert is_rule("退/换货单核准人须准确了解退/换货原因")


def test_anaphoric_subjects_are_dropped():
    for sentence in (
        "发觉第一次违规罚款10元,第二次30元,第三次开除。",
        "违规者一律按公司相关条例处罚并通报全部门。",
        "上述行为一经发现罚款50元并记入考核。",
        "此类投诉必须在两个工作日内回复客户。",
        "该客户的订单必须在两小时内处理完毕。",
    ):
        assert anaphoric(sentence), sentence
        assert not is_clean_sentence(sentence), sentence
    assert not anaphoric("客服人员私自泄露客户信息的,罚款50元并通报批评。")
    assert not anaphoric("应该在两个工作日内回复客户的投诉邮件。")


def test_heading_glued_into_an_option_is_dropped():
    glued = "工牌保持工牌清洁、端正,工作时间须将工牌统一按规范佩带,佩带在左胸显眼处。"
    assert repeated_heading(glued)
    assert not is_clean_sentence(glued)
    assert repeated_heading("仪容仪表仪容要整洁,男员工不得留长发")
    assert not repeated_heading("客服人员不得泄露客户信息")
    assert not repeated_heading("工作人员工作时间不得吃零食")  # a common word, not a title
    assert not repeated_heading("促销广播必须每隔一段固定时间就广播一次")
    rules = [
        (s, negation_key(s))
        for s in (
            glued.replace("须将工牌统一按规范", "不得将工牌随意"),
            "调班的客服必须先得到客服主管的批准。",
        )
    ]
    assert all(k is not None for _, k in rules)
    assert pick_flipped_rules("客服人员不得泄露客户信息。", rules) == ["调班的客服不必先得到客服主管的批准。"]
