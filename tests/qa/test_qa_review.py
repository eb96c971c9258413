"""The human review loop in the core: reviews, agreement, appeals, calibration, weekly samples."""

from __future__ import annotations

import json

import pytest

from qa.review import NotFound, ReviewDesk, ReviewError
from qa.runner import RunResult
from qa.sampling import REASON_CRITICAL, REASON_LOWEST, SamplingPlan
from qa.scoring import Scorer
from qa.store import open_store, save_run

GOOD = [
    ("customer", 0, "在吗，我的快递怎么还没到"),
    ("agent", 10, "您好，很高兴为您服务，非常抱歉让您久等了"),
    ("customer", 30, "好的"),
    ("agent", 40, "已经催促了，祝您生活愉快"),
]
RUDE = [
    ("customer", 0, "你们太慢了"),
    ("agent", 10, "您好，滚"),
    ("customer", 30, "什么态度"),
    ("agent", 40, "再见"),
]


@pytest.fixture
def desk(tmp_path, policy, conversation):
    """A store with one run: a01 (good, rude), a02 (good x3); and the desk over it."""
    scorer = Scorer(policy, semantic=False)
    specs = [("c1", "a01", GOOD), ("c2", "a01", RUDE), ("c3", "a02", GOOD), ("c4", "a02", GOOD)]
    specs.append(("c5", "a02", GOOD))
    cards = [scorer.score(conversation(spec, conv_id, agent)) for conv_id, agent, spec in specs]
    conn = open_store(tmp_path / "kefu.sqlite3")
    run_id = save_run(conn, RunResult(policy, cards, [], ["t.jsonl"]))
    ids = {row["conversation_id"]: row["id"] for row in conn.execute("SELECT * FROM qa_scorecards")}
    desk = ReviewDesk(conn)
    desk.run_id, desk.ids = run_id, ids
    return desk


def test_overturned_rule_changes_final_score_and_keeps_machine_verdict(desk):
    card_id = desk.ids["c1"]
    before = desk.scorecard(card_id)
    assert before["score"] == 100.0 and before["reviewed"] is False
    final = desk.review(
        card_id,
        "qa1",
        [
            {"rule_id": "greeting", "verdict": "pass"},
            {"rule_id": "closing", "verdict": "fail", "comment": "祝福语不算道别", "message": 3},
        ],
    )
    closing = next(r for r in final["rules"] if r["id"] == "closing")
    assert closing["status"] == "fail" and closing["machine_status"] == "pass"
    assert closing["human"]["reviewer"] == "qa1" and closing["human"]["message"] == 3
    assert final["machine_score"] == 100.0 and final["score"] < 100.0
    stored = desk.conn.execute(
        "SELECT final_score, score FROM qa_scorecards WHERE id = ?", (card_id,)
    ).fetchone()
    assert stored["final_score"] == final["score"] and stored["score"] == 100.0
    assert [r["reviewer"] for r in desk.scorecard(card_id)["reviews"]] == ["qa1", "qa1"]


def test_a_miss_must_name_its_message_and_an_overturn_its_reason(desk):
    card_id = desk.ids["c1"]
    with pytest.raises(ReviewError, match="哪条消息"):
        desk.review(card_id, "qa1", [{"rule_id": "closing", "verdict": "fail", "comment": "不算"}])
    with pytest.raises(ReviewError, match="理由"):
        desk.review(card_id, "qa1", [{"rule_id": "closing", "verdict": "fail", "message": 3}])
    with pytest.raises(ReviewError, match="只有 4 条消息"):
        desk.review(card_id, "qa1", [{"rule_id": "closing", "verdict": "fail", "comment": "x", "message": 9}])
    with pytest.raises(ReviewError, match="没有规则"):
        desk.review(card_id, "qa1", [{"rule_id": "nope", "verdict": "pass"}])
    with pytest.raises(ReviewError, match="verdict"):
        desk.review(card_id, "qa1", [{"rule_id": "closing", "verdict": "maybe"}])
    assert desk.scorecard(card_id)["reviews"] == []  # nothing half-stored


