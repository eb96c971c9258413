"""The texts embedded for one chunk: the whole chunk plus its sentence windows.

A paraphrased question usually matches one sentence of a passage far better
than the whole passage (measured on bench/: recall@5 0.81 -> 0.87), so each
chunk is embedded as a whole and sentence by sentence; a chunk's dense score
is the best of its vectors. FAQ entries and reply scripts are embedded as
question, each similar question and the answer.
"""

from __future__ import annotations

import json

from common.sentences import split_sentences
from common.textnorm import normalize

MIN_WINDOW_CHARS = 12


def chunk_windows(row) -> list[str]:
    """Normalised texts to embed for a chunk row, the whole chunk first."""
    texts = [row["norm_text"]]
    if row["kind"] in ("faq", "script"):
        extra = [row["question"], *json.loads(row["similar"] or "[]"), row["answer"]]
    else:
        extra = merge_short(split_sentences(row["text"]))
        if len(extra) < 2:
            return texts
    for text in extra:
        norm = normalize(text)
        if norm and norm not in texts:
            texts.append(norm)
    return texts


def merge_short(sentences: list[str]) -> list[str]:
    """Glue sentences shorter than MIN_WINDOW_CHARS to their neighbour ("1、" items, "好的。")."""
    out: list[str] = []
    for sentence in sentences:
        if out and (len(out[-1]) < MIN_WINDOW_CHARS or len(sentence) < MIN_WINDOW_CHARS // 2):
            out[-1] += sentence
        else:
            out.append(sentence)
    return out
