"""The policy form adds and removes rules and phrase groups, validated like the YAML editor (Chinese errors)."""

from __future__ import annotations

import pytest

from qa.policy import parse_policy
from qa.policy_form import apply_form

GROUPED = """
name: 分组规则
rules:
  - id: greeting
    kind: required
    description: 开场问候
    position: first
    within: 1
    all_of:
      - [您好, 你好]
      - [很高兴为您服务, 有什么可以帮您]
  - id: abuse
    kind: banned
    terms: [滚蛋]
  - id: reply_time
    kind: latency
    measure: reply
    sla_s: 60
"""


def ids_of(text: str) -> list[str]:
    return [rule.id for rule in parse_policy(text).rules]


def base_form(text: str) -> dict:
    return {f"rule-{i}-id": rule_id for i, rule_id in enumerate(ids_of(text))}


def test_form_removes_a_rule_and_adds_a_new_one():
    form = base_form(GROUPED) | {"rule-1-remove": "on"}
    form |= {"new-id": "refund", "new-kind": "required", "new-position": "after", "new-within": "2"}
    form |= {
        "new-description": "顾客要退款时说明退款时效",
        "new-trigger": "退款\n退钱",
        "new-phrases": "工作日内到账",
    }
    policy = parse_policy(apply_form(GROUPED, form))
    assert [r.id for r in policy.rules] == ["greeting", "reply_time", "refund"]
    refund = policy.rule("refund")
    assert refund.position == "after" and [t.term for t in refund.trigger.terms] == ["退款", "退钱"]
    assert refund.description == "顾客要退款时说明退款时效"


def test_form_adds_and_removes_phrase_groups():
    form = base_form(GROUPED) | {"rule-0-all_of-1": "", "rule-0-none_of-new": "不知道"}
    greeting = parse_policy(apply_form(GROUPED, form)).rule("greeting")
    assert len(greeting.all_of) == 1 and [t.term for t in greeting.none_of[0].terms] == ["不知道"]
    form = base_form(GROUPED) | {"rule-0-any_of-new": "请问\n为您"}
    assert len(parse_policy(apply_form(GROUPED, form)).rule("greeting").any_of) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"new-phrases": "抱歉", "new-kind": "required"}, "新规则需要填写 id"),
        (
            {"new-id": "greeting", "new-kind": "banned", "new-phrases": "闭嘴"},
            "重复",
        ),  # same id as a kept rule
        ({"new-id": "slow", "new-kind": "latency", "new-sla_s": "-5"}, "sla_s"),
        ({"rule-0-within": "两条"}, "不是正整数"),
        (
            {"new-id": "bye", "new-kind": "required", "new-position": "last"},
            "within",
        ),  # as the YAML editor says
    ],
)
def test_form_refuses_what_the_yaml_editor_refuses_in_chinese(fields, message):
    from qa.policy import PolicyError

    with pytest.raises(PolicyError) as caught:
        apply_form(GROUPED, base_form(GROUPED) | fields)
    assert any(message in e for e in caught.value.errors), caught.value.errors


def test_removing_every_rule_is_refused():
    from qa.policy import PolicyError

    form = base_form(GROUPED) | {f"rule-{i}-remove": "on" for i in range(3)}
    with pytest.raises(PolicyError, match="rules"):
        apply_form(GROUPED, form)


@pytest.mark.browser
def test_lead_adds_and_removes_rules_in_the_browser_form(page, sign_in, app):
    home = app.extensions["kefu_settings"].home_path
    sign_in(page, "qa")
    page.goto("/qa/policies")  # seeds the library
    (home / "policies" / "表单浏览器.yaml").write_text(GROUPED, encoding="utf-8")
    page.goto("/qa/policies/form?name=表单浏览器.yaml")
    page.check("fieldset[data-rule=abuse] input[name$=remove]")
    page.fill("textarea[name=rule-0-none_of-new]", "不知道")
    page.fill("input[name=new-id]", "closing")
    page.select_option("select[name=new-kind]", "required")
    page.select_option("select[name=new-position]", "last")
    page.fill("input[name=new-within]", "2")
    page.fill("input[name=new-description]", "结束语")
    page.fill("textarea[name=new-phrases]", "再见\n祝您生活愉快")
    page.click("#policy-form button[type=submit]")
    page.wait_for_selector(".flash-success:has-text('已保存')")
    assert page.locator("fieldset[data-rule=abuse]").count() == 0
    assert page.locator("fieldset[data-rule=closing] legend").inner_text().startswith("结束语")
    assert page.locator("textarea[name=rule-0-none_of-0]").input_value() == "不知道"
    policy = parse_policy((home / "policies" / "表单浏览器.yaml").read_text(encoding="utf-8"))
    assert [r.id for r in policy.rules] == ["greeting", "reply_time", "closing"]
    page.fill("textarea[name=new-phrases]", "抱歉")  # a new rule without an id
    page.click("#policy-form button[type=submit]")
    page.wait_for_selector("#form-errors:has-text('新规则需要填写 id')")
    assert [r.id for r in parse_policy((home / "policies" / "表单浏览器.yaml").read_text("utf-8")).rules][
        -1
    ] == ("closing")