def test_agreement_counts_precision_and_recall_of_machine_fails(desk):
    rude, good = desk.ids["c2"], desk.ids["c3"]
    desk.review(rude, "qa1", [{"rule_id": "abuse", "verdict": "fail"}])  # confirmed fail
    desk.review(
        rude, "qa2", [{"rule_id": "forbidden_phrases", "verdict": "fail", "comment": "态度", "message": 1}]
    )
    desk.review(good, "qa1", [{"rule_id": "abuse", "verdict": "pass"}])
    report = desk.agreement()
    rules = {r["rule_id"]: r for r in report["rules"]}
    assert rules["abuse"]["reviewed"] == 2 and rules["abuse"]["precision"] == 1.0
    assert rules["abuse"]["description"].startswith("辱骂")
    forbidden = rules["forbidden_phrases"]
    assert (
        forbidden["machine_missed_fail"] == 1
        and forbidden["recall"] == 0.0
        and forbidden["precision"] is None
    )
    assert forbidden["disagreements"][0]["comment"] == "态度"
    assert desk.agreement(run_id=desk.run_id + 1)["rules"] == []


def test_agent_sees_only_own_scorecards_and_appeal_is_recorded_step_by_step(desk):
    rude = desk.ids["c2"]
    assert {c["conversation_id"] for c in desk.agent_scorecards("a01")} == {"c1", "c2"}
    with pytest.raises(NotFound):
        desk.scorecard(desk.ids["c3"], agent="a01")  # another agent's id is refused like a missing one
    with pytest.raises(NotFound):
        desk.appeal(desk.ids["c3"], "abuse", "a01", "不是我")
    appeal = desk.appeal(rude, "abuse", "a01", "客户先骂人")
    with pytest.raises(ReviewError, match="待处理"):
        desk.appeal(rude, "abuse", "a01", "再申诉")
    with pytest.raises(ReviewError, match="自己"):
        desk.decide_appeal(appeal["id"], "a01", "overturned", "自己改")
    decided = desk.decide_appeal(appeal["id"], "lead", "overturned", "上下文是玩笑")
    assert decided["status"] == "overturned" and decided["decided_by"] == "lead"
    assert [(e["actor"], e["action"]) for e in decided["events"]] == [
        ("a01", "opened"),
        ("lead", "overturned"),
    ]
    final = desk.scorecard(rude, agent="a01")
    abuse = next(r for r in final["rules"] if r["id"] == "abuse")
    assert abuse["status"] == "pass" and abuse["machine_status"] == "fail" and final["score"] > 0
    with pytest.raises(ReviewError, match="已处理"):
        desk.decide_appeal(appeal["id"], "lead", "upheld", "再来")
    with pytest.raises(NotFound):
        desk.get_appeal(appeal["id"], agent="a02")


def test_calibration_is_blind_until_done_then_shows_disagreements(desk):
    cards = [desk.ids["c1"], desk.ids["c2"]]
    calibration = desk.create_calibration("第一周校准", "lead", ["qa1", "qa2"], scorecard_ids=cards)
    rule_ids = [r["id"] for r in desk.scorecard(cards[0])["rules"]]
    view = desk.calibration_card(calibration["id"], cards[0], "qa1")
    assert "status" not in view["rules"][0]  # no machine verdict while judging
    for card_id in cards:
        machine = {r["id"]: r["machine_status"] for r in desk.scorecard(card_id)["rules"]}
        desk.judge(
            calibration["id"], "qa1", card_id, [{"rule_id": i, "verdict": machine[i]} for i in rule_ids]
        )
    flipped = {"pass": "fail", "fail": "pass", "na": "pass"}
    machine = {r["id"]: r["machine_status"] for r in desk.scorecard(cards[0])["rules"]}
    items = [
        {"rule_id": i, "verdict": flipped[machine[i]] if i == "greeting" else machine[i]} for i in rule_ids
    ]
    partial = desk.judge(calibration["id"], "qa2", cards[0], items)
    assert partial["blind"] is True and "comparison" not in partial
    assert {row["reviewer"] for row in partial["mine"]} == {"qa2"}
    lead = desk.calibration(calibration["id"], "lead")
    comparison = lead["comparison"]
    assert lead["progress"] == {"qa1": 2, "qa2": 1} and lead["blind"] is False
    split = [i for i in comparison["items"] if not i["reviewers_agree"]]
    assert [(i["scorecard_id"], i["rule_id"]) for i in split] == [(cards[0], "greeting")]
    assert comparison["pairs"][0]["reviewers"] == ["qa1", "qa2"] and comparison["pairs"][0]["agreement"] < 1
    assert {r["reviewer"]: r["agreement_with_machine"] for r in comparison["reviewers"]}["qa1"] == 1.0
    assert desk.scorecard(cards[0])["reviews"] == []  # calibration judgements are not reviews
    with pytest.raises(ReviewError, match="评审人"):
        desk.judge(calibration["id"], "qa9", cards[0], items)


