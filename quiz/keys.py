"""Find the key of a fact: the number-with-unit or the term a question asks for.

Numbers with units (deadlines, amounts, shares: ``24小时``, ``满99元``,
``1至3个工作日``) make the best keys: exactly one right answer, and wrong
answers are easy to make plausible. Otherwise the key is the sentence's most
specific noun by TF-IDF over the knowledge base. Trivial keys (stop words,
heading numbers, single characters, dates, ordinals) are rejected.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass

from common.textnorm import normalize, normalize_aligned

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百]+)"
UNITS = (
    "个工作日",
    "工作日",
    "个自然日",
    "自然日",
    "个小时",
    "小时",
    "分钟",
    "秒钟",
    "秒",
    "天",
    "日",
    "周",
    "个月",
    "年",
    "元",
    "%",
    "％",
    "积分",
    "倍",
    "次",
    "折",
    "mm",
    "毫米",
    "厘米",
)
NUMBER_KEY = re.compile(
    rf"(?P<prefix>满|不超过|超过|不少于|不低于|低于|高于)?(?P<low>{_NUM})"
    rf"(?:\s*(?:至|到|-|~|－|—)\s*(?P<high>{_NUM}))?\s*(?P<unit>{'|'.join(map(re.escape, UNITS))})"
)
# "每月5日前", "每季第一个月5日前", "每年1月5日之前": a recurring deadline on a day of the month.
_MONTH_DAY = re.compile(r"(?:每月|每个月|个月|每季度?[^，,。；;]{0,6}月|每年\d{1,2}月)\d{1,2}日之?前$")
# "每月不定期抽查四次", "每天两次组织巡视": how many times within a stated period.
_PER_PERIOD = re.compile(r"每(?:天|日|周|星期|月|个月|季度|季|半年|年)[^，,。；;]{0,8}$")
_DEADLINE_AFTER = re.compile(r"内|以内|之内|后|前|以上|以下")
_AMOUNT_BEFORE = set("在满于为近约共达超过至每")
_FILLER_AFTER = re.compile(r"全天|不间断|营业|开通")
# Units whose numbers are counts of a thing, where "一" is trivial ("一次").
_COUNT_UNITS = {"次", "倍", "折"}
DAY_OF_MONTH = "月日"  # the unit of "每月5日前" keys
# Keys with exactly one right value: blanks, cloze and changed details all work on them.
QUANTITY_KINDS = ("number", "time", "frequency")

# Nouns too generic to test: any of them fits almost any blank in a service manual.
GENERIC_TERMS = frozenset(
    "客户 顾客 客服 客服人员 人员 员工 公司 企业 工作 问题 服务 情况 时间 方面 内容 方式 部门 相关 要求 "
    "规定 本店 我们 商品 产品 订单 信息 能力 事情 东西 过程 结果 原因 方法 态度 责任 处理 措施 行为 "
    "质量 水平 意识 作用 目标 关系 工作人员 对方 自己 大家 买家 卖家 用户 业主 同事 领导 主管 店铺 "
    "个人 团队 有关 办事 行业 事项".split()
)
_TERM_POS = frozenset({"n", "nz", "vn"})
# Verbs whose object is filler in manuals ("提升（整体）水平", "尽力（解决问题）", "提供准确的（咨询）"):
# any noun fits after them, so a blank there tests nothing.
VAGUE_VERBS = frozenset("提升 提高 加强 尽力 促进 确保 保证 提供 肩负 承担 重视 注重 实现 满足 更新".split())
DOMAIN_DF = 3  # a term key must be used in this many chunks, or in a heading, to count as a domain term
_CLAUSE_OPENERS = "，,；;：:并且及又"
_MODAL_BEFORE = "须应要将得需"

# A rule stated with one of these markers turns false when the marker is flipped
# ("不得透露客户资料" -> "可以透露客户资料"): a true/false item with exactly one
# right answer, unlike a swapped term, which may still read true.
NEGATION_FLIPS = {"不得": "可以", "严禁": "允许", "禁止": "允许", "必须": "不必"}
# Any other modal or negation in the sentence makes a flipped statement muddled.
_OTHER_MODALS = re.compile(
    r"不能|不要|不准|不可|切勿|无须|无需|不必|不宜|不应|务必|一律|不得不|否则|除非|才|如果|如有|假如"
)
# Rules with nothing to learn: a tautology ("遵守公司纪律，不得违反公司规定") or the
# department's office set-up ("必须固定相应的办公场所"), which no agent is checked on.
_EMPTY_RULE = re.compile(
    r"与工作无关|遵守[^，,。；;]*[，,]\s*不得(?:违反|违背|随意变更|变更|忽略|更改)|办公场所|配备"
)
# 应/须 as modals, not inside 相应/供应/响应/应用/无须…
_RULE_MODAL = re.compile(
    r"必须|不得|严禁|禁止|(?<![无毋胡])须|(?<![相适响反供对回答呼效感])应(?![用对付聘届])"
)
_EXHORTATION = re.compile(
    r"提高|提升|不断|努力|以人为本|原则|至关重要|为中心|满意度|关怀|重视|意识|素质|能力|心态|精神|尽力|尽量|尽可能|"
    r"良好|积极|认真|热情|耐心|友好|礼貌|加强|本手册|本制度|适用于|朋友们|能够|齐心|充分"
)
_LIST_INTRO = re.compile(r"以下|如下|下列")  # "不得使用以下禁语": the rule is in the list, not here
# An obligation already stated before the flipped marker ("要遵守客户隐私,不得私自泄露…"):
# flipped, the statement contradicts its own first clause and gives the answer away.
_OBLIGATION_BEFORE = re.compile(
    r"(?<![需重主只想还])要(?![求点素])|必须|务必|遵守|遵循|恪守|严守|保守|(?<![无毋胡])须|(?<![相适响反供对回答呼效感])应(?![用对付聘届])"
)
# Generic competence or attitude ("熟练掌握各类业务办理流程", "建立良好的关系"): a platitude
# unless the sentence names something concrete to get right or wrong.
_PLATITUDE = re.compile(
    r"熟悉|熟练|掌握|了解|努力|提高|提升|良好|积极|认真|热情|不断|个性化|贴心|建立[^，,。；;]{0,12}关系"
)
_CONCRETE = re.compile(
    r"\d|[一二两三四五六七八九十百半]+(?:个|次|天|日|周|月|年|元|分钟|小时|秒)|小时|分钟|工作日|当天|当日|"
    r"《|“|不得|严禁|禁止|不准|退货|换货|退款|发票|订单|工单|单据|签字|签名|登记|审批|批准|上报|交接|"
    r"主管|经理|电话|邮件|短信|系统|工牌|制服"
)


@dataclass(frozen=True)
class Key:
    """The part of a sentence a question blanks out."""

    text: str
    start: int
    end: int
    kind: str  # "number" | "term"
    unit: str = ""
    low: float = 0.0
    high: float | None = None
    prefix: str = ""
    chinese: bool = False  # written with Chinese numerals (distractors follow suit)


def cn_to_number(text: str) -> float | None:
    """``7`` / ``七`` / ``十五`` / ``二十四`` / ``一百`` as a number (None if not a numeral)."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return float(total + current)


