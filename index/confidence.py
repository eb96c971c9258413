"""Answer confidence: may the agent trust the top result, or is there no answer?

A high cosine alone does not tell (e5-small scores a question about something the
manuals never mention as high as a real paraphrase), so confidence weighs several
pieces of evidence, each of which a person can check:

- ``best_cosine``: the raw query's best cosine among the results shown;
- ``dense_lead``: how far the dense leg's best candidate stands above the median of its
  candidate pool (a real answer stands out; an unanswerable question meets a flat field);
- ``top_probability``: the learned ranker's probability for the top result, and
  ``probability_margin``, its lead over the second result;
- ``key_term_coverage``: the share of the query's key terms (by IDF) that the best of
  the top results contains, a synonym counting as the term;
- ``unknown_terms``: the share of the query's key terms that the knowledge base never
  uses at all (nor any of their synonyms): 花呗 in a knowledge base without it;
- ``legs_agree``: how many of the dense leg's top five the keyword leg also ranks in
  its top five (the term evidence above is computed in index/term_evidence.py);
- ``adapted_cosine``: the best cosine of the *adapted* query (index/adapter.py) among the
  results shown: the adapter was trained to pull a question towards its answer, so it
  separates answerable questions where the raw cosine does not (the raw cosine itself when
  the adapter is off);
- ``answer_type_match``: whether the top result holds the kind of answer the question asks
  for (a duration, a time, an amount; ``index/answer_types.toml``, see index/answer_type.py);
- ``domain_margin``: whether the query is about customer service at all, from a small
  labelled set of in-domain and off-topic questions (``index/domain_examples.toml``,
  extended per data home in ``domain_examples.txt``): how much nearer the query is to
  the in-domain examples than to the off-topic ones.

A logistic model over these (``index/confidence.json``: features, standardisation,
weights, and the thresholds, as data) gives a confidence in [0, 1]; a query is
answered when the confidence reaches ``answer_threshold`` and it is not nearer the
off-topic examples (``domain_margin`` below the model's ``domain_floor``). The model is
fitted by ``python -m bench.kb_confidence`` on the training and evaluation query
sets, and measured on held-out sets it never saw.

Every verdict also says, in Chinese, why it may be weak (``explain``): the query's words
the knowledge base never uses (手册中没有出现“花呗”), its rarest words the closest
passages do not contain, a question type the top passage does not answer, off-topic.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from common.atomic import write_text_atomic

MODEL_PATH = Path(__file__).with_name("confidence.json")
EXAMPLES_PATH = Path(__file__).with_name("domain_examples.toml")
FEATURES = (
    "best_cosine",
    "dense_lead",
    "top_probability",
    "probability_margin",
    "key_term_coverage",
    "unknown_terms",
    "legs_agree",
    "domain_margin",
    "adapted_cosine",
    "answer_type_match",
)
# The domain margin gates (domain_floor); it is shown, but the logistic model does not weigh it:
# an in-domain question the manuals do not answer is as in-domain as one they do.
GATE_ONLY = ("domain_margin",)
NEIGHBOURS = 3  # domain margin: mean cosine of the nearest examples of each label
_ADMIN_LINE = re.compile(r"^\s*(相关|无关|in|off)\s*[:：]\s*(.+?)\s*$", re.IGNORECASE)

ADMIN_TEMPLATE = """\
# 领域判断示例：每行一条，"相关：" 后写客服领域的问题，"无关：" 后写与客服无关的闲聊问题。
# 搜索时，离"无关"示例更近的问题会直接判为"无可信答案"。修改后立即生效。
# 例：
# 相关：顾客收到货发现少了配件
# 无关：周末适合去哪里玩
"""


@dataclass
class Evidence:
    """The figures confidence is judged on, shown on the hit-test page."""

    best_cosine: float
    dense_lead: float
    top_probability: float
    probability_margin: float
    key_term_coverage: float
    unknown_terms: float
    legs_agree: float
    domain_margin: float
    adapted_cosine: float = 0.0
    answer_type_match: float = 1.0

    def vector(self) -> np.ndarray:
        return np.asarray([getattr(self, name) for name in FEATURES], dtype=np.float64)

    def as_json(self) -> dict:
        return {name: round(value, 4) for name, value in asdict(self).items()}


@dataclass
class Verdict:
    answered: bool
    confidence: float
    off_topic: bool
    evidence: Evidence
    reasons: list[str] = field(default_factory=list)  # why it may be weak, in Chinese

    def as_json(self) -> dict:
        return {
            "answered": self.answered,
            "confidence": round(self.confidence, 4),
            "off_topic": self.off_topic,
            "evidence": self.evidence.as_json(),
            "reasons": list(self.reasons),
        }


def explain(
    evidence: Evidence,
    unknown: list[str],
    missing: list[str],
    type_label: str | None,
    off_topic: bool,
    shown: int = 3,
) -> list[str]:
    """Why the answer may be weak, in the words an agent reads (Chinese)."""
    reasons: list[str] = []
    if off_topic:
        reasons.append("问题看起来与客服工作无关")
    if unknown:
        reasons.append("手册中没有出现" + "、".join(f"“{w}”" for w in unknown[:shown]))
    if missing:
        reasons.append("最接近的段落没有提到" + "、".join(f"“{w}”" for w in missing[: shown - 1]))
    if type_label and evidence.answer_type_match < 1.0:
        reasons.append(f"问题问的是{type_label}，最接近的段落里没有{type_label}")
    return reasons


def legs_agreement(dense_rank: dict[int, int], bm25_rank: dict[int, int], depth: int = 5) -> float:
    """Share of the dense leg's top ``depth`` that the keyword leg also ranks in its top ``depth``."""
    dense_top = {c for c, r in dense_rank.items() if r <= depth}
    bm25_top = {c for c, r in bm25_rank.items() if r <= depth}
    return len(dense_top & bm25_top) / depth


