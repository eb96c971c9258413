"""Taking a quiz like Moodle: shuffled per attempt, timed, limited, dated, passed or failed, assigned."""

import time

import pytest

from quiz import (
    QuizError,
    assign,
    close_quiz,
    copy_to_draft,
    delete_quiz,
    get_quiz,
    history,
    my_quizzes,
    publish_quiz,
    record_attempt,
    save_quiz,
    set_delivery,
    start_attempt,
    submit_attempt,
    taker_view,
    unpublish_quiz,
)
from quiz.models import Question, Quiz


def _questions():
    return [
        Question("single", f"第{i}题：退货须在签收后（　　）内申请。", ["3天", "7天", "15天", "30天"], "7天")
        for i in range(1, 7)
    ] + [
        Question(
            "multi", "核实身份要看哪些？", ["订单号", "手机号", "星座", "血型"], answers=["订单号", "手机号"]
        ),
        Question("cloze", "发票在（　　）内开具。", answer="3个工作日"),
    ]


def _published(conn, **delivery) -> Quiz:
    quiz = save_quiz(conn, Quiz("售后小测", _questions()))
    if delivery:
        set_delivery(conn, quiz.id, **delivery)
    return publish_quiz(conn, quiz.id)


def test_options_and_questions_are_shuffled_per_attempt(conn):
    quiz = _published(conn, shuffle_questions=True, shuffle_options=True)
    layouts = []
    for taker in ("甲", "乙", "丙"):
        attempt = start_attempt(conn, quiz.id, taker)
        layouts.append(
            (tuple(attempt["layout"]["questions"]), tuple(map(tuple, attempt["layout"]["options"].values())))
        )
        assert sorted(attempt["layout"]["questions"]) == [q.id for q in quiz.questions]
    assert len(set(layouts)) > 1
    # Resuming returns the same attempt with the same order.
    again = start_attempt(conn, quiz.id, "甲")
    assert tuple(again["layout"]["questions"]) == layouts[0][0]


def test_a_second_attempt_is_refused_when_one_is_allowed(conn):
    quiz = _published(conn, attempts_allowed=1)
    record_attempt(conn, quiz.id, "小王", {"1": "7天"})
    with pytest.raises(QuizError, match="已用完本测验的作答次数"):
        start_attempt(conn, quiz.id, "小王")
    record_attempt(conn, quiz.id, "小李", {})  # others still may


def test_a_submission_past_the_time_limit_scores_nothing(conn):
    quiz = _published(conn, time_limit_minutes=10)
    start = time.time() - 3600
    attempt = start_attempt(conn, quiz.id, "小王", now=start)
    assert attempt["deadline"] == pytest.approx(start + 600)
    answers = {str(q.id): "7天" for q in quiz.questions}
    late = submit_attempt(conn, attempt["attempt_id"], answers, now=start + 600 + 61, grace_s=60)
    assert late["overdue"] and late["points"] == 0 and not late["passed"]
    on_time = start_attempt(conn, quiz.id, "小李", now=start)
    result = submit_attempt(conn, on_time["attempt_id"], answers, now=start + 599)
    assert not result["overdue"] and result["score"] == 6


def test_open_and_close_dates_bound_the_attempts(conn):
    now = time.time()
    quiz = _published(conn, opens_at=now + 3600, closes_at=now + 7200)
    with pytest.raises(QuizError, match="尚未开放"):
        start_attempt(conn, quiz.id, "小王")
    with pytest.raises(QuizError, match="截止时间须晚于开放时间"):
        set_delivery(conn, quiz.id, closes_at=now)
    set_delivery(conn, quiz.id, opens_at=now - 7200, closes_at=now - 3600)
    with pytest.raises(QuizError, match="已关闭"):
        start_attempt(conn, quiz.id, "小王")


def test_pass_mark_and_partial_credit_on_multiple_answers(conn):
    quiz = _published(conn, pass_percent=75)
    ids = [q.id for q in quiz.questions]
    answers = {str(i): "7天" for i in ids[:6]}
    result = record_attempt(conn, quiz.id, "小王", {**answers, str(ids[6]): "A", str(ids[7]): "三个工作日"})
    assert result["items"][6]["credit"] == 0.5  # one of two right options
    assert result["points"] == 7.5 and result["percent"] == pytest.approx(93.8, abs=0.1) and result["passed"]
    low = record_attempt(conn, quiz.id, "小李", {str(ids[0]): "7天", str(ids[6]): "ABC"})
    assert low["items"][6]["credit"] == 0.5  # two right, one wrong of two wrong: 1 - 0.5
    assert not low["passed"]


