"""The question bank: candidates triaged, sources watched, quizzes assembled, GIFT/XML in and out."""

import pytest

from quiz import QuizError, get_quiz
from quiz.bank import (
    add_candidates,
    decide,
    edit_entry,
    facets,
    flag_changed_sources,
    list_bank,
    rejection_counts,
)
from quiz.bank_assembly import add_from_bank, assemble
from quiz.bank_transfer import export_bank, import_questions
from quiz.models import Question, Source


def _q(i: int, kind: str = "number", qtype: str = "single", difficulty: float = 0.5) -> Question:
    sentence = f"第{i}条：退货须在签收后{i}天内申请。"
    source = Source("售后手册", ["退货"], sentence, fact_kind=kind)
    if qtype == "cloze":
        return Question("cloze", f"退货须在签收后（　　）内申请（{i}）。", answer=f"{i}天", source=source,
                        difficulty=difficulty)  # fmt: skip
    return Question(qtype, f"规则{i}：退货须在签收后（　　）内申请。", [f"{i}天", f"{i + 1}天", f"{i + 2}天"],
                    f"{i}天", source=source, difficulty=difficulty)  # fmt: skip


def test_candidates_land_once_with_their_source_and_document_version(conn):
    first = add_candidates(conn, [_q(1), _q(2)], topic="退货", versions={"售后手册": 3})
    again = add_candidates(conn, [_q(1)], topic="退货", versions={"售后手册": 3})
    assert len(first["added"]) == 2 and again == {"added": [], "skipped": 1}
    entries = list_bank(conn, status="candidate")
    assert {e["doc_version"] for e in entries} == {3}
    assert entries[0]["question"].source.sentence.startswith("第")
    assert facets(conn)["topics"] == {"退货": 2}


def test_triage_accept_reject_with_reason_and_edit(conn):
    ids = add_candidates(conn, [_q(1), _q(2), _q(3, kind="rule")])["added"]
    assert decide(conn, ids[0], "accept", by="trainer")["status"] == "accepted"
    with pytest.raises(QuizError, match="请选择拒绝原因"):
        decide(conn, ids[1], "reject")
    with pytest.raises(QuizError, match="写明原因"):
        decide(conn, ids[1], "reject", reason="other")
    rejected = decide(conn, ids[1], "reject", reason="weak_distractors")
    assert rejected["status"] == "rejected" and rejected["reject_label"] == "干扰项太弱或太假"
    with pytest.raises(QuizError, match="答案不在选项中"):
        edit_entry(conn, ids[2], answer="九十天")
    assert list_bank(conn, status="candidate")[0]["question"].answer == "3天"  # nothing changed
    edited = edit_entry(conn, ids[2], stem="改过的题目（　　）", by="trainer")
    assert edited["status"] == "edited" and edited["question"].stem == "改过的题目（　　）"
    counts = rejection_counts(conn)
    assert counts["number"]["rejected"] == 1 and counts["number"]["reasons"] == {"干扰项太弱或太假": 1}
    assert counts["rule"]["rejected"] == 0


def test_a_changed_or_removed_source_is_flagged_for_review(conn):
    ids = add_candidates(conn, [_q(1), _q(2)], versions={"售后手册": 1})["added"]
    for i in ids:
        decide(conn, i, "accept")
    # v2 still says rule 1 (kept, version updated) but not rule 2 (flagged).
    result = flag_changed_sources(conn, {"售后手册": (2, "第1条：退货须在签收后1天内申请。其他内容。")})
    assert result == {"flagged": 1, "updated": 1}
    flagged = list_bank(conn, review=True)
    assert len(flagged) == 1 and "v2" in flagged[0]["review"] and flagged[0]["question"].answer == "2天"
    assert flag_changed_sources(conn, {})["flagged"] == 2  # the document is gone
    assert all("已删除" in e["review"] for e in list_bank(conn, review=True))
    with pytest.raises(QuizError, match="没有符合条件"):
        assemble(conn, 2)  # flagged questions are not assembled
    decide(conn, ids[0], "accept")  # looked at again: the flag is cleared
    assert list_bank(conn, review=False)[0]["id"] == ids[0]


