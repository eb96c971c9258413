import pytest

from qa.matching import Matcher


@pytest.fixture(scope="module")
def matcher(policy):
    return Matcher(policy)


def _terms(matcher, policy, rule_id, text):
    return [
        (h.term, h.start, h.end, h.text)
        for h in matcher.find(policy.rule(rule_id).phrases, matcher.analyse(text))
    ]


@pytest.mark.parametrize(
    "text", ["滚动条拉不动", "往下翻滚一下", "滚筒洗衣机", "您的电脑没有病毒", "我们不是骗子", "我們不是騙子"]
)
def test_no_false_alarms(matcher, policy, text):
    assert _terms(matcher, policy, "abuse", text) == []


@pytest.mark.parametrize("text", ["不知道您是否方便", "就知道了", "看一下就知道了"])
def test_sense_exceptions(matcher, policy, text):
    assert _terms(matcher, policy, "forbidden_phrases", text) == []


def test_true_positives_with_original_spans(matcher, policy):
    assert _terms(matcher, policy, "abuse", "你烦不烦啊，滚") == [("滚", 6, 7, "滚")]
    assert _terms(matcher, policy, "abuse", "你們就是騙子") == [("骗子", 4, 6, "騙子")]
    assert _terms(matcher, policy, "forbidden_phrases", "不知道，你问快递") == [
        ("不知道", 0, 3, "不知道"),
        ("你问快递", 4, 8, "你问快递"),
    ]
    # full-width text: spans still index the original characters
    assert _terms(matcher, policy, "greeting", "ＨＥＬＬＯ，您好！") == [("您好", 6, 8, "您好")]


def test_negated_apology_is_not_an_apology(matcher, policy):
    assert _terms(matcher, policy, "apology", "没什么可抱歉的") == []
    assert _terms(matcher, policy, "apology", "我们没有必要道歉") == []
    assert [t for t, *_ in _terms(matcher, policy, "apology", "没能及时回复，抱歉")] == ["抱歉"]
    assert [t for t, *_ in _terms(matcher, policy, "apology", "真的很抱歉")] == ["抱歉"]
