"""The review loop through the pages and the API: review, agreement, appeals, calibration, samples."""

from __future__ import annotations

import re

import pytest

CONVERSATIONS = [
    {
        "id": "rv-1",
        "agent": "agent",  # the test agent user's own conversations
        "messages": [
            {"role": "customer", "text": "你们太慢了，我要投诉", "ts": "2026-11-03T10:00:00+08:00"},
            {"role": "agent", "text": "您好，这个不归我管", "ts": "2026-11-03T10:00:10+08:00"},
            {"role": "customer", "text": "什么态度", "ts": "2026-11-03T10:00:30+08:00"},
            {"role": "agent", "text": "再见", "ts": "2026-11-03T10:00:40+08:00"},
        ],
    },
    {
        "id": "rv-2",
        "agent": "a77",
        "messages": [
            {"role": "customer", "text": "在吗", "ts": "2026-11-03T11:00:00+08:00"},
            {"role": "agent", "text": "您好，很高兴为您服务", "ts": "2026-11-03T11:00:10+08:00"},
            {"role": "customer", "text": "好的谢谢", "ts": "2026-11-03T11:00:30+08:00"},
            {"role": "agent", "text": "祝您生活愉快，再见", "ts": "2026-11-03T11:00:40+08:00"},
        ],
    },
]