def test_assemble_by_topic_type_kind_and_difficulty_reports_the_gap(conn):
    questions = [_q(i, qtype="single", difficulty=0.3) for i in range(1, 4)]
    questions += [_q(i, qtype="cloze", difficulty=0.7, kind="rule") for i in range(10, 13)]
    for i in add_candidates(conn, questions, topic="退货")["added"]:
        decide(conn, i, "accept")
    quiz, missing = assemble(conn, 4, topic="退货")
    assert missing == 0 and sorted(q.type for q in quiz.questions) == ["cloze", "cloze", "single", "single"]
    assert get_quiz(conn, quiz.id).status == "draft"
    hard, missing = assemble(conn, 5, difficulty="hard")
    assert {q.type for q in hard.questions} == {"cloze"} and missing == 2
    assert "还差 2 道" in hard.notes[-1]
    only_rules, _ = assemble(conn, 2, kinds=["rule"], types=["cloze"])
    assert len(only_rules.questions) == 2


GIFT = """// 培训师自己的题
::退货::退货须在签收后几天内申请？{=7天 ~3天 ~15天}

::核实::核实身份要看哪些？{~%50%订单号 ~%50%手机号 ~%-100%星座}

::坏题::这道题没有答案部分

::填空::发票在{=3个工作日 =三个工作日}内开具。
"""


def test_gift_and_moodle_xml_import_into_the_bank_and_export_it_whole(conn):
    result = import_questions(conn, GIFT.encode("utf-8"), "trainer.gift", topic="售后")
    assert result["added"] == 3 and len(result["problems"]) == 1
    assert "第 6 行" in result["problems"][0]
    types = sorted(e["question"].type for e in list_bank(conn, status="accepted"))
    assert types == ["cloze", "multi", "single"]
    xml, _, filename = export_bank(conn, "xml")
    assert filename.endswith(".xml")
    conn.execute("DELETE FROM bank_questions")
    again = import_questions(conn, xml, "bank.xml")
    assert again["added"] == 3 and again["problems"] == []
    multi = next(e for e in list_bank(conn) if e["question"].type == "multi")
    assert multi["question"].answers == ["订单号", "手机号"]
    with pytest.raises(QuizError, match="不是有效的 XML"):
        import_questions(conn, b"<quiz><question>", "broken.xml")
    with pytest.raises(QuizError, match="不是 UTF-8"):
        import_questions(conn, "::a::b{=c}".encode("gbk") + b"\xff\xfe", "gbk.gift")
    with pytest.raises(QuizError, match="只能导入"):
        import_questions(conn, b"x", "questions.docx")


def test_a_draft_is_topped_up_from_the_bank_without_repeating_a_question(conn):
    ids = add_candidates(conn, [_q(i) for i in range(1, 4)], topic="退货")["added"]
    decide(conn, ids[0], "accept")
    quiz, missing = assemble(conn, 3, topic="退货")
    assert len(quiz.questions) == 1 and missing == 2
    for i in ids[1:]:
        decide(conn, i, "accept")
    added, missing = add_from_bank(conn, quiz.id, 5, topic="退货")
    assert (added, missing) == (2, 3)
    stems = [q.stem for q in get_quiz(conn, quiz.id).questions]
    assert len(stems) == len(set(stems)) == 3


def test_gift_numeric_essay_and_matching_questions_get_clear_answers(conn):
    text = "::n::退货期限几天？{#7}\n\n::t::误差{#7:1}\n\n::e::写一段话{}\n\n::m::配对{=a -> 1 =b -> 2}\n"
    result = import_questions(conn, text.encode("utf-8"), "mixed.gift")
    assert result["added"] == 1 and list_bank(conn)[0]["question"].answer == "7"
    problems = " ".join(result["problems"])
    assert "mixed.gift：第 3 行" in problems and "误差范围" in problems
    assert "问答题" in problems and "配对题" in problems
