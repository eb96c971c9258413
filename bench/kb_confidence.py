"""Fit and measure answer confidence (index/confidence.json, see index/confidence.py).

The model is fitted on the ranker's training queries, the evaluation set (corpus and
sample data) and the unanswerable questions written for it (kb_conf_train_queries.jsonl): the learned ranker never trained on the evaluation set, so its probability
is calibrated on queries it did not see. The operating point is the highest refusal of
unanswerable queries that refuses at most ``--max-refused`` (4%) of the answerable ones on
that fitting data; the bias is shifted so that this point is ``answer_threshold`` 0.5.

It is then measured, never tuned, on the held-out sets: the held-out queries on the corpus
and on the sample data (bench/data/kb_holdout_queries.jsonl) and another shop's manuals
(bench/data/heldout_kb, with its off-topic questions).

Run: ``python -m bench.kb_confidence [--corpus-home D] [--sample-home D] [--heldout-home D]
[--measure-only]`` (ingests what a home lacks; ``--measure-only`` keeps the bundled model).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from bench.kb_eval import CORPUS, QUERIES, ROOT, SAMPLE, heldout_kb_files, heldout_kb_queries, load_queries
from common.atomic import write_text_atomic
from common.settings import load_settings
from index import confidence
from kb.knowledge_base import KnowledgeBase

TRAIN = ROOT / "bench" / "data" / "kb_train_queries.jsonl"
# Unanswerable questions written for fitting confidence (their key words checked absent).
CONF_TRAIN = ROOT / "bench" / "data" / "kb_conf_train_queries.jsonl"
HOLDOUT = ROOT / "bench" / "data" / "kb_holdout_queries.jsonl"
DOMAIN_REFUSED = 0.01  # share of answerable fitting queries the off-topic gate may refuse


def collect(kb, queries: list[dict]) -> list[dict]:
    """Evidence and label of each query (``answerable``: it has an answer in this home)."""
    rows = []
    for q in queries:
        response = kb.search(q["query"], k=5)
        rows.append(
            {
                "query": q["query"],
                "answerable": bool(q["answers"]),
                "kind": q.get("kind", ""),
                "has_results": bool(response.results),
                "evidence": response.verdict.evidence.as_json(),
            }
        )
    return rows


def matrix(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray([[r["evidence"][f] for f in confidence.FEATURES] for r in rows], dtype=np.float64)
    y = np.asarray([r["answerable"] for r in rows], dtype=bool)
    return x, y


def fit(rows: list[dict], max_refused: float) -> dict:
    """Logistic regression over the evidence, bias shifted to the chosen operating point."""
    from sklearn.linear_model import LogisticRegression

    x, y = matrix(rows)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    used = [i for i, name in enumerate(confidence.FEATURES) if name not in confidence.GATE_ONLY]
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    model.fit(((x - mean) / scale)[:, used], y)
    weights = np.zeros(len(confidence.FEATURES))
    weights[used] = model.coef_[0]
    logits = ((x - mean) / scale) @ weights + model.intercept_[0]
    # The domain gate refuses at most DOMAIN_REFUSED of the answerable fitting queries.
    margins = np.sort(x[y, confidence.FEATURES.index("domain_margin")])
    floor = min(0.0, float(margins[int(np.floor(DOMAIN_REFUSED * len(margins)))]))
    # The lowest logit that, with the gate, refuses at most max_refused of the answerable queries.
    passed = x[:, confidence.FEATURES.index("domain_margin")] >= floor
    allowed = max(0, int(np.floor(max_refused * y.sum())) - int((y & ~passed).sum()))
    answerable = np.sort(logits[y & passed])
    cut = answerable[min(allowed, len(answerable) - 1)]
    return {
        "features": list(confidence.FEATURES),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in weights],
        "bias": round(float(model.intercept_[0] - cut), 6),
        "domain_floor": round(floor, 6),
    }


def rates(model: confidence.ConfidenceModel, rows: list[dict], threshold: float = 0.5) -> dict:
    """Refused share of unanswerable / off-topic / answerable queries."""
    out: dict = {}
    refused = []
    for r in rows:
        evidence = confidence.Evidence(**r["evidence"])
        verdict = model.judge(evidence, threshold, r["has_results"])
        refused.append(not verdict.answered)
    groups = {
        "answerable": [r["answerable"] for r in rows],
        "unanswerable": [not r["answerable"] and r["kind"] != "off_topic" for r in rows],
        "off_topic": [r["kind"] == "off_topic" for r in rows],
    }
    for name, members in groups.items():
        n = sum(members)
        if n:
            out[name] = (sum(f for f, m in zip(refused, members, strict=True) if m), n)
    return out


def _home(path: str | None, prefix: str) -> str:
    return path or tempfile.mkdtemp(prefix=prefix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus-home")
    parser.add_argument("--sample-home")
    parser.add_argument("--heldout-home")
    parser.add_argument("--max-refused", type=float, default=0.04)
    parser.add_argument("--measure-only", action="store_true", help="measure the bundled model, fit nothing")
    parser.add_argument("--features", help="JSON file caching the collected evidence (read if present)")
    parser.add_argument("--out", default=str(confidence.MODEL_PATH))
    args = parser.parse_args(argv)

    cached = Path(args.features) if args.features else None
    if cached and cached.exists():
        sets = json.loads(cached.read_text(encoding="utf-8"))
    else:
        sets = {"embedder": []}
        homes = (
            ("shared", args.corpus_home, [CORPUS]),
            ("sample", args.sample_home, [SAMPLE]),
            ("heldout_kb", args.heldout_home, heldout_kb_files()),
        )
        for name, home, sources in homes:
            kb = KnowledgeBase(load_settings(_home(home, f"kefu-conf-{name}-")))
            kb.ingest(sources)
            sets["embedder"] = [kb.embedder.name]
            if name == "heldout_kb":
                sets["measure: heldout_kb (another shop, blind)"] = collect(kb, heldout_kb_queries())
                continue
            fitting = load_queries(TRAIN, corpus=name) + (load_queries(QUERIES) if name == "shared" else [])
            fitting += load_queries(CONF_TRAIN, corpus=name)
            sets[f"fit: {name} (train + evaluation queries)"] = collect(kb, fitting)
            sets[f"measure: {name} held-out queries"] = collect(kb, load_queries(HOLDOUT, corpus=name))
        if cached:
            write_text_atomic(cached, json.dumps(sets, ensure_ascii=False))

    if args.measure_only:
        model = confidence.ConfidenceModel.load(Path(args.out))
    else:
        embedder = sets.pop("embedder")[0]
        fitting = [r for name, rows in sets.items() if name.startswith("fit:") for r in rows]
        fitted = fit(fitting, args.max_refused)
        fitted["trained"] = {
            "embedder": embedder,
            "queries": "kb_train_queries.jsonl + kb_queries.jsonl + kb_conf_train_queries.jsonl",
            "fitting_queries": len(fitting),
            "max_refused_answerable": args.max_refused,
            "date": dt.date.today().isoformat(),
        }
        write_text_atomic(Path(args.out), json.dumps(fitted, indent=2, ensure_ascii=False) + "\n")
        model = confidence.ConfidenceModel(fitted)
        print("weights:", dict(zip(confidence.FEATURES, fitted["weights"], strict=True)))
    for name, rows in sets.items():
        if name == "embedder":
            continue
        parts = [
            f"{group} {refused}/{n} ({refused / n:.0%})" for group, (refused, n) in rates(model, rows).items()
        ]
        print(f"{name:50} refused: " + ", ".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
