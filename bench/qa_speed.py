"""Scoring speed: conversations per second on one core, 20-message conversations.

    python bench/qa_speed.py [--n 2000] [--seed 7]

Rule-only (lexical matching + latency) and with semantic mode on (the default policy's
paraphrased greetings and its complaint trigger by meaning). Texts carry
random order numbers so that caches do not flatter the figures; a third of
the conversations open without a lexical greeting, so semantic mode really
embeds their first agent messages. The semantic complaint trigger is measured
twice: on the usual conversations (most hold a lexical complaint the agent does
not apologise for, so the verdict is known before any embedding) and on
complaint-free ones (every customer sentence without a lexical complaint word
must be looked at). Each figure is given per wall-clock second and per CPU second
of this process (the second is what to compare when other jobs share the machine).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target is stated

from qa.policy import load_policy  # noqa: E402
from qa.runner import make_scorer  # noqa: E402
from qa.transcript import Conversation  # noqa: E402

CUSTOMER = [
    "在吗",
    "我的订单{n}怎么还没到",
    "这个有货吗",
    "能便宜点吗",
    "快递太慢了",
    "好的谢谢",
    "尺码偏大吗",
    "我要退货，订单号{n}",
    "什么时候发货",
    "收到的东西坏了",
]
AGENT = [
    "好的，马上帮您查询订单{n}",
    "这款目前有现货哦",
    "预计{n}小时内发出",
    "非常抱歉给您带来不便",
    "建议您选大一码",
    "已经为您登记，单号{n}",
    "您可以在订单详情查看物流",
    "亲，活动价已经是最低了",
    "请您稍等，我看一下库存",
    "滚筒款式也有现货",
]
OPEN_LEXICAL = "亲，您好，很高兴为您服务，编号{n}"
OPEN_PARAPHRASE = ["哈喽，很乐意为您效劳，编号{n}", "嗨，今天有什么能帮上忙的吗，工号{n}"]
CLOSE = "感谢您的支持，祝您生活愉快，再见"


CALM = [text for text in CUSTOMER if not any(w in text for w in ("还没", "太慢", "坏了"))]


def make_conversations(n: int, seed: int, customer: list[str] = CUSTOMER) -> list[Conversation]:
    """``n`` deterministic 20-message conversations."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 3, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    out = []
    for i in range(n):
        raw, t = [], start + timedelta(minutes=i)
        for k in range(20):
            t += timedelta(seconds=rng.randint(3, 90))
            number = rng.randint(10000, 99999)
            if k % 2 == 0:
                raw.append(("customer", rng.choice(customer).format(n=number), t, None))
            elif k == 1:
                opener = OPEN_LEXICAL if i % 3 else rng.choice(OPEN_PARAPHRASE)
                raw.append(("agent", opener.format(n=number), t, None))
            elif k == 19:
                raw.append(("agent", CLOSE, t, None))
            else:
                raw.append(("agent", rng.choice(AGENT).format(n=number), t, None))
        out.append(Conversation.from_unsorted(f"s{i:05d}", f"a{i % 7:02d}", raw))
    return out


def measure(conversations, policy, semantic: bool) -> str:
    """Conversations per wall-clock second and per CPU second of this process."""
    scorer = make_scorer(policy, semantic=semantic)
    scorer.score(conversations[0])  # warm-up: jieba dictionary, policy embeddings
    began, cpu = time.perf_counter(), time.process_time()
    for conversation in conversations:
        scorer.score(conversation)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    return f"{len(conversations) / wall:,.0f} conversations/s ({len(conversations) / cpu:,.0f}/s CPU time)"


def with_semantic_trigger(policy_path: Path):
    """The default policy whose apology trigger also recognises complaints by meaning."""
    import yaml

    from qa.policy import parse_policy

    data = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        if rule.get("position") == "after":
            rule["trigger"]["semantic"] = {
                "examples": ["你们是不是倒闭了", "等了这么久都没人管", "你们怎么回事", "太让人失望了"],
                "counter_examples": ["物流信息没更新", "请问什么时候发货", "好的谢谢", "这个有货吗"],
            }
    return parse_policy(yaml.safe_dump(data, allow_unicode=True), "semantic-trigger.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    policy = load_policy(ROOT / "sample_data" / "policy" / "default.yaml")
    conversations = make_conversations(args.n, args.seed)
    rule_only = measure(conversations, policy, semantic=False)
    print(f"rule-only: {rule_only}, {args.n} x 20 messages")
    subset = conversations[: max(1, args.n // 4)]
    semantic = measure(subset, policy, semantic=True)
    print(f"semantic mode: {semantic}, {len(subset)} x 20 messages, 1/3 without a lexical greeting")
    trigger_policy = with_semantic_trigger(ROOT / "sample_data" / "policy" / "default.yaml")
    triggers = measure(subset, trigger_policy, semantic=True)
    print(f"semantic triggers: {triggers}, {len(subset)} x 20 messages")
    calm = make_conversations(len(subset), args.seed, CALM)
    print(f"semantic triggers, complaint-free: {measure(calm, trigger_policy, semantic=True)}")


if __name__ == "__main__":
    main()