@pytest.fixture
def run(client, auth):
    """A stored run of the two conversations; returns {conversation id: scorecard id}."""
    response = client.post(
        "/api/qa/score", headers=auth("qa"), json={"semantic": False, "conversations": CONVERSATIONS}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    run = client.get(f"/api/qa/runs/{response.get_json()['run_id']}", headers=auth("qa")).get_json()
    return {c["conversation_id"]: c["id"] for c in run["scorecards"]} | {"run_id": run["id"]}


@pytest.fixture(scope="session")
def second_reviewer(app):
    """A second QA user (qa2) with an API token, for calibration."""
    from common.db import connect
    from service import users

    conn = connect(app.extensions["kefu_settings"].db_path)
    user = users.create_user(conn, "qa2", "qa2-secret-1", "qa")
    token = users.issue_token(conn, user.id)
    conn.close()
    return {"Authorization": f"Bearer {token}"}


def test_reviewer_overturns_a_rule_on_the_page_and_final_score_changes(client, run, login_as, csrf):
    card_id = run["rv-2"]
    login_as(client, "qa")
    page = client.get(f"/qa/scorecards/{card_id}").get_data(as_text=True)
    assert "人工复核" in page and 'name="verdict-closing"' in page
    token = csrf(client, f"/qa/scorecards/{card_id}")
    refused = client.post(
        f"/qa/scorecards/{card_id}/review",
        data={"csrf_token": token, "verdict-closing": "fail", "comment-closing": "没有道别"},
    )
    assert refused.status_code == 400 and "哪条消息" in refused.get_data(as_text=True)
    saved = client.post(
        f"/qa/scorecards/{card_id}/review",
        data={
            "csrf_token": token,
            "verdict-closing": "fail",
            "comment-closing": "没有道别",
            "message-closing": "3",
        },
        follow_redirects=True,
    )
    text = saved.get_data(as_text=True)
    assert "已保存复核" in text and "机器评分" in text and "没有道别" in text
    api_view = client.get(f"/api/qa/scorecards/{card_id}/reviews").get_json()
    closing = next(r for r in api_view["rules"] if r["id"] == "closing")
    assert closing["machine_status"] == "pass" and closing["status"] == "fail"
    assert api_view["score"] < api_view["machine_score"]
    agreement = client.get("/qa/agreement").get_data(as_text=True)
    assert "机器漏判" in agreement and "rv-2" in agreement


def test_review_api_agreement_and_refusals(client, auth, run):
    card_id = run["rv-1"]
    url = f"/api/qa/scorecards/{card_id}/reviews"
    assert client.post(url, headers=auth("agent"), json={"items": []}).status_code == 403
    bad = client.post(url, headers=auth("qa"), json={"items": [{"rule_id": "nope", "verdict": "pass"}]})
    assert bad.status_code == 400 and "没有规则" in bad.get_json()["error"]["message"]
    assert (
        client.post("/api/qa/scorecards/999999/reviews", headers=auth("qa"), json={"items": []}).status_code
        == 404
    )
    ok = client.post(
        url, headers=auth("qa"), json={"items": [{"rule_id": "forbidden_phrases", "verdict": "fail"}]}
    )
    assert ok.status_code == 201 and ok.get_json()["reviewed"] is True
    report = client.get(f"/api/qa/agreement?run_id={run['run_id']}", headers=auth("qa")).get_json()
    forbidden = next(r for r in report["rules"] if r["rule_id"] == "forbidden_phrases")
    assert forbidden["machine_fail_confirmed"] == 1 and forbidden["precision"] == 1.0


def test_agent_sees_own_scorecards_appeals_and_lead_overturns(client, auth, run, login_as, csrf):
    mine, other = run["rv-1"], run["rv-2"]
    listing = client.get("/api/my/scorecards", headers=auth("agent")).get_json()
    assert mine in {c["scorecard_id"] for c in listing["scorecards"]}
    assert other not in {c["scorecard_id"] for c in listing["scorecards"]}
    # A forged id (another agent's scorecard) is refused like a missing one, on the API and the page.
    assert client.get(f"/api/my/scorecards/{other}", headers=auth("agent")).status_code == 404
    forged = client.post(
        f"/api/my/scorecards/{other}/appeals",
        headers=auth("agent"),
        json={"rule_id": "closing", "comment": "x"},
    )
    assert forged.status_code == 404
    login_as(client, "agent")
    assert client.get(f"/my/qa/{other}").status_code == 404
    assert client.get("/qa/appeals").status_code == 403  # an agent is not a QA lead
    token = csrf(client, f"/my/qa/{mine}")
    appealed = client.post(
        f"/my/qa/{mine}/appeals",
        data={"csrf_token": token, "rule_id": "forbidden_phrases", "comment": "是在转述同事的话"},
        follow_redirects=True,
    )
    assert "已提交" in appealed.get_data(as_text=True)
    appeal = next(
        a for a in client.get("/api/qa/appeals?status=open", headers=auth("qa")).get_json()["appeals"]
        if a["scorecard_id"] == mine
    )  # fmt: skip
    decided = client.post(
        f"/api/qa/appeals/{appeal['id']}/decision",
        headers=auth("qa"),
        json={"decision": "overturned", "comment": "转述不算本人用语"},
    )
    assert decided.status_code == 200, decided.get_data(as_text=True)
    assert [e["action"] for e in decided.get_json()["events"]] == ["opened", "overturned"]
    view = client.get(f"/api/my/scorecards/{mine}", headers=auth("agent")).get_json()
    rule = next(r for r in view["rules"] if r["id"] == "forbidden_phrases")
    assert rule["status"] == "pass" and rule["machine_status"] == "fail"
    page = client.get(f"/my/qa/{mine}").get_data(as_text=True)
    assert "已改判" in page and "转述不算本人用语" in page


def test_calibration_is_blind_then_shows_where_reviewers_split(client, auth, run, second_reviewer):
    cards = [run["rv-1"], run["rv-2"]]
    created = client.post(
        "/api/qa/calibrations",
        headers=auth("qa"),
        json={"name": "周校准", "reviewers": ["qa", "qa2"], "scorecards": cards},
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    calibration_id = created.get_json()["id"]
    rules = [
        r["id"] for r in client.get(f"/api/qa/scorecards/{cards[0]}", headers=auth("qa")).get_json()["rules"]
    ]
    for headers, verdict in ((auth("qa"), "pass"), (second_reviewer, "fail")):
        for card_id in cards:
            items = [{"rule_id": r, "verdict": verdict if r == "greeting" else "na"} for r in rules]
            judged = client.post(
                f"/api/qa/calibrations/{calibration_id}/judgements",
                headers=headers,
                json={"scorecard_id": card_id, "items": items},
            )
            assert judged.status_code == 201, judged.get_data(as_text=True)
            if headers is second_reviewer and card_id == cards[0]:
                assert judged.get_json()["blind"] is True and "comparison" not in judged.get_json()
    result = client.get(f"/api/qa/calibrations/{calibration_id}", headers=second_reviewer).get_json()
    split = {
        (i["scorecard_id"], i["rule_id"]) for i in result["comparison"]["items"] if not i["reviewers_agree"]
    }
    assert split == {(cards[0], "greeting"), (cards[1], "greeting")}
    assert result["comparison"]["pairs"][0]["agreement"] < 1


def test_weekly_assignment_picks_per_agent_and_tracks_done(client, auth, run, login_as, csrf):
    created = client.post(
        "/api/qa/assignments",
        headers=auth("qa"),
        json={"reviewer": "qa", "start": "2026-11-02", "end": "2026-11-08", "random": 0, "lowest": 1},
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assignment = created.get_json()
    assert {i["agent"] for i in assignment["items"]} >= {"agent", "a77"}
    bad = client.post(
        "/api/qa/assignments", headers=auth("qa"), json={"reviewer": "qa", "start": "x", "end": "y"}
    )
    assert bad.status_code == 400 and "日期" in bad.get_json()["error"]["message"]
    login_as(client, "qa")
    page = client.get(f"/qa/assignments/{assignment['id']}").get_data(as_text=True)
    assert "抽取原因" in page and re.search(r"已完成 \d+/\d+", page)


def test_rescore_a_stored_run_as_a_job_then_read_the_difference(
    client, auth, run, job_result, login_as, csrf
):
    started = client.post(
        f"/api/qa/runs/{run['run_id']}/rescore",
        headers=auth("qa"),
        json={"policy": "default.yaml", "semantic": False},
    )
    job = job_result(client, started, auth("qa"))
    assert job["status"] == "done" and job["result"]["base_run"] == run["run_id"]
    diff = client.get(f"/api/qa/runs/{job['result']['run_id']}/diff?base={run['run_id']}", headers=auth("qa"))
    body = diff.get_json()
    assert body["compared"] == 2 and body["changed"] == 0  # same policy, same verdicts
    assert (
        client.post(
            "/api/qa/runs/999999/rescore", headers=auth("qa"), json={"policy": "default.yaml"}
        ).status_code
        == 404
    )
    login_as(client, "qa")
    page = client.get(f"/qa/runs/{job['result']['run_id']}/diff?base={run['run_id']}").get_data(as_text=True)
    assert "比较了 2 个对话，0 个有变化" in page


def test_a_file_with_no_scorable_conversation_creates_no_run(client, login_as, csrf):
    import io

    login_as(client, "qa")
    token = csrf(client, "/qa/")
    before = client.get("/qa/").get_data(as_text=True).count("/qa/runs/")
    response = client.post(
        "/qa/runs",
        data={
            "csrf_token": token,
            "policy": "default.yaml",
            "files": [(io.BytesIO(b"{broken\n"), "bad.jsonl")],
        },
        content_type="multipart/form-data",
    )
    job_id = int(response.location.rsplit("/", 1)[1])
    client.application.extensions["kefu_playbook"].jobs.wait(job_id, timeout=300)
    page = client.get(response.location).get_data(as_text=True)
    assert "没有可评分的对话，未创建评分记录" in page and "JSON" in page
    assert client.get("/qa/").get_data(as_text=True).count("/qa/runs/") == before


def test_try_a_policy_on_a_chat_pasted_as_lines(client, login_as, csrf):
    login_as(client, "qa")
    token = csrf(client, "/qa/policies/edit?name=default.yaml")
    text = client.application.extensions["kefu_settings"].home_path.joinpath("policies", "default.yaml")
    page = client.post(
        "/qa/policies/edit",
        data={
            "csrf_token": token,
            "name": "default.yaml",
            "text": text.read_text(encoding="utf-8"),
            "action": "try",
            "conversation": "客户：在吗，我要投诉\n客服：您好，非常抱歉\n客户：好吧\n客服：祝您生活愉快，再见",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "试运行结果" in html and 'id="untimed-note"' in html
    bad = client.post(
        "/qa/policies/edit",
        data={"csrf_token": token, "name": "default.yaml", "text": text.read_text(encoding="utf-8"),
              "action": "try", "conversation": "客户 10:00：在吗\n客服：您好"},
    )  # fmt: skip
    assert bad.status_code == 400 and "第 2 行没有时间" in bad.get_data(as_text=True)


def test_run_dashboard_filters_by_agent_rule_result_and_score(client, run, login_as):
    login_as(client, "qa")
    url = f"/qa/runs/{run['run_id']}"
    everything = client.get(url).get_data(as_text=True)
    assert "显示 2 / 2 个对话" in everything and 'id="run-filters"' in everything
    assert "显示 1 / 2 个对话" in client.get(f"{url}?agent=a77").get_data(as_text=True)
    only_failed = client.get(f"{url}?rule=forbidden_phrases").get_data(as_text=True)
    assert "rv-1" in only_failed and ">rv-2<" not in only_failed
    assert "显示 0 / 2 个对话" in client.get(f"{url}?score_min=101").get_data(as_text=True)
    assert "显示 1 / 2 个对话" in client.get(f"{url}?result=pass").get_data(as_text=True)


def test_policy_form_editor_saves_terms_points_and_slas_and_validates_like_yaml(client, login_as, csrf):
    from qa.policy import parse_policy

    home = client.application.extensions["kefu_settings"].home_path
    login_as(client, "qa")
    client.get("/qa/policies")  # the library is seeded with the bundled policies on first use
    source = (home / "policies" / "default.yaml").read_text(encoding="utf-8")
    (home / "policies" / "表单.yaml").write_text(source, encoding="utf-8")
    page = client.get("/qa/policies/form?name=表单.yaml").get_data(as_text=True)
    assert 'id="policy-form"' in page and "不知道 | 不知道您是否" in page
    ids = [r.id for r in parse_policy(source).rules]
    form = {
        "csrf_token": csrf(client, "/qa/policies/form?name=表单.yaml"),
        "name": "表单.yaml",
        "pass_score": "85",
    }
    form |= {f"rule-{i}-id": rule_id for i, rule_id in enumerate(ids)}
    banned, sla = ids.index("forbidden_phrases"), ids.index("reply_time")
    form |= {f"rule-{banned}-phrases": "不知道 | 不知道您是否\n你自己看", f"rule-{banned}-points": "12"}
    form |= {f"rule-{sla}-sla_s": "45", f"rule-{sla}-points": "10"}
    saved = client.post("/qa/policies/form", data=form, follow_redirects=True)
    assert "已保存" in saved.get_data(as_text=True)
    policy = parse_policy((home / "policies" / "表单.yaml").read_text(encoding="utf-8"))
    rule = policy.rule("forbidden_phrases")
    assert (
        policy.pass_score == 85
        and rule.points == 12
        and [t.term for t in rule.phrases.terms] == ["不知道", "你自己看"]
    )
    assert rule.phrases.terms[0].exceptions == ("不知道您是否",) and policy.rule("reply_time").sla_s == 45
    bad = client.post(
        "/qa/policies/form", data=form | {f"rule-{banned}-phrases": "", f"rule-{sla}-sla_s": "-1"}
    )
    assert bad.status_code == 400 and "sla_s" in bad.get_data(as_text=True)
