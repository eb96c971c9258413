"""Policy regular expressions, run by RE2: matching time is linear in the text for every pattern.

Python's ``re`` backtracks, so one pattern such as ``(a+)+$`` or ``^(\\w+\\s?)*$`` takes
exponential time on an ordinary message and a single rule would pin a CPU for ever: a
``score`` run hangs and a web worker is lost. RE2 guarantees linear time and bounded
memory for any pattern. What it cannot do, because it needs backtracking (backreferences,
lookaround, atomic groups, conditionals), is refused when the policy is validated, with
a message saying what to write instead.

Policy authors test their patterns with Python, where ``\\w``, ``\\d`` and ``\\s`` are
Unicode-aware; RE2's are ASCII-only, so ``订单\\w+`` would silently stop matching Chinese.
Those classes are rewritten to their Unicode meaning before compiling; ``\\b`` and ``\\B``
(ASCII-only in RE2, with no Unicode form) are refused rather than changed in meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

try:
    import re2
except ImportError as exc:  # pragma: no cover - guarded heavy import
    raise ImportError("google-re2 is not available - pip install google-re2") from exc

# Python's Unicode classes spelled in RE2 syntax: (inside a character class, outside one).
_WORD = r"\p{L}\p{N}_"
_SPACE = r"\t\n\v\f\r\x{1c}-\x{1f}\x{85}\p{Z}"
_REWRITES = {
    "w": (_WORD, f"[{_WORD}]"),
    "W": (None, f"[^{_WORD}]"),
    "d": (r"\p{Nd}", r"\p{Nd}"),
    "D": (r"\P{Nd}", r"\P{Nd}"),
    "s": (_SPACE, f"[{_SPACE}]"),
    "S": (None, f"[^{_SPACE}]"),
    "Z": (None, r"\z"),  # Python's end of text; RE2 spells it \z
}

_LOOKAROUND = (
    "不支持前瞻/后顾 (?=…) (?!…) (?<=…) (?<!…)（安全的 RE2 引擎不回溯）；"
    "要排除某些说法请在该词条里写 except，要排除否定说法请用 negation: true"
)
_BACKREFERENCE = "不支持反向引用 \\1 或 (?P=名字)（安全的 RE2 引擎不回溯）；请把要重复的内容直接写出来"
_ATOMIC = "不支持原子组 (?>…) 和条件分组 (?(…)…)；请改成普通分组 (…)，或拆成几条 regex"
_BOUNDARY = (
    "不支持 \\b / \\B：RE2 的词边界只认英文字母，中文里没有意义；"
    "按词边界匹配请改用 phrases / terms（按分词边界匹配）"
)
_NEGATED_IN_CLASS = "方括号里不支持 \\W / \\S；请改写成 [^…]"

# RE2's own compile errors, by their message prefix, in the words of a policy author.
_RE2_ERRORS = (
    ("missing ]", "缺少 ]"),
    ("missing )", "缺少 )"),
    ("unexpected )", "多了一个 )"),
    ("trailing \\", "末尾多了一个 \\"),
    ("invalid escape sequence", "无效的转义"),
    ("invalid character class range", "无效的字符范围"),
    ("invalid character class", "无效的字符类"),
    ("invalid repetition size", "重复次数无效（最多 1000）"),
    ("bad repetition operator", "无效的重复符号"),
    ("missing argument to repetition operator", "重复符号前面缺少内容"),
    ("invalid named capture group", "无效的命名分组"),
    ("duplicate capture group name", "重复的分组名"),
    ("invalid perl operator", "不支持的 (?…) 写法"),
    ("pattern too large", "表达式太大"),
    ("invalid UTF-8", "不是有效的 UTF-8 文本"),
)

_UPTO = re.compile(r"\{,(\d+)\}")
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are reported to the policy author, not logged to stderr


class UnsafePattern(ValueError):
    """A policy regex that cannot be run in linear time; the message says what to use instead."""


@dataclass(frozen=True)
class PolicyRegex:
    """One compiled policy pattern; ``source`` is what the policy author wrote."""

    source: str
    compiled: Any = field(compare=False, repr=False)

    def finditer(self, text: str):
        """Non-overlapping matches in ``text``, with character offsets (time linear in the text)."""
        return self.compiled.finditer(text)


def compile_policy_regex(source: str) -> PolicyRegex:
    """Compile one policy pattern with RE2; raises :class:`UnsafePattern` with a Chinese reason."""
    translated = translate(source)
    try:
        compiled = re2.compile(translated, _OPTIONS)
    except re2.error as exc:
        raise UnsafePattern(_explain(exc)) from None
    return PolicyRegex(source, compiled)


def translate(source: str) -> str:
    """``source`` in RE2 syntax with Python's meaning; raises :class:`UnsafePattern` for what RE2 lacks.

    One left-to-right scan that knows escapes and character classes, so ``\\\\w`` (a
    backslash, then w) and ``[(?=]`` (a class of three characters) are left alone.
    """
    out: list[str] = []
    i, n = 0, len(source)
    in_class = False
    while i < n:
        char = source[i]
        if char == "\\":
            if i + 1 >= n:
                out.append(char)  # RE2 reports the trailing backslash
                break
            nxt = source[i + 1]
            if nxt == "Q":  # \Q...\E quotes literally: copy it untouched
                end = source.find("\\E", i + 2)
                end = n if end == -1 else end + 2
                out.append(source[i:end])
                i = end
                continue
            if nxt in "bB" and not in_class:
                raise UnsafePattern(_BOUNDARY)
            if nxt in "123456789" and not in_class:
                raise UnsafePattern(_BACKREFERENCE)
            if nxt in _REWRITES:
                inside, outside = _REWRITES[nxt]
                if in_class and inside is None:
                    raise UnsafePattern(_NEGATED_IN_CLASS)
                out.append(inside if in_class else outside)
            else:
                out.append(char + nxt)
            i += 2
            continue
        if in_class:
            if source.startswith("[:", i):  # a POSIX class such as [:alpha:] inside a class
                end = source.find(":]", i + 2)
                if end != -1:
                    out.append(source[i : end + 2])
                    i = end + 2
                    continue
            if char == "]":
                in_class = False
            out.append(char)
            i += 1
            continue
        if char == "[":
            in_class = True
            start = i + 1
            if source.startswith("^", start):
                start += 1
            if source.startswith("]", start):  # a leading ] is a literal member
                start += 1
            out.append(source[i:start])
            i = start
            continue
        if char == "(" and source.startswith("(?", i):
            _check_group(source, i)
        if char == "{":
            brace = _UPTO.match(source, i)
            if brace:  # Python reads {,n} as {0,n}; RE2 would read it as literal text
                out.append("{0," + brace.group(1) + "}")
                i = brace.end()
                continue
        out.append(char)
        i += 1
    return "".join(out)


def _check_group(source: str, i: int) -> None:
    head = source[i + 2 : i + 4]
    if head[:1] in ("=", "!") or head in ("<=", "<!"):
        raise UnsafePattern(_LOOKAROUND)
    if source.startswith("P=", i + 2):
        raise UnsafePattern(_BACKREFERENCE)
    if head[:1] in (">", "("):
        raise UnsafePattern(_ATOMIC)


def _explain(exc: Exception) -> str:
    detail = exc.args[0] if exc.args else str(exc)
    if isinstance(detail, bytes):
        detail = detail.decode("utf-8", "replace")
    for prefix, words in _RE2_ERRORS:
        if detail.startswith(prefix):
            return f"{words}（{detail}）"
    return f"无法编译（{detail}）"
