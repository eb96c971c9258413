"""Rule logic QA leads need: phrase groups, unanswered triggers, sense of banned terms, semantic triggers."""

from __future__ import annotations

import pytest

from qa.policy import PolicyError, parse_policy
from qa.scoring import Scorer

GROUPS = """
name: 分组
rules:
  - id: opening
    kind: required
    position: first
    within: 1
    all_of:
      - [您好, 你好, 亲]
      - {phrases: [欢迎光临, 很高兴为您服务, 有什么可以帮您]}
    none_of:
      - [不知道]
"""


def status(policy_text, spec, conversation, rule, semantic=False, scorer=None):
    policy = parse_policy(policy_text)
    return (scorer or Scorer(policy, semantic=semantic)).score(conversation(spec)).rule(rule)


def test_all_of_greeting_needs_a_salutation_and_a_welcome_in_the_same_message(conversation):
    both = [("customer", 0, "在吗"), ("agent", 5, "您好，很高兴为您服务")]
    only_salutation = [("customer", 0, "在吗"), ("agent", 5, "您好，请讲")]
    split = [("customer", 0, "在吗"), ("agent", 5, "您好"), ("agent", 6, "很高兴为您服务")]
    result = status(GROUPS, both, conversation, "opening")
    assert result.status == "pass" and {e.term for e in result.evidence} == {"您好", "很高兴为您服务"}
    assert status(GROUPS, only_salutation, conversation, "opening").status == "fail"
    assert status(GROUPS, split, conversation, "opening").status == "fail"  # within: 1, first message only


def test_none_of_group_spoils_a_message_and_any_of_needs_one_group():
    text = GROUPS.replace("    none_of:", "    any_of:\n      - [请问]\n      - [为您]\n    none_of:")
    from tests.qa.conftest import make_conversation

    assert status(text, [("agent", 0, "您好，很高兴为您服务")], make_conversation, "opening").status == "pass"
    assert (
        status(GROUPS, [("agent", 0, "您好，很高兴为您服务，不知道")], make_conversation, "opening").status
        == "fail"
    )
    bare = text.replace("[请问]", "[请问您]").replace("[为您]", "[稍等]")
    assert status(bare, [("agent", 0, "您好，很高兴为您服务")], make_conversation, "opening").status == "fail"


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ("all_of: []", "'all_of' 必须是非空列表"),
        ("all_of: [[]]", "这一组没有用语"),
        ("any_of: [3]", "any_of[0]"),
    ],
)
def test_bad_phrase_groups_are_refused_with_the_rule_named(groups, message):
    text = f"rules:\n  - id: opening\n    kind: required\n    {groups}\n"
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert any("opening" in e and message in e for e in caught.value.errors), caught.value.errors


APOLOGY = """
rules:
  - id: apology
    kind: required
    position: after
    within: 2
    trigger: {phrases: [投诉, 太差]}
    phrases: [抱歉]
"""


def test_unanswered_complaint_fails_apology_rule_unless_policy_says_na(conversation):
    spec = [("customer", 0, "在吗"), ("agent", 5, "您好"), ("customer", 60, "质量太差了，我要投诉")]
    result = status(APOLOGY, spec, conversation, "apology")
    assert result.status == "fail" and result.evidence[-1].note == "触发后客服没有回复"
    lenient = APOLOGY.replace("    phrases: [抱歉]", "    phrases: [抱歉]\n    unanswered: na")
    assert status(lenient, spec, conversation, "apology").status == "na"
    no_agent = [("customer", 0, "质量太差了，我要投诉")]
    assert status(APOLOGY, no_agent, conversation, "apology").status == "na"  # nobody to judge
    with pytest.raises(PolicyError, match="unanswered"):
        parse_policy(APOLOGY.replace("    phrases: [抱歉]", "    phrases: [抱歉]\n    unanswered: maybe"))


BANNED = """
rules:
  - id: forbidden
    kind: banned
    terms: [不知道, 不归我管, 你自己看]
  - id: sorry
    kind: required
    negation: true
    phrases: [抱歉]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("这怎么会不归我管呢", "pass"),  # rhetorical question
        ("难道这不归我管吗？", "pass"),
        ("派件员也不知道具体时间", "pass"),  # reported speech: a third party's words
        ("他说你自己看说明书就行", "pass"),
        ("这个不归我管", "fail"),
        ("我也不知道", "fail"),
        ("快递员送货的时候你自己看一下", "fail"),  # a third party far before: the agent's own words
    ],
)
def test_rhetorical_questions_and_reported_speech_are_not_the_agents_own_banned_use(
    conversation, text, expected
):
    spec = [("customer", 0, "在吗"), ("agent", 5, text)]
    assert status(BANNED, spec, conversation, "forbidden").status == expected


def test_own_use_can_be_switched_off_per_rule(conversation):
    strict = BANNED.replace(
        "    terms: [不知道, 不归我管, 你自己看]", "    own_use: false\n    terms: [不知道]"
    )
    spec = [("agent", 5, "派件员也不知道具体时间")]
    assert status(strict, spec, conversation, "forbidden").status == "fail"


def test_per_rule_negation_window(conversation):
    spec = [("agent", 5, "没有什么需要向您抱歉的")]  # 没有 is four tokens before 抱歉
    assert status(BANNED, spec, conversation, "sorry").status == "pass"  # default window 3: not negated
    wide = BANNED.replace("    negation: true", "    negation: true\n    negation_window: 5")
    assert status(wide, spec, conversation, "sorry").status == "fail"
    with pytest.raises(PolicyError, match="negation_window"):
        parse_policy(BANNED.replace("    negation: true", "    negation: true\n    negation_window: 0"))


SEMANTIC_TRIGGER = """
rules:
  - id: apology
    kind: required
    position: after
    within: 2
    trigger:
      phrases: [投诉]
      semantic:
        examples: [你们是不是倒闭了, 等了这么久都没人管, 你们怎么回事, 太让人失望了, 再不处理我就投诉]
        counter_examples: [物流信息没更新, 请问什么时候发货, 好的谢谢, 我想改一下地址, 这个有货吗]
    phrases: [抱歉, 不好意思]
"""


@pytest.mark.parametrize(
    ("complaint", "expected"),
    [("你们是不是倒闭了", "fail"), ("报修两天了都没人来，你们怎么回事", "fail"), ("物流三天没更新了", "na")],
)
def test_semantic_trigger_recognises_a_complaint_by_meaning(scorer, conversation, complaint, expected):
    policy = parse_policy(SEMANTIC_TRIGGER)
    semantic = Scorer(policy, embedder=scorer.semantic.embedder if scorer.semantic else None)
    spec = [
        ("customer", 0, complaint),
        ("agent", 10, "您好，马上帮您查询"),
        ("customer", 30, "好"),
        ("agent", 40, "再见"),
    ]
    result = semantic.score(conversation(spec)).rule("apology")
    assert result.status == expected
    if expected == "fail":
        trigger = result.evidence[0]
        # by a complaint cue (报修两天了都没人来: waiting) or by its neighbours' votes
        assert trigger.note.startswith("触发") and (trigger.similarity is not None or "（" in trigger.note)