def read_admin_examples(path: Path) -> tuple[list[str], list[str]]:
    """(in-domain, off-topic) questions of the data home's editable file."""
    in_domain: list[str] = []
    off_topic: list[str] = []
    if not path.exists():
        return in_domain, off_topic
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#"):
            continue
        match = _ADMIN_LINE.match(line)
        if match:
            (in_domain if match.group(1).lower() in ("相关", "in") else off_topic).append(match.group(2))
    return in_domain, off_topic


def ensure_admin_examples(path: Path) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, ADMIN_TEMPLATE)


class DomainCheck:
    """How much nearer a query vector is to in-domain questions than to off-topic ones.

    ``embed_many`` embeds a list of questions as queries (the caller caches them); the
    shipped examples and the admin's are embedded once per change of the admin file.
    """

    def __init__(self, embed_many: Callable[[list[str]], np.ndarray], admin_path: Path | None = None) -> None:
        self.embed_many = embed_many
        self.admin_path = admin_path
        shipped = tomllib.loads(EXAMPLES_PATH.read_text(encoding="utf-8"))
        self.shipped = (list(shipped["in_domain"]), list(shipped["off_topic"]))
        self._stamp: object = None
        self._vectors: tuple[np.ndarray, np.ndarray] | None = None

    def examples(self) -> tuple[list[str], list[str]]:
        extra_in, extra_off = read_admin_examples(self.admin_path) if self.admin_path else ([], [])
        return self.shipped[0] + extra_in, self.shipped[1] + extra_off

    def questions(self) -> list[str]:
        """Every example question, in-domain then off-topic."""
        in_domain, off_topic = self.examples()
        return in_domain + off_topic

    def _load(self) -> tuple[np.ndarray, np.ndarray]:
        stamp = None
        if self.admin_path is not None and self.admin_path.exists():
            info = self.admin_path.stat()
            stamp = (info.st_mtime_ns, info.st_size)
        if self._vectors is None or stamp != self._stamp:
            in_domain, off_topic = self.examples()
            vecs = self.embed_many(in_domain + off_topic)
            self._vectors = (vecs[: len(in_domain)], vecs[len(in_domain) :])
            self._stamp = stamp
        return self._vectors

    def margin(self, qvec: np.ndarray) -> float:
        in_vecs, off_vecs = self._load()
        return _nearest_mean(in_vecs @ qvec) - _nearest_mean(off_vecs @ qvec)


def _nearest_mean(sims: np.ndarray) -> float:
    if not len(sims):
        return 0.0
    top = np.sort(sims)[-NEIGHBOURS:]
    return float(top.mean())


class ConfidenceModel:
    """sigmoid(w · (x - mean) / scale + bias) over FEATURES, and the domain floor."""

    def __init__(self, model: dict) -> None:
        if tuple(model["features"]) != FEATURES:
            raise ValueError(
                "confidence model was fitted on other features; refit it with bench/kb_confidence.py"
            )
        self.model = model
        self.mean = np.asarray(model["mean"], dtype=np.float64)
        self.scale = np.asarray(model["scale"], dtype=np.float64)
        self.weights = np.asarray(model["weights"], dtype=np.float64)
        self.bias = float(model["bias"])
        self.domain_floor = float(model.get("domain_floor", 0.0))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ConfidenceModel:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @property
    def embedder(self) -> str | None:
        return self.model.get("trained", {}).get("embedder")

    def confidence(self, evidence: Evidence) -> float:
        logit = float(((evidence.vector() - self.mean) / self.scale) @ self.weights + self.bias)
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, logit))))

    def judge(self, evidence: Evidence, threshold: float, has_results: bool) -> Verdict:
        off_topic = evidence.domain_margin < self.domain_floor
        confidence = self.confidence(evidence) if has_results else 0.0
        return Verdict(
            has_results and not off_topic and confidence >= threshold, confidence, off_topic, evidence
        )

    def is_off_topic(self, evidence: Evidence) -> bool:
        return evidence.domain_margin < self.domain_floor
