"""A complaint found by a cue is marked like a trigger phrase in the conversation view."""

from __future__ import annotations

from qa.policy import parse_policy
from qa.scoring import Scorer
from tests.qa.conftest import make_conversation
from tests.qa.test_complaint_trigger_tells_complaints_from_chatter import COMPLAINT_TRIGGER
from web.transcript_view import build_bubbles


def test_a_complaint_cue_is_marked_as_a_trigger_in_the_conversation_view():
    chat = make_conversation([("customer", 0, "都等了五天了还没发货"), ("agent", 10, "好的")])
    card = Scorer(parse_policy(COMPLAINT_TRIGGER)).score(chat).as_dict()
    customer = build_bubbles(chat.messages, card, {"apology": "投诉后致歉"})[0]
    assert any(
        css == "ev-trigger" and tip.startswith("投诉后致歉：触发（等待太久）")
        for _, css, tip in customer.segments
    )
