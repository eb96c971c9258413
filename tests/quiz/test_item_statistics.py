"""Item analysis as Moodle's statistics report, checked against a worked example done by hand."""

import pytest

from quiz import item_analysis, publish_quiz, quiz_report, record_attempt, save_quiz
from quiz.analysis import analyse_items, kr20, quiz_statistics
from quiz.models import Question, Quiz

# Six takers, three items, strongest first (totals 3, 2, 2, 1, 1, 0).
WORKED = [
    [1, 1, 1],
    [1, 1, 0],
    [1, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 0],
]


def test_statistics_match_the_worked_example():
    """By hand (population variances, n = 6):

    facility p = 4/6, 3/6, 2/6.
    Upper and lower groups: round(0.27 * 6) = 2 takers each: upper = takers 1 and 2,
    lower = takers 5 and 6. Discrimination = (right in upper - right in lower) / 2:
    item 1 (2 - 0)/2 = 1.0, item 2 (2 - 1)/2 = 0.5, item 3 (1 - 0)/2 = 0.5.
    Point-biserial of item 1 with the rest score (2, 1, 1, 0, 1, 0): cov = 1/9,
    sd(item) = sqrt(2/9), sd(rest) = sqrt(17/36), r = (1/9) / sqrt(2/9 * 17/36) = 0.343.
    KR-20: sum pq = 8/36 + 9/36 + 8/36 = 25/36; total variance = 5.5/6;
    3/2 * (1 - (25/36) / (5.5/6)) = 0.364.
    """
    stats = analyse_items([1, 2, 3], WORKED)
    assert [s.facility for s in stats] == [0.667, 0.5, 0.333]
    assert [s.discrimination for s in stats] == [1.0, 0.5, 0.5]
    assert stats[0].point_biserial == pytest.approx(0.343, abs=1e-3)
    assert kr20(WORKED) == pytest.approx(0.3636, abs=1e-4)
    # Six attempts are too few to read reliability from: the report leaves KR-20 out.
    assert quiz_statistics(stats, WORKED).kr20 is None
    assert quiz_statistics(stats, WORKED * 2).kr20 is not None


def test_kr20_is_one_for_perfectly_consistent_items_and_none_without_spread():
    assert kr20([[1, 1], [0, 0], [1, 1], [0, 0]]) == pytest.approx(1.0)
    assert kr20([[1, 1], [1, 1]]) is None


def _choice_quiz(conn):
    questions = [
        Question("single", "退货须在签收后（　　）内申请。", ["3天", "7天", "15天", "30天"], "7天"),
        Question("single", "运费由谁承担？", ["买家", "卖家", "快递", "平台"], "卖家"),
        Question("cloze", "发票在（　　）内开具。", answer="3个工作日"),
    ]
    quiz = save_quiz(conn, Quiz("统计小测", questions))
    return publish_quiz(conn, quiz.id)


def test_report_counts_options_and_flags_distractors(conn):
    quiz = _choice_quiz(conn)
    q1, q2, q3 = quiz.questions
    # Strong takers answer q2 with 买家 (a distractor that attracts them); nobody picks 30天 or 平台.
    rows = [
        ("7天", "买家", "3个工作日"),
        ("7天", "买家", "三个工作日"),
        ("7天", "卖家", "3个工作日"),
        ("7天", "卖家", "5个工作日"),
        ("15天", "卖家", ""),
        ("3天", "快递", "5个工作日"),
        ("3天", "卖家", ""),
    ]
    for i, (a, b, c) in enumerate(rows):
        record_attempt(conn, quiz.id, f"学员{i}", {str(q1.id): a, str(q2.id): b, str(q3.id): c})
    report = quiz_report(conn, quiz.id)
    first, second, third = report.items
    assert first.stem == q1.stem
    counts = {o.text: (o.count, o.right) for o in first.options}
    assert counts == {"3天": (2, False), "7天": (4, True), "15天": (1, False), "30天": (0, False)}
    assert "unpicked distractor" in first.flags
    buyer = next(o for o in second.options if o.text == "买家")
    assert buyer.upper > buyer.lower == 0
    assert "distractor attracts strong takers" in second.flags
    assert third.unanswered == 2 and third.facility == pytest.approx(3 / 7, abs=1e-3)
    assert {o.text for o in third.options} >= {"3个工作日", "5个工作日"}
    assert report.attempts == 7 and report.kr20 is None
    assert item_analysis(conn, quiz.id)[0].options == first.options