def _recurring_day(sentence: str, end: int) -> bool:
    """True when the "N日" ending at ``end`` is a recurring deadline ("每月5日前", "每年1月5日之前")."""
    tail = "之前" if sentence[end : end + 2] == "之前" else sentence[end : end + 1]
    return _MONTH_DAY.search(sentence[:end] + tail) is not None


def number_keys(sentence: str) -> list[Key]:
    """Numbers with units in ``sentence`` that make sensible keys.

    Traditional text ("72小時內", "兩天內") is matched on its Simplified form,
    character for character, and the key keeps the original characters.
    """
    original, sentence = sentence, normalize_aligned(sentence)
    keys = []
    for m in NUMBER_KEY.finditer(sentence):
        before, after = sentence[max(0, m.start() - 1) : m.start()], sentence[m.end() : m.end() + 1]
        unit = m.group("unit")
        if before == "月" and unit == "日" and _recurring_day(sentence, m.end()):
            pass  # "每月5日前", "每年1月5日之前": a recurring deadline, not a date
        elif before in ("第", "*", "×", "x", "月", "年", ".", "/") or after in ("月", "年", "号", "/", "."):
            continue  # ordinals, dates, "7*24小时", version numbers
        if before.isdigit() or after.isdigit():
            continue
        if unit == "小时" and before == "天":
            continue  # "365天24小时": round the clock, not a deadline
        low, high = cn_to_number(m.group("low")), None
        if m.group("high"):
            high = cn_to_number(m.group("high"))
            if high is None or low is None or high <= low:
                continue
        if low is None:
            continue
        chinese = not m.group("low")[0].isdigit()
        if chinese and unit in _COUNT_UNITS and low <= 1:
            continue
        ahead = sentence[max(0, m.start() - 2) : m.start()] == "提前"  # "提前两日": a notice period
        # "每月不定期抽查四次": a count within a period the sentence names just before it.
        per_period = unit == "次" and bool(_PER_PERIOD.search(sentence[: m.start()]))
        if chinese and not (
            _DEADLINE_AFTER.match(normalize(sentence[m.end() : m.end() + 2]))
            or (before and before in _AMOUNT_BEFORE)
            or ahead
            or per_period
        ):
            continue  # "统一周全", "新的一年": a numeral inside a word, not a quantity
        if _FILLER_AFTER.match(sentence[m.end() : m.end() + 3]):
            continue  # "24小时全天候" restates itself
        if (
            unit == "日"
            and not ahead
            and not re.match(r"内|以内|之内|起", sentence[m.end() : m.end() + 2])
            and not (before == "月" and _recurring_day(sentence, m.end()))
        ):
            continue  # "18日" is a day of the month, not a duration
        if unit == "年" and low >= 1900:
            continue
        if unit == "年" and re.match(
            r"(?:以上)?(?:的)?(?:从业|工作|行业|相关)?经验", sentence[m.end() : m.end() + 6]
        ):
            continue  # "13年从业经验": an advert's or a job posting's boast, not a rule
        if unit == "%" and low >= 100:
            continue  # "100%": the obvious target, guessed without the manual
        if chinese and low == 1 and before == "每" and unit in ("天", "日"):
            continue  # "每一天": every day, not a quantity
        if unit == "日" and before == "月":
            unit = DAY_OF_MONTH  # distractors are other days of a month, not durations
        # The blank covers the quantity only: "满" / "超过" stay in the stem and read naturally.
        start = m.start("low")
        keys.append(
            Key(
                original[start : m.end()],
                start,
                m.end(),
                "number",
                unit.replace("％", "%"),
                low,
                high,
                m.group("prefix") or "",
                chinese,
            )
        )
    return keys


