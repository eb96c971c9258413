"""Number keys (deadlines, amounts, counts, dates that are not keys) and their unit-aware distractors."""

import random

from quiz.distractors import number_distractors
from quiz.keys import cn_to_number, number_keys


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


def test_number_distractors_share_the_unit_and_differ_from_the_key():
    key = number_keys("客服在24小时内完成审核")[0]
    known = {"小时": {48.0, 72.0, 2.0}}
    wrong = number_distractors(key, known, "客服在24小时内完成审核", random.Random(1))
    assert len(wrong) == 3 and "24小时" not in wrong
    assert all(w.endswith("小时") for w in wrong)


def test_range_and_chinese_numeral_distractors_keep_their_form():
    key = number_keys("一般1至3个工作日到账")[0]
    wrong = number_distractors(key, {}, "一般1至3个工作日到账", random.Random(3))
    assert all("至" in w and w.endswith("个工作日") for w in wrong) and "1至3个工作日" not in wrong
    key = number_keys("应在三天内回访")[0]
    wrong = number_distractors(key, {}, "应在三天内回访", random.Random(3))
    assert all(w.endswith("天") and not any(c.isdigit() for c in w) for w in wrong)


def test_number_distractors_never_repeat_values_in_the_stem():
    sentence = "第一次罚款10元，第二次30元，第三次开除"
    key = number_keys(sentence)[0]
    wrong = number_distractors(key, {"元": {30.0, 20.0, 5.0}}, sentence, random.Random(1))
    assert "30元" not in wrong and "10元" not in wrong
