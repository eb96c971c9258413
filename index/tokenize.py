"""jieba tokenisation for the keyword leg, with an editable user dictionary and synonyms.

The product keeps its own ``jieba.Tokenizer`` so that words added elsewhere
(the QA scorer loads policy terms) never change how the index tokenises.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path

try:
    import jieba
except ImportError as exc:  # pragma: no cover
    raise ImportError("jieba is not available - pip install jieba") from exc

jieba.setLogLevel(logging.WARNING)

_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
STOPWORDS = frozenset(
    "的 了 和 是 在 与 及 或 等 都 也 就 而 被 把 对 为 以 之 其 这 那 有 要 会 能 可 吗 呢 吧 啊 呀 哦 么 "
    "我 你 他 她 它 我们 你们 他们 什么 怎么 怎样 如何 哪些 一个 一些 应该 可以 需要 进行 "
    "请问 请 一下 还是 没有 还有 如果 因为 所以 但是 然后 时候 问题".split()
)

DEFAULT_USER_DICT = """\
# jieba user dictionary: one word per line, optionally followed by a frequency and a POS tag.
# Edit freely; run `python app.py reindex` (or save in the web admin) to apply.
七天无理由 20 n
无理由退货 20 n
原路退回 20 n
运费险 20 n
工单 20 n
差评 20 n
中评 20 n
好评返现 20 n
催付 20 n
旺旺 20 n
顺丰 20 n
中通 20 n
保价 20 n
电子发票 20 n
"""

DEFAULT_SYNONYMS = """\
# Synonyms for the keyword leg: one group per line, words separated by spaces or commas.
# A query word also searches for every other word of its group.
退款 退钱 退费 返款
快递 物流 包裹 运单
发货 寄出 出库
顾客 客户 客人 买家 亲
投诉 申诉 差评 不满意
客服 坐席 客服人员
退货 退回 退换货
换货 调换 更换
电话 来电 热线
回复 答复 回应
"""


def ensure_default_files(user_dict: Path, synonyms: Path) -> None:
    """Create the editable dictionary and synonyms files on first run."""
    for path, text in ((user_dict, DEFAULT_USER_DICT), (synonyms, DEFAULT_SYNONYMS)):
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def read_synonyms(path: Path) -> dict[str, list[str]]:
    """word -> the other words of its group."""
    groups: dict[str, list[str]] = {}
    if not path.exists():
        return groups
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        words = [w for w in re.split(r"[\s,，、]+", line) if w]
        for word in words:
            groups.setdefault(word, [])
            groups[word] += [w for w in words if w != word and w not in groups[word]]
    return groups


class Tokenizer:
    """Tokenises normalised text for BM25; expands query words with synonyms."""

    def __init__(self, user_dict: Path | None = None, synonyms: Path | None = None) -> None:
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        digest = hashlib.sha1()
        if user_dict and user_dict.exists():
            with open(user_dict, "rb") as handle:  # jieba leaves a path it opens unclosed
                self._jieba.load_userdict(handle)
            digest.update(user_dict.read_bytes())
        self.synonyms = read_synonyms(synonyms) if synonyms else {}
        for word in self.synonyms:
            self._jieba.add_word(word, freq=20)
        digest.update(repr(sorted(self.synonyms)).encode())
        self.dictionary_hash = digest.hexdigest()[:16]

    def tokens(self, norm_text: str) -> list[str]:
        """Search-mode tokens (words plus their sub-words) without stop words and punctuation."""
        return [
            t
            for t in self._jieba.cut_for_search(norm_text)
            if t.strip() and _KEEP.search(t) and t not in STOPWORDS
        ]

    def words(self, norm_text: str) -> list[str]:
        """Whole words (jieba's precise mode, no sub-words), without stop words: what a person reads."""
        return [t for t in self._jieba.cut(norm_text) if t.strip() and _KEEP.search(t) and t not in STOPWORDS]

    def query_terms(self, norm_query: str) -> dict[str, float]:
        """Query tokens with weights; synonyms of a token count half."""
        terms: dict[str, float] = {}
        for token in self.tokens(norm_query):
            terms[token] = max(terms.get(token, 0.0), 1.0)
            for other in self.synonyms.get(token, ()):
                terms[other] = max(terms.get(other, 0.0), 0.5)
        return terms