# A clock time or span ("16:30", "9:00-18:00", "08:00至17:00"); not a date-time with seconds.
TIME_KEY = re.compile(
    r"(?<![\d:：.\-])(?P<h1>[01]?\d|2[0-4])[:：](?P<m1>[0-5]\d)"
    r"(?:\s*(?P<sep>[-~～至到—－])\s*(?P<h2>[01]?\d|2[0-4])[:：](?P<m2>[0-5]\d))?(?![\d:：])"
)


def time_keys(sentence: str) -> list[Key]:
    """Clock times and shift spans in ``sentence`` (work hours, cut-off times) as keys.

    ``low`` and ``high`` are minutes after midnight; a span's end may pass
    midnight ("17:00-01:00"). A time inside a date-time stamp is skipped.
    """
    keys = []
    for m in TIME_KEY.finditer(sentence):
        if re.search(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?\s*$", sentence[: m.start()]):
            continue  # "2022-12-31 17:12": when a page was scraped, not a rule
        low = int(m.group("h1")) * 60 + int(m.group("m1"))
        high = int(m.group("h2")) * 60 + int(m.group("m2")) if m.group("h2") else None
        keys.append(Key(m.group(), m.start(), m.end(), "time", "time", float(low), high))
    return keys


# How often a task recurs, shortest period first; a wrong option is a neighbouring period.
FREQUENCIES = ("每天", "每周", "每月", "每季度", "每半年", "每年")
_FREQUENCY = re.compile(
    r"每(?:天|日|周|星期|月|个月|季度|季|半年|年)(?=[^，,。；;]{0,4}?(?:一|1)(?:次|份|遍))"
)


def frequency_keys(sentence: str) -> list[Key]:
    """How often a task is done ("每季度检查一次", "每月出一份清单"): the period as a key."""
    keys = []
    norm = normalize_aligned(sentence)
    for m in _FREQUENCY.finditer(norm):
        text = {"每日": "每天", "每星期": "每周", "每个月": "每月", "每季": "每季度"}.get(
            m.group(), m.group()
        )
        rank = FREQUENCIES.index(text)
        keys.append(Key(sentence[m.start() : m.end()], m.start(), m.end(), "frequency", "frequency", rank))
    return keys


# A bracketed aside ("原件(10天內返還…)", "（转移责任）"): an incidental note beside the rule,
# never the detail a question asks about (blind review 7).
_ASIDE = re.compile(r"[（(〔［\[][^（()）〔〕［］\[\]]*[）)〕］\]]")
# Details a trainee has to memorise besides numbers, times and frequencies: a position
# ("第四颗扣子"), a deadline named in words, or a penalty.
# Deadlines in words ("当天营业结束前", "下班前"): a detail, but one common sense supplies.
_WORD_DEADLINE = re.compile(r"当天|當天|当日|當日|次日|隔日|截止|月底|月初|年底|下班前|上班前|营业前|营业后")
_MEMORISED = re.compile(
    r"第[一二三四五六七八九十\d]+[颗顆个個条條项項步层層排]|"
    + _WORD_DEADLINE.pattern
    + r"|罚款|罰款|罚金|扣[除罚罰]?[^，,。；;]{0,4}分|记过|記過|警告|处分|處分"
    + r"|辞退|辭退|开除|開除|除名|赔偿|賠償"
)


def asides(sentence: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each bracketed aside of ``sentence``, brackets included."""
    return [m.span() for m in _ASIDE.finditer(sentence)]


def in_aside(sentence: str, start: int, end: int) -> bool:
    """True when ``sentence[start:end]`` lies inside a bracketed aside."""
    return any(a <= start and end <= b for a, b in asides(sentence))


def strip_asides(text: str) -> str:
    """``text`` without its bracketed asides ("表明立场(转移责任)" -> "表明立场")."""
    return _ASIDE.sub("", text).strip()


def memorised_detail(sentence: str, word_deadlines: bool = True) -> bool:
    """True when the rule carries a detail a trainee must learn, outside any aside.

    A number with its unit, a clock time, a frequency, a deadline or a penalty:
    a rule without one ("无法处理时请当值主管出面", "核准人检查无误后再签名")
    reads as common sense when asked as written (blind review 7). Without
    ``word_deadlines`` a deadline in words does not count: "顾客必须在当天营业日
    结束前取走所寄物品", asked as a true statement, is marked true by anyone
    (blind reviews 11 and 12).
    """
    bare = _ASIDE.sub("", sentence)
    if quantity_keys(bare):
        return True
    found = [m.group() for m in _MEMORISED.finditer(bare)]
    return any(word_deadlines or not _WORD_DEADLINE.fullmatch(f) for f in found)


def quantity_keys(sentence: str) -> list[Key]:
    """Numbers with units, clock times and task frequencies of ``sentence``, in reading order."""
    found = number_keys(sentence) + time_keys(sentence) + frequency_keys(sentence)
    return sorted(found, key=lambda k: k.start)


class TermIndex:
    """Document frequencies of KB tokens and a private POS tagger for picking term keys."""

    def __init__(self, chunks) -> None:
        try:
            import jieba
            import jieba.posseg
        except ImportError as exc:  # pragma: no cover
            raise ImportError("jieba is not available - pip install jieba") from exc
        jieba.setLogLevel(logging.WARNING)
        # A private tokenizer: words added here never change how search or QA tokenise.
        self._tagger = jieba.posseg.POSTokenizer(jieba.Tokenizer())
        self.df: Counter[str] = Counter()
        self.n_docs = 0
        headings = set()
        for chunk in chunks:
            self.n_docs += 1
            self.df.update(set((chunk["tokens"] or "").split()))
            headings.add((chunk["headings"] if "headings" in chunk.keys() else "") or "")
        self._headings = normalize("\n".join(sorted(headings)))

    def is_domain_term(self, word: str) -> bool:
        """A term the manuals treat as a subject: in a heading, or used across several chunks."""
        norm = normalize(word)
        return self.df.get(norm, 0) >= DOMAIN_DF or norm in self._headings

    def idf(self, term: str) -> float:
        return math.log((self.n_docs + 1) / (self.df.get(normalize(term), 0) + 1)) + 1.0

    def tag(self, text: str) -> list[tuple[str, str]]:
        """``(word, POS flag)`` pairs of ``text``."""
        return [(p.word, p.flag) for p in self._tagger.cut(text)]

    def flag(self, word: str) -> str:
        """The POS flag of ``word`` on its own (distractors must share the key's)."""
        tags = self.tag(word)
        return tags[0][1] if len(tags) == 1 else ""

    def nouns(self, text: str) -> list[str]:
        """Distinct noun-like words of ``text`` usable as keys or distractors."""
        seen = []
        for word, flag in self.tag(text):
            if flag in _TERM_POS and is_good_term(word) and word not in seen:
                seen.append(word)
        return seen

    def governing_verb(self, sentence: str, start: int) -> str:
        """The last verb (two or more characters) of the clause before position ``start``."""
        clause = re.split(r"[，,。；;：:！？!?]", sentence[:start])[-1]
        verbs = [w for w, flag in self.tag(clause) if flag.startswith("v") and len(w) >= 2]
        return verbs[-1] if verbs else ""

    def term_keys(self, sentence: str, context: str = "") -> list[Key]:
        """Specific nouns of ``sentence``, best first (highest IDF, seen elsewhere in the KB)."""
        scored = []
        tagged, pos, following = self.tag(sentence), 0, {}
        for i, (word, _) in enumerate(tagged):
            following[pos] = tagged[i + 1][1] if i + 1 < len(tagged) else ""
            pos += len(word)
        for word in self.nouns(sentence):
            start = sentence.find(word)
            if start < 2 or sentence[start + len(word) : start + len(word) + 1] == "的":
                continue  # a blank opening the sentence reads badly; "（ ）的" takes any adjective
            if sentence.count(word) != 1 or (context and word in context):
                continue  # the stem would give the answer away
            around = sentence[max(0, start - 1) : start] + sentence[start + len(word) : start + len(word) + 1]
            after = sentence[start + len(word) : start + len(word) + 1]
            if any(c in around for c in "、和及或与/") or after == "等":
                continue  # a member of a list ("商品,（ ）等"): any sibling would fit the blank as well
            if sentence[start - 1] in _MODAL_BEFORE:
                continue  # "须（核实）": a verb slot; only the key is a verb, so the item tests grammar
            if sentence[start - 1] in _CLAUSE_OPENERS and following.get(start, "").startswith("v"):
                continue  # the blank is a clause's subject or adverb ("并（先行）默念"): it reads as a riddle
            if following.get(start) in _TERM_POS:
                continue  # a modifier slot ("（ ）客服", "（ ）服务"): almost any noun fits
            if self.df.get(normalize(word), 0) < 2 or not self.is_domain_term(word):
                continue  # seen once only (a typo or OCR debris), or not a term the manuals dwell on
            if self.governing_verb(sentence, start) in VAGUE_VERBS:
                continue  # filler object of 提升/尽力/提供…: any noun would do
            scored.append((self.idf(word), start, word))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [Key(w, s, s + len(w), "term") for _, s, w in scored]


def negation_key(sentence: str) -> Key | None:
    """The one rule marker (不得/严禁/禁止/必须) of ``sentence`` a true/false item may flip.

    None when the sentence has no marker, several, or another modal that would
    make the flipped statement ambiguous ("不得不", "否则", "不能…不得…").
    """
    found = [(m.start(), m.group()) for m in re.finditer("|".join(NEGATION_FLIPS), sentence)]
    if len(found) != 1 or _OTHER_MODALS.search(sentence) or _LIST_INTRO.search(sentence):
        return None
    if _EMPTY_RULE.search(sentence) or is_platitude(sentence):
        return None
    start, marker = found[0]
    if _OBLIGATION_BEFORE.search(sentence[:start]):
        return None  # "要遵守客户隐私,可以私自泄露…": the first clause gives the flip away
    if sentence[max(0, start - 2) : start] in ("予以", "加以"):
        return None  # "应予以禁止上线": the marker is an object, flipping it gives "应予以允许上线"
    if start < 2 or sentence[start + len(marker) : start + len(marker) + 1] == "的":
        return None  # no subject before the marker, or "禁止的操作": an attribute, not a rule
    return Key(marker, start, start + len(marker), "negation")


def is_rule(sentence: str) -> bool:
    """A sentence stating a duty or prohibition an agent can be checked on.

    Exhortations ("应坚持以人为本…", "不断提升服务体验") use the same modals
    but give a trainee nothing to get right or wrong.
    """
    return bool(_RULE_MODAL.search(sentence)) and not (
        _EMPTY_RULE.search(sentence)
        or is_platitude(sentence)
        or _EXHORTATION.search(sentence)
        or re.search(r"哪些|什么|如何", sentence)  # an outline of a document, not a rule
        or re.search(r"以上|上述|前期", sentence)  # points at rules stated elsewhere
        or re.match(r"公司|企业|客服部门|部门", sentence)  # the employer's duty, not the agent's
    )


def is_platitude(sentence: str) -> bool:
    """Generic competence or attitude with nothing concrete to check.

    "应熟悉公司产品、政策…", "必须与潜在的客户建立良好的关系": true of any job,
    a trainee cannot get them wrong. A number, a time, a named document, a
    prohibited act or a named procedure or channel makes the sentence concrete.
    """
    return bool(_PLATITUDE.search(sentence)) and not _CONCRETE.search(sentence)


def is_good_term(word: str) -> bool:
    """A term worth asking about: 2-6 characters, Chinese, not generic."""
    if not 2 <= len(word) <= 6 or word in GENERIC_TERMS or normalize(word) in GENERIC_TERMS:
        return False
    if re.search(r"\d", word):
        return False
    return bool(re.fullmatch(r"[\u4e00-\u9fffA-Za-z]+", word))
