"""Text normalisation shared by search, scoring and quizzes.

Users mix Traditional and Simplified Chinese and full-width and half-width
forms; every comparison in the product goes through :func:`normalize` so that
``客服崗位`` matches ``客服岗位`` and ``ＡＢＣ１２３`` matches ``abc123``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

try:
    import opencc
except ImportError as exc:  # pragma: no cover - guarded heavy import
    raise ImportError("opencc is not available - install opencc (pip install opencc)") from exc

_T2S = opencc.OpenCC("t2s")
_SPACE = re.compile(r"[ \t\u3000\xa0]+")

# Full-width punctuation that NFKC leaves alone but users type interchangeably.
_PUNCT = str.maketrans({"，": ",", "：": ":", "；": ";", "！": "!", "？": "?", "（": "(", "）": ")"})


def to_width(text: str) -> str:
    """Fold full-width letters, digits and ASCII punctuation to half width (NFKC)."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Convert Traditional Chinese characters to Simplified (OpenCC t2s)."""
    return _T2S.convert(text)


def normalize(text: str) -> str:
    """Width-fold, Simplified, lower-cased text with collapsed spaces.

    The output has the same meaning as the input and is what indexes and
    matchers see; the original text is always kept for display.
    """
    return _SPACE.sub(" ", to_simplified(to_width(text))).lower().strip()


def normalize_aligned(text: str) -> str:
    """Like :func:`normalize` but keeps one output character per input character.

    Used where a match must be mapped back to a character span of the
    original text (QA evidence, snippet highlighting). OpenCC t2s is a
    character-level mapping for almost every character; where it is not,
    the character is kept as is.
    """
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        if len(folded) != 1:
            folded = ch
        simple = to_simplified(folded)
        out.append((simple if len(simple) == 1 else folded).lower())
    return "".join(out)


def fold_punct(text: str) -> str:
    """Map the common full-width punctuation to ASCII (after NFKC some remain)."""
    return text.translate(_PUNCT)
