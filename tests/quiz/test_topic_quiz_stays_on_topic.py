"""A topic quiz asks only about passages the agents' search finds relevant, and says plainly when short."""

from quiz.generate import build_questions, topic_passages


def test_every_question_of_a_topic_quiz_comes_from_a_relevant_passage(kb):
    relevant = topic_passages(kb, "发票", None)
    questions, _ = build_questions(kb, topic="发票", n=10, seed=1)
    assert questions
    assert all(q.source.chunk_id in relevant for q in questions)


def test_a_short_topic_is_not_padded_and_the_note_says_how_many_facts_there_were(kb):
    questions, notes = build_questions(kb, topic="发票", n=200, seed=1)
    assert len(questions) < 200
    assert notes == [f"发票：只有 {len(questions)} 个可出题的事实（已全部使用），要求 200 道。"]


def test_a_passage_naming_the_topic_counts_even_when_the_ranker_scores_it_low(kb):
    relevant = topic_passages(kb, "积分", None)
    named = [p for p in kb.passages() if "积分" in p.text]
    assert named and any(p.chunk_id in relevant for p in named)
