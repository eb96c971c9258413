import pytest

from qa.policy import PolicyError, parse_policy, validate_policy_text

GOOD = """
name: 测试
rules:
  - id: greeting
    kind: required
    position: first
    within: 2
    phrases: [您好]
  - id: banned
    kind: banned
    terms: [滚]
"""


def test_default_policy_loads(policy):
    assert [r.id for r in policy.rules][:3] == ["greeting", "closing", "apology"]
    assert policy.first_response_sla_s == 30 and policy.reply_sla_s == 60
    assert policy.rule("abuse").critical


def test_errors_point_at_the_rule():
    text = (
        GOOD
        + """
  - id: apology
    kind: required
    position: after
    within: 0
    phrases: [抱歉]
    trigger: {phrases: [投诉]}
  - id: slow
    kind: latency
    measure: sometimes
  - id: rx
    kind: banned
    regex: ["(unclosed"]
"""
    )
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "policy.yaml")
    errors = info.value.errors
    assert "policy.yaml: rules[2] (id=apology): 'within' 必须是正整数" in errors
    assert any(e.startswith("policy.yaml: rules[3] (id=slow): 'measure'") for e in errors)
    assert any("rules[4] (id=rx): regex[0]" in e for e in errors)


def test_validate_text_reports_yaml_errors_and_duplicates():
    assert validate_policy_text(GOOD) == []
    assert "不是有效的 YAML" in validate_policy_text("rules: [\n")[0]
    duplicated = GOOD + "  - id: banned\n    kind: banned\n    terms: [x]\n"
    assert any("id 'banned' 重复" in e for e in validate_policy_text(duplicated))
    assert any("没有键 'phrase'" in e for e in validate_policy_text(GOOD.replace("phrases:", "phrase:")))


def test_version_ignores_comments_but_not_content():
    first = parse_policy(GOOD)
    assert parse_policy("# 注释\n" + GOOD).version == first.version
    assert parse_policy(GOOD.replace("[滚]", "[滚, 闭嘴]")).version != first.version