@pytest.mark.parametrize("show_answers", ["after_submit", "after_last_attempt", "after_close", "never"])
def test_a_blank_or_unfinished_attempt_never_shows_keys(conn, show_answers):
    quiz = save_quiz(conn, Quiz("小测", _questions(), show_answers=show_answers, attempts_allowed=1))
    quiz = publish_quiz(conn, quiz.id)
    blank = taker_view(quiz, record_attempt(conn, quiz.id, "小王", {}), attempts_left=0)
    assert not blank["keys_shown"] and all("answer" not in i for i in blank["items"])
    partial = taker_view(quiz, record_attempt(conn, quiz.id, "小李", {"1": "A"}), attempts_left=0)
    assert not partial["keys_shown"]


def test_keys_after_the_last_attempt(conn):
    quiz = save_quiz(conn, Quiz("小测", _questions(), show_answers="after_last_attempt", attempts_allowed=2))
    quiz = publish_quiz(conn, quiz.id)
    full = {str(q.id): "A" for q in quiz.questions}
    assert not taker_view(quiz, record_attempt(conn, quiz.id, "小王", full), attempts_left=1)["keys_shown"]
    assert taker_view(quiz, record_attempt(conn, quiz.id, "小王", full), attempts_left=0)["keys_shown"]


def test_assigned_quizzes_are_due_first_with_score_pass_and_history(conn):
    due = time.time() + 86400
    other = _published(conn)
    assigned = _published(conn, pass_percent=50)
    assign(conn, assigned.id, roles=["agent"], due_at=due, assigned_by="trainer")
    record_attempt(conn, assigned.id, "小王", {str(q.id): "7天" for q in assigned.questions})
    record_attempt(conn, assigned.id, "小王", {})
    mine = my_quizzes(conn, "小王", "agent")
    assert [q["id"] for q in mine] == [assigned.id, other.id]
    first = mine[0]
    assert first["assigned"] and first["due_at"] == due and first["passed"]
    assert first["best"]["percent"] == 75.0 and first["last"]["percent"] == 0.0
    assert [h["percent"] for h in first["history"]] == [0.0, 75.0]
    assert not mine[1]["assigned"] and mine[1]["history"] == []
    assert not any(q["assigned"] for q in my_quizzes(conn, "小赵", "qa"))
    assert len(history(conn, "小王")) == 2


def test_copy_to_draft_unpublish_and_delete(conn):
    quiz = _published(conn, time_limit_minutes=15)
    copy = copy_to_draft(conn, quiz.id)
    assert copy.status == "draft" and len(copy.questions) == len(quiz.questions)
    assert get_quiz(conn, copy.id).time_limit_minutes == 15
    assert {q.id for q in copy.questions}.isdisjoint({q.id for q in quiz.questions})
    record_attempt(conn, quiz.id, "小王", {})
    with pytest.raises(QuizError, match="复制为草稿"):
        unpublish_quiz(conn, quiz.id)
    published_copy = publish_quiz(conn, copy.id)
    assert unpublish_quiz(conn, published_copy.id).status == "draft"
    delete_quiz(conn, quiz.id)
    with pytest.raises(QuizError):
        get_quiz(conn, quiz.id)
    assert conn.execute("SELECT count(*) FROM quiz_attempts WHERE quiz_id = ?", (quiz.id,)).fetchone()[0] == 0


def test_bad_delivery_settings_are_refused_in_chinese(conn):
    quiz = save_quiz(conn, Quiz("小测", _questions()))
    for fields, message in [
        ({"time_limit_minutes": -1}, "限时"),
        ({"attempts_allowed": "abc"}, "不是有效的数字"),
        ({"pass_percent": 120}, "及格线"),
        ({"colour": "red"}, "未知的测验设置"),
    ]:
        with pytest.raises(QuizError, match=message):
            set_delivery(conn, quiz.id, **fields)


def test_a_double_submit_is_refused_and_scores_once(conn):
    quiz = _published(conn)
    attempt = start_attempt(conn, quiz.id, "小王")
    assert (
        start_attempt(conn, quiz.id, "小王")["attempt_id"] == attempt["attempt_id"]
    )  # a second click resumes
    submit_attempt(conn, attempt["attempt_id"], {"1": "7天"})
    with pytest.raises(QuizError, match="已经提交过了"):
        submit_attempt(conn, attempt["attempt_id"], {"1": "7天"})
    assert len(history(conn, "小王")) == 1


def test_closing_stops_new_attempts_but_takes_in_a_running_one(conn):
    quiz = _published(conn)
    running = start_attempt(conn, quiz.id, "小王")
    close_quiz(conn, quiz.id)
    with pytest.raises(QuizError, match="已关闭"):
        start_attempt(conn, quiz.id, "小李")
    assert submit_attempt(conn, running["attempt_id"], {"1": "7天"})["score"] == 1
