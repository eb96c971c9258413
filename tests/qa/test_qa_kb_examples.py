"""Rules whose semantic examples are the knowledge base's reply scripts of a stage (欢迎语, 道歉 ...)."""

from __future__ import annotations

import json

import pytest

from qa.kb_examples import kb_stages, stage_scripts, with_kb_examples
from qa.policy import PolicyError, parse_policy
from qa.scoring import Scorer

POLICY = """
rules:
  - id: greeting
    kind: required
    position: first
    within: 1
    phrases: [在的]
    semantic:
      from_kb: 欢迎语
      counter_examples: [请提供一下订单号, 好的，马上帮您核实, 包裹预计后天送达]
"""


def chunk(kind, text, headings=(), tags=(), answer=""):
    return {
        "kind": kind,
        "text": text,
        "answer": answer,
        "headings": json.dumps(headings),
        "tags": json.dumps(tags),
    }


CHUNKS = [
    chunk(
        "script",
        "Q：你好\nK：您好，欢迎光临本店，很高兴为您服务",
        ["话术", "欢迎语"],
        answer="您好，欢迎光临本店，很高兴为您服务",
    ),
    chunk("paragraph", "亲，欢迎来到旗舰店，请问有什么可以帮您。本段落很长" * 1, ["接待规范"], ["欢迎语"]),
    chunk("script", "Q：退款\nK：已为您提交退款", ["售后"], answer="已为您提交退款"),
]


def test_stage_scripts_come_from_headings_and_tags_of_the_stage():
    lines = stage_scripts(CHUNKS, "欢迎语")
    assert lines[0] == "您好，欢迎光临本店，很高兴为您服务"
    assert any(line.startswith("亲，欢迎来到旗舰店") for line in lines)
    assert "已为您提交退款" not in lines


def test_rule_takes_its_examples_from_the_knowledge_base(scorer, conversation):
    policy = parse_policy(POLICY)
    assert kb_stages(policy) == ["欢迎语"]
    filled, empty = with_kb_examples(policy, lambda stage: stage_scripts(CHUNKS, stage))
    assert empty == [] and "您好，欢迎光临本店，很高兴为您服务" in filled.rule("greeting").semantic.examples
    semantic = Scorer(filled, embedder=scorer.semantic.embedder)
    spec = [("customer", 0, "在吗"), ("agent", 5, "欢迎光临本店，很高兴为您服务")]
    result = semantic.score(conversation(spec)).rule("greeting")
    assert result.status == "pass" and result.evidence[0].similarity is not None


def test_a_stage_without_scripts_is_reported_and_the_rule_matches_lexically(conversation):
    policy, empty = with_kb_examples(parse_policy(POLICY), lambda stage: [])
    assert empty == ["欢迎语"] and policy.rule("greeting").semantic is None
    spec = [("customer", 0, "在吗"), ("agent", 5, "在的")]
    assert Scorer(policy).score(conversation(spec)).rule("greeting").status == "pass"


def test_from_kb_must_name_stages():
    with pytest.raises(PolicyError, match="from_kb"):
        parse_policy(POLICY.replace("from_kb: 欢迎语", "from_kb: [3]"))


def test_playbook_fills_stage_examples_from_its_knowledge_base(sample_home):
    from common.settings import load_settings
    from service.playbook import Playbook

    playbook = Playbook(load_settings(sample_home))
    try:
        policy, empty = playbook.kb_policy(
            parse_policy(POLICY.replace("from_kb: 欢迎语", "from_kb: [退款规则, 没有这一阶段]"))
        )
    finally:
        playbook.close()
    examples = policy.rule("greeting").semantic.examples
    assert empty == ["没有这一阶段"] and examples and all(len(e) <= 60 for e in examples)


def test_a_trigger_takes_the_customers_side_of_the_stage_scripts():
    complaint = chunk(
        "script",
        "Q：你们客服半天不回，什么态度！\nK：真的非常抱歉让您久等了",
        ["话术", "投诉安抚"],
        answer="真的非常抱歉让您久等了",
    )
    complaint["question"] = "你们客服半天不回，什么态度！"
    assert stage_scripts([complaint], "投诉安抚", "question") == ["你们客服半天不回，什么态度！"]
    assert stage_scripts([complaint], "投诉安抚") == ["真的非常抱歉让您久等了"]
    policy = parse_policy(
        "rules:\n  - id: apology\n    kind: required\n    position: after\n    within: 2\n"
        "    trigger: {semantic: {from_kb: 投诉安抚}}\n    phrases: [抱歉]\n"
    )
    filled, empty = with_kb_examples(
        policy,
        lambda stage: stage_scripts([complaint], stage),
        lambda stage: stage_scripts([complaint], stage, "question"),
    )
    assert filled.rule("apology").trigger_semantic.examples == ("你们客服半天不回，什么态度！",) and not empty
