"""Recognising a customer's complaint: sentence cues, then nearest neighbours by meaning.

A fixed cosine threshold cannot tell a complaint from ordinary chatter: multilingual-e5
puts 你好，在吗 and 你们怎么回事 close together, and a product called 破洞牛仔裤 close to
这什么破服务. So a complaint trigger decides in two steps:

1. **Cues** (no embedding): sentence patterns complaints share whatever the shop sells
   (waiting and broken promises, questions of blame, escalation threats, contempt for the
   service, damaged or wrong goods). A hypothetical sentence (如果坏了怎么保修) is not
   judged by its cue.
2. **Inquiries** are left out: a question asking for information (怎么, 是不是, 几点…) that does
   not address the shop (你们, 客服…) is not put to the vote.
3. **Neighbours**: the sentence's ``k`` nearest among the complaint examples (the policy's
   and the bundled ones) and the ordinary messages (the policy's counter-examples and the
   bundled ones) vote, weighted by similarity.

The examples, cues and decision figures are data: ``qa/complaint_examples.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from common.textnorm import normalize_aligned

EXAMPLES_PATH = Path(__file__).with_name("complaint_examples.toml")


@dataclass(frozen=True)
class Cue:
    """A named sentence pattern that marks a complaint."""

    name: str
    pattern: re.Pattern


@dataclass(frozen=True)
class ComplaintModel:
    """The bundled complaint examples, ordinary messages, cues and decision figures."""

    complaints: tuple[str, ...]
    ordinary: tuple[str, ...]
    cues: tuple[Cue, ...]
    hypothetical: tuple[str, ...]
    inquiry: tuple[str, ...]
    addressee: tuple[str, ...]
    salutations: tuple[str, ...]
    k: int
    share: float
    floor: float

    def cue(self, sentence: str) -> tuple[int, int, str] | None:
        """``(start, end, cue name)`` of the first cue in ``sentence`` (offsets into it), or None."""
        norm = normalize_aligned(sentence)
        if any(word in norm for word in self.hypothetical):
            return None
        for cue in self.cues:
            match = cue.pattern.search(norm)
            if match and match.end() > match.start():
                return match.start(), match.end(), cue.name
        return None

    def is_inquiry(self, sentence: str) -> bool:
        """Whether ``sentence`` asks for information without addressing the shop (滚筒洗衣机怎么清洁,
        我电脑是不是中毒了): such a question is not put to the vote."""
        norm = normalize_aligned(sentence)
        if not any(w in norm for w in self.inquiry):
            return False
        for word in self.salutations:  # 你好 greets; it does not address a question to the shop
            norm = norm.replace(word, "")
        return not any(w in norm for w in self.addressee)


@lru_cache(maxsize=1)
def bundled_model(path: Path = EXAMPLES_PATH) -> ComplaintModel:
    """The complaint model shipped with the product (read once per process)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    decision = data["decision"]
    return ComplaintModel(
        complaints=tuple(data["complaints"]),
        ordinary=tuple(data["ordinary"]),
        cues=tuple(Cue(c["name"], re.compile(c["pattern"])) for c in data["cues"]),
        hypothetical=tuple(normalize_aligned(w) for w in data["hypothetical"]),
        inquiry=tuple(normalize_aligned(w) for w in data["inquiry"]),
        addressee=tuple(normalize_aligned(w) for w in data["addressee"]),
        salutations=tuple(normalize_aligned(w) for w in data["salutations"]),
        k=int(decision["k"]),
        share=float(decision["share"]),
        floor=float(decision["floor"]),
    )


def looks_like_complaints(examples: np.ndarray, complaints: np.ndarray, ordinary: np.ndarray) -> bool:
    """Whether a trigger's example vectors are complaints: their mean is nearer the bundled
    complaints' mean than the ordinary messages' mean (``preset: auto``)."""
    centre = examples.mean(axis=0)
    return float(centre @ complaints.mean(axis=0)) > float(centre @ ordinary.mean(axis=0))


def neighbour_votes(
    vectors: np.ndarray, positive: np.ndarray, negative: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each vector: the similarity-weighted share of complaints among its ``k`` nearest
    examples, and its best cosine to a complaint example."""
    sims = np.concatenate([vectors @ positive.T, vectors @ negative.T], axis=1)
    labels = np.concatenate([np.ones(len(positive)), np.zeros(len(negative))])
    k = min(k, sims.shape[1])
    nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    weights = np.take_along_axis(sims, nearest, axis=1).clip(min=1e-6)
    share = (weights * labels[nearest]).sum(axis=1) / weights.sum(axis=1)
    best = (vectors @ positive.T).max(axis=1) if len(positive) else np.zeros(len(vectors))
    return share, best
