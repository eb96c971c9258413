"""A weak answer says why in words an agent reads: missing words, unanswered question type."""

from index import answer_type, confidence, term_evidence


def test_question_about_a_service_the_manuals_never_mention_names_the_missing_word(sample_kb):
    verdict = sample_kb.search("花呗分期免息吗", k=5).verdict
    assert any("花呗" in reason and reason.startswith("手册中没有出现") for reason in verdict.reasons)
    assert verdict.as_json()["reasons"] == verdict.reasons


def test_chit_chat_is_explained_as_off_topic_without_word_fragments(sample_kb):
    reasons = sample_kb.search("今天天气怎么样", k=5).verdict.reasons
    assert reasons[0] == "问题看起来与客服工作无关"
    assert not any("天天" in reason for reason in reasons)  # a search-mode sub-word, not a word asked


def test_question_the_manuals_answer_plainly_has_nothing_to_warn_about(sample_kb):
    response = sample_kb.search("退款多久到账", k=5)
    assert response.answered
    assert response.verdict.reasons == []
    assert response.verdict.evidence.answer_type_match == 1.0


def test_unknown_characters_are_joined_back_into_the_word_and_question_words_never_named():
    vocab = {"分期": 0, "退款": 1}
    bigrams = term_evidence.vocabulary_bigrams(vocab)
    words = ["花", "呗", "分期", "多久", "手续费"]
    found = term_evidence.unknown_words("花呗分期多久手续费", words, {}, vocab, bigrams)
    assert found == ["花呗", "手续费"]
    # A synonym the knowledge base uses makes the word known.
    assert term_evidence.unknown_words("退钱", ["退钱"], {"退钱": ["退款"]}, vocab, bigrams) == []


def test_missing_words_are_the_rarest_known_words_no_passage_contains():
    vocab = {"录音": 0, "保存": 1, "多久": 2}
    missing = term_evidence.missing_words(
        ["录音", "保存", "多久"], [5.0, 2.0, 4.0], {}, vocab, ["通话录音由组长抽查"]
    )
    assert missing == ["保存"]


def test_a_question_asking_how_long_wants_a_duration_in_the_passage():
    assert answer_type.asked_type("退款多久到账").label == "时长"
    assert answer_type.answer_type_match("退款多久到账", "验货通过后48小时内原路退款") == 1.0
    assert answer_type.answer_type_match("退款多久到账", "退款会原路退回支付账户") == 0.0
    assert answer_type.answer_type_match("几点下班", "晚班客服下班时间为23:30") == 1.0
    assert answer_type.answer_type_match("怎么申请退货", "任何段落") == 1.0  # asks for no particular kind


def test_explanation_lists_each_kind_of_weakness_in_chinese():
    evidence = confidence.Evidence(0.9, 0.02, 0.3, 0.1, 0.2, 0.5, 0.0, 0.04, 0.5, 0.0)
    reasons = confidence.explain(evidence, ["花呗"], ["手续费"], "时长", off_topic=False)
    assert reasons == [
        "手册中没有出现“花呗”",
        "最接近的段落没有提到“手续费”",
        "问题问的是时长，最接近的段落里没有时长",
    ]
