"""Regression floor on the hand-labelled sets in bench/data/.

``qa_labelled.jsonl`` (44 conversations) and ``qa_traps.jsonl`` (30 trap-heavy
conversations, labelled independently) are checked each on its own and together:
exact latency on every conversation, and at least 98% per-rule agreement on the
combined set.
"""

import json
from pathlib import Path

import pytest

from qa.readers import Rejection, read_transcripts

ROOT = Path(__file__).resolve().parents[2]

LABELLED = ROOT / "bench" / "data" / "qa_labelled.jsonl"
TRAPS = ROOT / "bench" / "data" / "qa_traps.jsonl"
MIN_CONVERSATIONS = {LABELLED: 40, TRAPS: 30}
FLOOR = 0.98


def _agreement(scorer, path):
    """(agreeing judgements, total judgements) for one labelled file; latency must be exact."""
    records = {r["id"]: r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r}
    assert len(records) >= MIN_CONVERSATIONS[path], path.name
    items = list(read_transcripts(path))
    assert not [i for i in items if isinstance(i, Rejection)], path.name
    assert {c.id for c in items} == set(records), path.name
    agree = total = 0
    for conv in items:
        card = scorer.score(conv)
        expected = records[conv.id]["expected"]
        for rule_id, want in expected["rules"].items():
            total += 1
            agree += card.rule(rule_id).status == want
        got = card.latency.as_dict()
        assert {k: got[k] for k in expected["latency"]} == expected["latency"], conv.id
    return agree, total


@pytest.fixture(scope="module")
def per_file(scorer):
    return {path: _agreement(scorer, path) for path in (LABELLED, TRAPS)}


def test_ids_unique_across_files():
    ids = [
        json.loads(line)["id"]
        for path in (LABELLED, TRAPS)
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("path", [LABELLED, TRAPS], ids=lambda p: p.name)
def test_each_labelled_set_agreement_and_exact_latency(per_file, path):
    agree, total = per_file[path]
    print(f"{path.name}: {agree}/{total} = {agree / total:.1%}")
    assert total > 0


def test_combined_labelled_sets_agreement_floor(per_file):
    agree = sum(a for a, _ in per_file.values())
    total = sum(t for _, t in per_file.values())
    assert agree / total >= FLOOR, f"combined agreement {agree}/{total} = {agree / total:.1%} < {FLOOR:.0%}"
