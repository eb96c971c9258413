from qa.scoring import Scorer


def _status(card):
    return {r.id: r.status for r in card.rules}


def test_good_conversation_scores_100(scorer, conversation):
    card = scorer.score(
        conversation(
            [
                ("customer", 0, "在吗"),
                ("agent", 10, "亲，您好，很高兴为您服务"),
                ("customer", 30, "有M码吗"),
                ("agent", 50, "有的"),
                ("customer", 80, "好的"),
                ("agent", 95, "感谢您的支持，再见"),
            ]
        )
    )
    assert card.score == 100.0 and card.passed
    assert _status(card)["apology"] == "na"
    evidence = card.rule("greeting").evidence[0]
    assert (evidence.message, evidence.text, evidence.span, evidence.term) == (1, "您好", (2, 4), "您好")


def test_bot_greeting_does_not_count_and_customer_words_are_not_banned(scorer, conversation):
    card = scorer.score(
        conversation(
            [
                ("customer", 0, "你们这破服务，滚吧"),
                ("bot", 1, "您好，很高兴为您服务"),
                ("agent", 20, "请提供订单号"),
                ("customer", 40, "123"),
                ("agent", 60, "已处理，谢谢"),
            ]
        )
    )
    status = _status(card)
    assert status["greeting"] == "fail" and status["abuse"] == "pass"
    assert [e.message for e in card.rule("greeting").evidence] == [2, 4]


def test_critical_failure_zeroes_the_score(scorer, conversation):
    card = scorer.score(conversation([("customer", 0, "问了三遍了"), ("agent", 10, "您好，你烦不烦啊，滚")]))
    assert card.critical_failed and card.score == 0.0 and not card.passed
    hit = card.rule("abuse").evidence[0]
    assert (hit.term, hit.text, hit.span) == ("滚", "滚", (9, 10))


def test_apology_window_and_na(scorer, conversation):
    late = scorer.score(
        conversation(
            [
                ("customer", 0, "收到就破损了"),
                ("agent", 10, "您好，有照片吗"),
                ("customer", 30, "[图片]"),
                ("agent", 45, "给您补发"),
                ("customer", 60, "好"),
                ("agent", 70, "非常抱歉，再见"),
            ]
        )
    )
    assert _status(late)["apology"] == "fail"
    unanswered = scorer.score(
        conversation(
            [
                ("customer", 0, "你好"),
                ("agent", 5, "您好"),
                ("customer", 300, "质量太差了，我要差评"),
            ]
        )
    )
    assert _status(unanswered)["apology"] == "fail"  # the customer's last word, a complaint nobody answered
    assert "没有回复" in unanswered.rule("apology").evidence[-1].note


def test_traditional_complaint_and_apology(scorer, conversation):
    card = scorer.score(
        conversation(
            [
                ("customer", 0, "我的訂單還沒收到"),
                ("agent", 10, "您好，查到了，給您添麻煩了"),
            ]
        )
    )
    assert _status(card)["apology"] == "pass"
    assert card.rule("apology").evidence[-1].text == "給您添麻煩了"


def test_semantic_paraphrase_greeting_real_embedder(scorer, conversation):
    spec = [
        ("customer", 0, "在吗"),
        ("agent", 10, "哈喽，很乐意为您效劳~ 请问想了解哪款产品？"),
        ("customer", 30, "面霜"),
        ("agent", 45, "好的，祝您生活愉快"),
    ]
    card = scorer.score(conversation(spec))
    hit = card.rule("greeting").evidence[0]
    assert card.rule("greeting").status == "pass" and hit.similarity is not None
    assert hit.text.startswith("哈喽，很乐意为您效劳")
    business = scorer.score(
        conversation([("customer", 0, "偏大吗"), ("agent", 10, "这款尺码偏大，建议拍小一码")])
    )
    assert business.rule("greeting").status == "fail"
    lexical_only = Scorer(scorer.policy, semantic=False).score(conversation(spec))
    assert lexical_only.rule("greeting").status == "fail"


def test_scoring_is_deterministic(scorer, conversation):
    spec = [("customer", 0, "怎么还没到"), ("agent", 40, "不知道，你问快递"), ("customer", 50, "？")]
    first = scorer.score(conversation(spec)).as_dict()
    assert first == scorer.score(conversation(spec)).as_dict()
    assert first["latency"]["over_sla"] == 1
