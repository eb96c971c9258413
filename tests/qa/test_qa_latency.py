from qa.latency import measure_latency


def test_bursts_bots_and_unanswered_final_burst(conversation):
    conv = conversation(
        [
            ("customer", 0, "在吗"),
            ("customer", 5, "有人吗"),
            ("bot", 6, "您好，我是机器人"),
            ("system", 7, "转接中"),
            ("agent", 40, "您好"),
            ("agent", 45, "请讲"),
            ("customer", 60, "快递到哪了"),
            ("customer", 90, "？"),
            ("agent", 150, "明天到"),
            ("customer", 200, "好"),
            ("agent", 205, "再见"),
            ("customer", 300, "还有个问题"),
        ]
    )
    report = measure_latency(conv, 30, 60)
    assert report.as_dict() == {
        "first_response_s": 40.0,
        "reply_s": [90.0, 5.0],
        "over_sla": 2,
        "max_s": 90.0,
        "mean_s": 45.0,
        "median_s": 40.0,
    }
    assert (report.replies[0].from_index, report.replies[0].to_index) == (6, 8)


def test_no_reply_at_all(conversation):
    report = measure_latency(conversation([("customer", 0, "在吗")]), 30, 60)
    assert report.as_dict()["first_response_s"] is None and report.as_dict()["max_s"] is None
