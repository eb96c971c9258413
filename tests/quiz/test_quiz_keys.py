"""Key finding and source filtering on Chinese manual text."""

from quiz.keys import TermIndex, cn_to_number, negation_key, number_keys
from quiz.sources import clean_headings, is_clean_sentence
from quiz.sources import fact_sentences as split_sentences


def texts(sentence):
    return [k.text for k in number_keys(sentence)]


def test_numbers_with_units_are_keys():
    assert texts("商品到货破损的，顾客须在签收后24小时内拍照反馈") == ["24小时"]
    assert texts("订单实付金额满99元包邮") == ["99元"]
    assert texts("支付宝余额一般1至3个工作日到账") == ["1至3个工作日"]
    keys = number_keys("单笔订单积分抵扣金额不超过订单实付金额的10%")
    assert [(k.text, k.unit, k.prefix) for k in keys] == [("10%", "%", "")]
    assert number_keys("满99元包邮")[0].prefix == "满"


def test_chinese_numerals_need_a_quantity_reading():
    assert texts("客服专员负责的客户，应在一周内与客户进行沟通") == ["一周"]
    assert texts("表达统一周全，耐心周到") == []  # "一周" inside 统一周全 is not a quantity
    assert texts("我们有信心在新的一年里提供更好的服务") == []
    assert cn_to_number("二十四") == 24 and cn_to_number("十五") == 15 and cn_to_number("两") == 2


def test_counts_within_a_period_and_yearly_deadlines_are_keys():
    assert texts("物業服務中心經理每月不定期抽查四次裝修管理情況") == ["四次"]
    assert texts("服务中心每天两次组织巡视装修施工现场") == ["两次"]
    assert texts("他四次上门都没有找到业主") == []  # no period: a story, not a rule
    assert texts("物業服務中心每年1月5日之前對上年度統計技術應用效果進行總結") == ["5日"]
    assert texts("客服部主管应在每月5日前把上月的业主资料送管理处") == ["5日"]
    assert texts("报名请于3月18日前完成") == []  # a one-off date, not a recurring deadline


def test_dates_ordinals_and_headings_are_not_keys():
    assert texts("本手册自2024年3月1日起施行") == []
    assert texts("第二次罚款") == []
    assert texts("必须保证在线客服7*24小时服务") == []


def test_sentences_split_on_list_items_and_keep_short_semicolon_pieces():
    parts = split_sentences(
        "八、售后服务专员违反上述规定的，第一次罚款50元；第二次罚款100元；第三次罚款200元，并可予以辞退。"
    )
    assert parts == [
        "售后服务专员违反上述规定的，第一次罚款50元；第二次罚款100元；第三次罚款200元，并可予以辞退。"
    ]
    assert split_sentences("1.申请：顾客提交申请；2.审核：客服在24小时内完成审核") == [
        "申请：顾客提交申请",
        "审核：客服在24小时内完成审核",
    ]


def test_junk_sentences_are_rejected():
    assert not is_clean_sentence("负责公司淘宝商城及店铺装修，推广，提高店铺点击率、浏览量和转化率")
    assert not is_clean_sentence("下面是出国留学网整理的在线客服工作职责，欢迎参考。")
    assert not is_clean_sentence("太短了")
    assert not is_clean_sentence("阶段成长目标 三个月内目标了解电商基本情况 分流到售前")
    assert is_clean_sentence("商品到货破损的，顾客须在签收后24小时内拍照反馈。")
    assert is_clean_sentence("門市客服應在顧客到店後五分鐘內完成接待登記。")  # Traditional Chinese


def test_headings_drop_title_and_stale_items():
    chain = ["青禾家居旗舰店售后服务手册", "二、以下订单默认使用顺丰快递：", "第三节 运费规则"]
    assert clean_headings(chain, "售后服务手册") == ["第三节 运费规则"]
    assert clean_headings(["青禾家居旗舰店售后服务手册", "三、运费承担"], "售后服务手册") == ["运费承担"]


def test_a_rule_with_one_marker_can_be_negated():
    key = negation_key("客服人员不得将客户资料随意透露给他人")
    assert key is not None and key.text == "不得" and key.kind == "negation"
    assert negation_key("顾客必须在当天营業日結束前取走所寄物品").text == "必须"


def test_muddled_rules_are_not_negated():
    assert negation_key("客服人员不得情绪化，不得对客户发脾气") is None  # two markers
    assert negation_key("员工不得不加班") is None
    assert negation_key("个人物品禁止带入销售区域，否则罚款") is None
    assert negation_key("必须保持微笑服务") is None  # no subject before the marker
    assert negation_key("客服人员应保持微笑") is None
    assert negation_key("客服人员在任何情况下不得使用以下禁语") is None  # the rule is in the list


def test_list_members_and_clause_subjects_are_not_term_keys():
    terms = TermIndex([{"tokens": "先行 男员工 金额 业务知识 小票"}] * 3)
    # "商品，金额等": any sibling of the list fits the blank.
    assert "金额" not in keys_of(terms, "首先须核实顾客小票上的商品，金额等是否能领取相应赠品")
    # "并（　　）默念": an adverb slot, not a thing an agent must know.
    assert "先行" not in keys_of(terms, "广播时，应先写好广播词，并先行默念几次，以求词句的顺畅")
    assert keys_of(terms, "客服人员应熟悉各类业务知识，以便为客户提供准确的解答") == ["业务知识"]


def test_governing_verb_is_the_last_verb_of_the_clause():
    terms = TermIndex([])
    sentence = "客服人员应熟悉各类业务知识，以便为客户提供准确的解答"
    assert terms.governing_verb(sentence, sentence.index("业务知识")) == "熟悉"
    assert terms.governing_verb("各类业务知识", 2) == ""


def keys_of(terms, sentence):
    return [k.text for k in terms.term_keys(sentence)]
