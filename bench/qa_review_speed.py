"""Review page speed: render time of a scorecard's review page for a 200-message conversation.

    python bench/qa_review_speed.py [--messages 200] [--repeat 20]

Builds a throwaway data home, scores one long conversation (rule-only), signs in as the
admin and times GET /qa/scorecards/<id> (the chat, the evidence, the review form,
the review history) through the Flask test client; prints the median and the worst.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.qa_speed import make_conversations  # noqa: E402

PASSWORD = "bench-admin-secret-1"


def long_conversation(messages: int) -> dict:
    """One conversation of ``messages`` messages built from the speed benchmark's phrases."""
    turns = []
    for conversation in make_conversations(messages // 20 + 1, 11):
        turns.extend(conversation.messages)
    start = turns[0].ts
    out = []
    for i, message in enumerate(turns[:messages]):
        ts = start.timestamp() + 20 * i
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(ts + 8 * 3600))
        out.append({"role": message.role, "text": message.text, "ts": stamp})
    return {"id": "long-1", "agent": "a01", "messages": out}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from web import create_app

    with tempfile.TemporaryDirectory() as home:
        app = create_app({"home": home, "admin_password": PASSWORD, "TESTING": True})
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token})
        page = client.get("/account").get_data(as_text=True)  # the signed-in session's CSRF token
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        conversation = long_conversation(args.messages)
        scored = client.post(
            "/api/qa/score",
            json={"semantic": False, "conversations": [conversation]},
            headers={"X-CSRFToken": token},
        )
        if scored.status_code != 201:
            raise SystemExit(f"scoring failed: {scored.status_code} {scored.get_data(as_text=True)[:200]}")
        run = client.get(f"/api/qa/runs/{scored.get_json()['run_id']}").get_json()
        card_id = run["scorecards"][0]["id"]
        url = f"/qa/scorecards/{card_id}"
        client.get(url)  # warm-up: templates compiled, jieba loaded
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200 and "人工复核" in response.get_data(as_text=True)
        print(
            f"review page, {len(conversation['messages'])} messages: median {statistics.median(times):.0f} ms,"
            f" worst {max(times):.0f} ms ({args.repeat} renders)"
        )
        print(json.dumps({"median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)}))
        app.extensions["kefu_playbook"].close()


if __name__ == "__main__":
    main()
