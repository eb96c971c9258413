"""A banned phrase counts only as the agent's own words: not reported, negated, quoted or rhetorical."""

from __future__ import annotations

import pytest

from qa.policy import parse_policy
from qa.scoring import Scorer

FORBIDDEN = """
rules:
  - id: forbidden
    kind: banned
    terms: [不知道, 没办法, 不归我管, 我说过了]
"""


@pytest.fixture(scope="module")
def forbidden_scorer():
    return Scorer(parse_policy(FORBIDDEN), semantic=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("派件员说他也不知道具体时间", "pass"),  # reported speech, third party subject
        ("仓库说暂时没办法发", "pass"),  # X说…
        ("他们说没办法", "pass"),
        ("物流那边回复说：没办法加急", "pass"),  # the speech verb ends the clause before
        ("他们告诉我没办法改", "pass"),  # 我 is the object of 告诉
        ("不是没办法，是需要一点时间", "pass"),  # negated
        ("我们也不是不知道这个情况", "pass"),
        ("這怎麼會不歸我管呢", "pass"),  # rhetorical question, Traditional Chinese
        ("客服不能对顾客说“不知道”", "pass"),  # mentioned in quotation marks
        ("我也不知道", "fail"),
        ("没办法", "fail"),
        ("我说过了，不归我管", "fail"),  # the agent is the subject of 说
        ("您说的这个我也不知道", "fail"),  # the agent is the subject of what follows 说
        ("跟您说，我也没办法", "fail"),
    ],
)
def test_only_the_agents_own_use_of_a_banned_phrase_fails(forbidden_scorer, conversation, text, expected):
    spec = [("customer", 0, "在吗"), ("agent", 5, text)]
    assert forbidden_scorer.score(conversation(spec)).rule("forbidden").status == expected


def test_speech_verbs_are_a_policy_key(conversation):
    narrow = parse_policy(FORBIDDEN + "speech_verbs: [表示]\n")
    spec = [("agent", 5, "仓库说暂时没办法发")]
    assert Scorer(narrow, semantic=False).score(conversation(spec)).rule("forbidden").status == "fail"
