"""Drafts, editing, publishing, grading attempts and item analysis."""

import pytest

from quiz import (
    QuizError,
    add_question,
    delete_question,
    get_quiz,
    item_analysis,
    list_quizzes,
    publish_quiz,
    record_attempt,
    update_question,
)
from quiz.analysis import analyse_items
from quiz.models import Question, Quiz
from quiz.store import save_quiz


def make_quiz(conn) -> Quiz:
    return save_quiz(
        conn,
        Quiz(
            "发货 测验",
            [
                Question(
                    "single",
                    "现货商品在付款后（　　）内发货。",
                    ["24小时", "48小时", "72小时", "12小时"],
                    "48小时",
                ),
                Question("tf", "判断正误：本店默认使用中通快递发货。", answer="正确"),
                Question(
                    "cloze",
                    "填空：發票在____內開具。",
                    answer="3个工作日",
                    accepted=["3工作日", "三个工作日"],
                ),
            ],
        ),
    )


def test_draft_edit_drop_add_publish(conn):
    quiz = make_quiz(conn)
    assert list_quizzes(conn)[0]["status"] == "draft"
    first = quiz.questions[0]
    edited = update_question(conn, first.id, stem="现货订单在付款后（　　）内发出。")
    assert edited.stem.startswith("现货订单")
    with pytest.raises(QuizError, match="答案不在选项中"):
        update_question(conn, first.id, answer="96小时")
    delete_question(conn, quiz.questions[1].id)
    added = add_question(conn, quiz.id, Question("tf", "判断正误：偏远地区包邮。", answer="错误"))
    assert [q.position for q in get_quiz(conn, quiz.id).questions] == [1, 2, 3]
    assert added.position == 3
    published = publish_quiz(conn, quiz.id)
    assert published.status == "published" and published.published_at
    with pytest.raises(QuizError, match="published"):
        update_question(conn, first.id, stem="改不了")
    with pytest.raises(QuizError, match="published"):
        delete_question(conn, first.id)


def test_attempts_need_a_published_quiz(conn):
    quiz = make_quiz(conn)
    with pytest.raises(QuizError, match="尚未发布"):
        record_attempt(conn, quiz.id, "小李", {})
    with pytest.raises(QuizError, match="no quiz"):
        get_quiz(conn, 999)


def test_grading_accepts_letters_words_and_variants(conn):
    quiz = make_quiz(conn)
    publish_quiz(conn, quiz.id)
    ids = [q.id for q in quiz.questions]
    result = record_attempt(conn, quiz.id, "小王", {ids[0]: "b", ids[1]: "对", ids[2]: "三个工作日"})
    assert (result["score"], result["total"]) == (3, 3)
    result = record_attempt(conn, quiz.id, "小张", {"1": "48小时", "2": "错", "3": " 3 个工作日。"})
    assert [i["correct"] for i in result["items"]] == [True, False, True]
    result = record_attempt(conn, quiz.id, "小赵", {"1": "A"})
    assert result["score"] == 0 and result["percent"] == 0.0
    assert list_quizzes(conn)[0]["attempts"] == 3


def test_item_analysis_on_hand_made_attempts():
    # 10 takers, strongest first. Item 1: everyone right. Items 2 and 3: the strong ones right.
    # Item 5: only the three weakest right (negative discrimination).
    matrix = [
        [1, 1, 1, 1, 0],
        [1, 1, 1, 1, 0],
        [1, 1, 1, 0, 0],
        [1, 0, 1, 1, 0],
        [1, 0, 1, 0, 0],
        [1, 0, 0, 1, 0],
        [1, 0, 1, 0, 0],
        [1, 0, 0, 0, 1],
        [1, 0, 0, 0, 1],
        [1, 0, 0, 0, 1],
    ]
    stats = analyse_items([11, 12, 13, 14, 15], matrix)
    by_id = {s.question_id: s for s in stats}
    assert by_id[11].facility == 1.0 and "too easy" in by_id[11].flags
    assert by_id[11].point_biserial is None  # no variance, no correlation
    assert by_id[12].facility == 0.3 and by_id[12].discrimination == 1.0
    assert by_id[12].point_biserial > 0 and not by_id[12].flags
    assert by_id[13].discrimination == 1.0
    assert by_id[15].discrimination == -1.0 and by_id[15].point_biserial < 0
    assert "negative discrimination" in by_id[15].flags


def test_item_analysis_through_the_store(conn):
    quiz = make_quiz(conn)
    publish_quiz(conn, quiz.id)
    answers = [
        ("A", "正确", "3个工作日"),
        ("B", "正确", "3个工作日"),
        ("B", "错误", "5个工作日"),
        ("B", "正确", ""),
        ("C", "正确", "3个工作日"),
        ("B", "正确", "3个工作日"),
    ]
    for i, (a, b, c) in enumerate(answers):
        record_attempt(conn, quiz.id, f"学员{i}", {"1": a, "2": b, "3": c})
    stats = item_analysis(conn, quiz.id)
    assert [s.attempts for s in stats] == [6, 6, 6]
    assert stats[0].facility == pytest.approx(4 / 6, abs=1e-3)
    assert stats[1].facility == pytest.approx(5 / 6, abs=1e-3)


def test_an_answer_letter_names_an_option_of_the_question_and_other_answers_pass_through(conn):
    from quiz import answer_for_letter

    quiz = make_quiz(conn)
    single = quiz.questions[0]
    assert answer_for_letter(conn, single.id, "c") == "72小时"
    assert answer_for_letter(conn, single.id, "B", ["一天", "两天"]) == "两天"
    assert answer_for_letter(conn, single.id, "D", ["一天"]) == "D"  # no such option: kept as typed
    assert answer_for_letter(conn, single.id, "48小时") == "48小时"
