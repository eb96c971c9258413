"""Answer confidence (index/confidence.py) on the bundled sample knowledge base."""

import numpy as np

from index import confidence, term_evidence


def test_chit_chat_is_refused_as_off_topic_though_an_faq_scores_close(sample_kb):
    response = sample_kb.search("今天天气怎么样", k=5)
    assert not response.answered
    assert response.off_topic
    assert response.as_json()["off_topic"] is True


def test_question_the_campaign_notice_answers_is_answered(sample_kb):
    response = sample_kb.search("活动什么时候结束", k=5)
    assert response.answered, response.verdict.as_json()
    assert "6月18日" in response.results[0].text


def test_in_domain_question_about_a_service_the_shop_never_mentions_shows_its_missing_terms(sample_kb):
    response = sample_kb.search("花呗分期免息吗", k=5)
    assert not response.off_topic  # about customer service, just not in these manuals
    # 花呗 occurs nowhere in the manuals: the evidence says so (the verdict weighs it with the rest).
    assert response.verdict.evidence.unknown_terms > 0.2
    answered = sample_kb.search("满多少包邮", k=5).verdict.evidence
    assert answered.unknown_terms < response.verdict.evidence.unknown_terms


def test_every_verdict_shows_its_evidence(sample_kb):
    verdict = sample_kb.search("满多少包邮", k=5).verdict
    shown = verdict.as_json()
    assert set(shown["evidence"]) == set(confidence.FEATURES)
    assert 0 <= shown["confidence"] <= 1
    assert verdict.evidence.key_term_coverage > 0.5


def test_admin_examples_extend_the_off_topic_check(sample_kb, tmp_path):
    admin = tmp_path / "domain_examples.txt"
    check = confidence.DomainCheck(sample_kb.embed_questions, admin)
    query = sample_kb.embed_questions(["这款游戏怎么通关"])[0]
    before = check.margin(query)
    confidence.ensure_admin_examples(admin)
    with admin.open("a", encoding="utf-8") as handle:
        handle.write(
            "无关：这款游戏第三关怎么通关\n无关：游戏里的隐藏关卡在哪\n相关：顾客说买的游戏卡激活不了\n"
        )
    assert confidence.read_admin_examples(admin) == (
        ["顾客说买的游戏卡激活不了"],
        ["这款游戏第三关怎么通关", "游戏里的隐藏关卡在哪"],
    )
    assert check.margin(query) < before


def test_key_terms_count_their_synonyms_and_unknown_words():
    words, weights = ["退钱", "花呗"], [2.0, 2.0]
    synonyms = {"退钱": ["退款"]}
    assert term_evidence.key_term_coverage(words, weights, synonyms, ["退款三天到账"]) == 0.5
    vocab = {"退款": 0, "花钱": 1}
    bigrams = term_evidence.vocabulary_bigrams(vocab)
    assert term_evidence.unknown_share(words, weights, synonyms, vocab, bigrams) == 0.5
    # A phrase jieba kept whole is known when its pieces are.
    assert term_evidence.unknown_share(["退款花钱"], [1.0], {}, vocab, bigrams) == 1 / 3
    assert confidence.legs_agreement({1: 1, 2: 2, 3: 3}, {2: 1, 9: 2}) == 0.2


def test_model_thresholds_are_data():
    model = confidence.ConfidenceModel.load()
    evidence = confidence.Evidence(0.9, 0.06, 0.9, 0.3, 1.0, 0.0, 0.6, 0.05, 0.55, 1.0)
    assert model.judge(evidence, 0.0, has_results=True).answered
    assert not model.judge(evidence, 1.0, has_results=True).answered
    off = confidence.Evidence(0.9, 0.06, 0.9, 0.3, 1.0, 0.0, 0.6, model.domain_floor - 0.01, 0.55, 1.0)
    assert model.judge(off, 0.0, has_results=True).off_topic
    assert np.isfinite(model.confidence(evidence))
