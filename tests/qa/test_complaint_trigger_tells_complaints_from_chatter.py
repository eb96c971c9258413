"""A semantic complaint trigger fires on complaints (also without complaint words) and not on chatter."""

from __future__ import annotations

import pytest

from qa.complaint import bundled_model
from qa.policy import PolicyError, parse_policy
from qa.scoring import Scorer

COMPLAINT_TRIGGER = """
rules:
  - id: apology
    kind: required
    position: after
    within: 2
    trigger:
      phrases: [投诉]
      semantic:
        examples: [你们是不是倒闭了, 等了这么久都没人管, 你们怎么回事, 太让人失望了]
        counter_examples: [物流信息没更新, 请问什么时候发货, 好的谢谢, 这个有货吗]
    phrases: [抱歉, 不好意思]
"""


@pytest.fixture(scope="module")
def complaint_scorer(scorer):
    policy = parse_policy(COMPLAINT_TRIGGER)
    return Scorer(policy, embedder=scorer.semantic.embedder if scorer.semantic else None)


def apology(scorer, conversation, customer: str) -> str:
    spec = [("customer", 0, customer), ("agent", 10, "好的，马上帮您看一下"), ("agent", 20, "已经处理了")]
    return scorer.score(conversation(spec)).rule("apology").status


@pytest.mark.parametrize(
    "customer",
    [
        "你们发货可真够快的，下单十天了还没动静",  # sarcasm about waiting
        "是不是你们把我的快递寄丢了",  # blame without a complaint word
        "凭什么让我自己去驿站拿",
        "第三次联系你们了，到底有没有人管",
        "這服務態度也太差了吧",  # Traditional Chinese
    ],
)
def test_complaint_without_a_complaint_word_triggers_the_apology_rule(
    complaint_scorer, conversation, customer
):
    assert apology(complaint_scorer, conversation, customer) == "fail"


@pytest.mark.parametrize(
    "customer",
    [
        "你好，在吗",
        "破洞款的牛仔外套还有L码吗",  # a product whose name holds a complaint word
        "这价格低得离谱，必须下单",  # 离谱 as praise
        "麻烦问一下我的包裹到哪里了",  # a polite status question
        "如果收到坏了可以换吗",  # a hypothetical
    ],
)
def test_ordinary_customer_messages_do_not_trigger_it(complaint_scorer, conversation, customer):
    assert apology(complaint_scorer, conversation, customer) == "na"


def test_cues_are_named_and_hypotheticals_are_not_judged_by_cue():
    model = bundled_model()
    start, end, name = model.cue("都等了五天了还没发货")
    assert name == "等待太久" and "五天了还没" in "都等了五天了还没发货"[start:end]
    assert model.cue("要是三天了还没到怎么办") is None


def test_a_trigger_that_is_not_about_complaints_keeps_the_threshold_decision(scorer, conversation):
    invoice = COMPLAINT_TRIGGER.replace(
        "examples: [你们是不是倒闭了, 等了这么久都没人管, 你们怎么回事, 太让人失望了]",
        "examples: [可以开发票吗, 发票怎么开, 我需要增值税发票, 能开公司抬头的发票吗]",
    ).replace("counter_examples: [物流信息没更新, 请问什么时候发货, 好的谢谢, 这个有货吗]", "")
    policy = parse_policy(invoice)
    invoice_scorer = Scorer(policy, embedder=scorer.semantic.embedder if scorer.semantic else None)
    assert apology(invoice_scorer, conversation, "凭什么让我自己去驿站拿") == "na"  # no complaint cues either


def test_preset_is_validated_and_only_allowed_on_triggers():
    with pytest.raises(PolicyError, match="preset"):
        parse_policy(
            COMPLAINT_TRIGGER.replace("      semantic:\n", "      semantic:\n        preset: maybe\n")
        )
    plain = "rules:\n  - id: hi\n    kind: required\n    semantic: {examples: [您好], preset: complaint}\n"
    with pytest.raises(PolicyError, match="preset"):
        parse_policy(plain)


@pytest.mark.parametrize(
    "customer", ["你好，烤箱第一次用要怎么预热", "我电脑是不是中了病毒", "这个问题找谁处理"]
)
def test_a_question_asking_for_information_is_an_inquiry_not_a_complaint(
    complaint_scorer, conversation, customer
):
    assert bundled_model().is_inquiry(customer)
    assert apology(complaint_scorer, conversation, customer) == "na"


def test_a_question_addressed_to_the_shop_is_still_judged():
    assert not bundled_model().is_inquiry("你们到底什么时候发货")