def test_weekly_sample_takes_critical_fails_lowest_and_random_per_agent_and_tracks_done(desk):
    started = desk.scorecard(desk.ids["c1"])["started_at"][:10]
    plan = SamplingPlan(random_per_agent=1, lowest_per_agent=1, critical=True, seed=7)
    assignment = desk.create_assignment("qa1", started, started, "lead", plan)
    by_card = {i["scorecard_id"]: i for i in assignment["items"]}
    assert REASON_CRITICAL in by_card[desk.ids["c2"]]["reasons"]
    assert REASON_LOWEST in by_card[desk.ids["c2"]]["reasons"]
    assert sum(1 for i in assignment["items"] if i["agent"] == "a02") == 2  # lowest + 1 random
    assert assignment["done"] == 0 and assignment["total"] == len(assignment["items"])
    card_id = assignment["items"][0]["scorecard_id"]
    rules = desk.scorecard(card_id)["rules"]
    desk.review(card_id, "qa1", [{"rule_id": r["id"], "verdict": r["machine_status"]} for r in rules])
    assert desk.assignment(assignment["id"])["done"] == 1
    again = desk.create_assignment("qa2", started, started, "lead", plan)
    assert [i["scorecard_id"] for i in again["items"]] == [i["scorecard_id"] for i in assignment["items"]]
    with pytest.raises(ReviewError, match="没有评分过的对话"):
        desk.create_assignment("qa1", "2001-01-01", "2001-01-07", "lead", plan)
    with pytest.raises(ReviewError, match="日期"):
        desk.create_assignment("qa1", "上周", "2001-01-07", "lead", plan)


def test_cli_agreement_and_weekly_assignment(tmp_path, capsys):
    from app import main
    from tests.qa.test_qa_store_and_cli import DEFAULT_POLICY, SAMPLE

    home = str(tmp_path / "home")
    assert main(["--home", home, "score", str(SAMPLE), "--policy", str(DEFAULT_POLICY), "--no-semantic"]) == 0
    capsys.readouterr()
    assert main(["--home", home, "qa-agreement"]) == 0
    assert "no human reviews yet" in capsys.readouterr().out
    conn = open_store(tmp_path / "home" / "kefu.sqlite3")
    card_id, day = conn.execute(
        "SELECT id, substr(started_at, 1, 10) FROM qa_scorecards ORDER BY id"
    ).fetchone()
    ReviewDesk(conn).review(
        card_id, "qa1", [{"rule_id": "abuse", "verdict": "na", "comment": "没有客服消息"}]
    )
    assert main(["--home", home, "qa-agreement", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["reviewed"] == 1 and report["rules"][0]["rule_id"] == "abuse"
    assert main(["--home", home, "qa-assign", "qa1", "--start", day, "--end", day, "--random", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("assignment 1 for qa1") and "随机抽取" in out
    assert main(["--home", home, "qa-assign", "qa1", "--start", "2001-01-01", "--end", "2001-01-02"]) == 2
    assert "没有评分过的对话" in capsys.readouterr().err


def test_rescore_under_another_policy_version_shows_changed_rules_and_agent_deltas(tmp_path, capsys):
    from app import main
    from tests.qa.test_qa_store_and_cli import DEFAULT_POLICY, SAMPLE

    home = str(tmp_path / "home")
    assert main(["--home", home, "score", str(SAMPLE), "--policy", str(DEFAULT_POLICY), "--no-semantic"]) == 0
    stricter = tmp_path / "stricter.yaml"
    stricter.write_text(
        DEFAULT_POLICY.read_text(encoding="utf-8").replace("    sla_s: 60", "    sla_s: 5"), encoding="utf-8"
    )
    capsys.readouterr()
    assert (
        main(["--home", home, "qa-rescore", "1", "--policy", str(stricter), "--json", "--no-semantic"]) == 0
    )
    diff = json.loads(capsys.readouterr().out)
    assert diff["base"]["id"] == 1 and diff["new"]["id"] == 2
    assert diff["base"]["policy_version"] != diff["new"]["policy_version"]
    assert diff["compared"] == 20 and diff["changed"] > 0
    assert {(r["rule_id"], r["before"], r["after"]) for r in diff["rules"]} == {
        ("reply_time", "pass", "fail")
    }
    assert all(a["delta"] <= 0 for a in diff["agents"]) and any(a["delta"] < 0 for a in diff["agents"])
    assert all(c["delta"] < 0 and c["rules"][0]["rule_id"] == "reply_time" for c in diff["conversations"])
    assert main(["--home", home, "qa-rescore", "9", "--policy", str(stricter)]) == 2
    assert "没有编号为 9" in capsys.readouterr().err
