"""Turn knowledge-base chunks into candidate fact sentences, dropping junk sources.

Scraped manuals are noisy: pages of job-posting duties, table debris, ads for
the site they were copied from, headings glued to text. A question is only as
good as the sentence it comes from, so this step is strict: a sentence must be
readable on its own and state something a trainee can be checked on.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field

from common.sentences import split_sentences
from common.textnorm import normalize
from quiz.keys import TIME_KEY, quantity_keys

_ENUMERATOR = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十\d]{1,3}[、.．:：](?!\d)|"
    r"第[一二三四五六七八九十\d]+[条步节]|[①-⑳•·\-—*>]+)\s*"
)
_TRAILING = re.compile(r"[；;，,、：:\s]+$")
_LEADING = re.compile(r"^[；;，,、：:.。\s)）]+")
# Markers of a rule a trainee can be checked on.
_NORMATIVE = re.compile(
    r"应|须|必须|不得|禁止|严禁|不能|不要|务必|一律|统一|不超过|不少于|以内|之内|为准|承担|默认"
)
# Marks of web debris and of text that is not about doing the job.
_JUNK = re.compile(
    r"整理|参考|小编|下载|投稿|推荐|欢迎阅读|范文|留学网|合集|目录|招聘|薪资|待遇|工作经验|优先|学历|"
    r"大专|本科|年龄|普通话|同等水平|面试|候选人|应聘|篇[一二三四五六七八九十\d]|[《》]?篇|祖国|http|www|\.com|&&|\*\*|\?/|</?\w|�|……"
)
# Synonym-spun SEO copies of manuals ("小我物品禁止带入发卖区域" for "个人物品禁止带入销售区域")
# read wrongly; these spinner substitutions give them away.
_SPUN = re.compile(
    r"小我|发卖|赐与|知足|耐烦|急速|合时|办事台|办事部|律例|一样平常|缘故|须要|供给|固准|弗成|不克不及|日常平凡|"
    r"感到为主|情节严峻|说明偏向"
)
# A slide or list heading glued to the text under it ("产品知识客服人员应…", "技术工具的运用现代技术的…"):
# a short title, then a new clause opener, then the title's own words again.
_CLAUSE_START = re.compile(
    r"客服|客户|在|当|对于|为了|现代|良好|公司|企业|我们|作为|顾客|员工|以|通过|电子商务|电商"
)
RUN_ON_CHARS = 30  # this many characters without any punctuation: garbled or run-together copy
_REDUPLICATED = {
    "常常",
    "天天",
    "人人",
    "往往",
    "刚刚",
    "每每",
    "渐渐",
    "时时",
    "处处",
    "事事",
    "个个",
    "件件",
}
_COMMON_GRAMS = {"客服", "客户", "人员", "公司", "服务"}
# Job-posting duties ("负责…", "熟悉…") are lists of tasks, not checkable facts.
_DUTY = re.compile(
    r"^(?:负责|协助|熟悉|具备|完成|参与|配合|热爱|为人|能够|善于|具有|有较强|有良好|精通|掌握|了解|"
    r"认真|积极|努力|及时|做好|组织|制定|建立|定期|主持|监督|督促|跟进|收集|处理|维护|执行)"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PLAN = re.compile(r"预期成果|工作计划|工作总结|心得|展望")
_SECTION = re.compile(r"^第[一二三四五六七八九十\d]+(?:[章节部分篇]|单元|单位)")
_ITEM = re.compile(r"^[（(]?[一二三四五六七八九十\d]{1,3}[、.．)）]")
_LABEL = re.compile(r"^[【\[][^】\]]{1,6}[】\]]\s*")
# A sentence that explains a general concept or textbook method (the Pareto chart's "关键的少数"
# at 80%, "所谓…是指…") is not a rule of the job: true anywhere, asked nowhere.
_DEFINITION = re.compile(
    r"排列图|因果图|帕累托|二八|八二|关键的少数|是指|指的是|所谓|称为|称之为|叫做|定义为|原理|法则|定律|理论"
)

# A subject that points back at an earlier sentence ("第一次违规罚款10元", "上述行为…", "该客户…"):
# cut from its antecedent the sentence reads as a rule about nothing in particular.
_ANAPHOR = re.compile(
    r"^(?:发[现觉]|若|凡|对)?(?:第[一二三四五六七八九十\d]+次|首次|初次|再次|每次|一经)?"
    r"(?:违规|违纪|违反者|此类|此项|此种|上述|以上|该(?![怎如])|本条)"
)
_BARE_PENALTY = re.compile(r"(?:次|经|旦)违[规纪](?:者|的)?[，,]?(?:罚|扣|处罚|警告|开除|辞退)")
MIN_CHARS, MAX_CHARS = 14, 90  # shorter says nothing checkable; longer makes unreadable stems
MIN_QUANTITY_CHARS = 12  # "服务响应时间不超过24小时": a number with its unit says enough in fewer
WINDOW_CHARS = 40  # a clause window cut from a long sentence grows to about this length
# A clause that cannot open a statement: it continues (则/并/且…) or points back (其/该/此…).
_CONTINUES = re.compile(
    r"^(?:则|并|且|而|但|同时|然后|再|以便|以免|否则|及|和|或|也|还|又|就|其|该|此|他|她|它|这|那)"
)
# A clause that states a condition: the clause after it only holds under it.
_CONDITION_OPENER = re.compile(r"^(?:如果|如|若|假如|当|凡|一旦|万一|对于|除)")
# A conditional rule that states its consequence ("如设计师…的,则…给予…处罚") reads alone;
# "如下", "如何", "如:" introduce something else.
_CONDITIONAL_RULE = re.compile(
    r"^(?:如果|如|若|假如)(?![下何此上同:：])[^，,。]{2,}[，,].*(?:则|应|须|必须|要|可以|不得|给予|承担)"
)
GLUE_CHARS = 20  # a semicolon piece shorter than this continues the previous sentence
# A rule whose consequence is left to judgement ("根据具体情况…给予相应的措施与处罚"):
# the number in it is incidental, and no trainer would ask for it.
_VAGUE_CONSEQUENCE = re.compile(r"具体情况|具体情形|视情况|视具体|酌情|相应的(?:措施|处罚|处理|惩罚)")
# What follows a sentence cut at a semicolon: another list item starts a sentence of its own,
# anything else continues this one ("周一至周五8:30-18:00；周六、日9:00-17:00業主接待").
_NEXT_ITEM = re.compile(
    r"\s*(?:[（(]?[一二三四五六七八九十\d]{1,3}[、.．)）:：]|[①-⑳]|第[一二三四五六七八九十\d]+|$)"
)
# A heading whose section runs on for this many characters of a scraped file has lost the
# headings after it ("2.客服专员" over gift, return and dress-code rules): the stem names
# the document alone rather than a section the sentence is not in.
HEADING_SPAN_CHARS = 2000
MIN_CJK_SHARE = 0.6  # below this a "sentence" is table or code debris
MAX_DUTY_SHARE = 0.4  # chunks with more duty-list sentences than this are job postings


@dataclass
class Fact:
    """One candidate sentence with the context that makes it readable alone."""

    sentence: str
    document: str
    headings: list[str]
    chunk_id: int
    normative: bool = False
    tags: list[str] = field(default_factory=list)
    doc_name: str = ""  # the KB document name (the stem shows ``document``, a readable label)

    @property
    def context(self) -> str:
        """The heading chain (or the document title) that scopes the sentence."""
        return " > ".join(self.headings)


def fact_sentences(text: str) -> list[str]:
    """Fact sentences of a chunk: the shared splitter's sentences without list enumerators.

    A short piece after a semicolon ("第二次罚款100元；第三次…") has no subject
    of its own: it stays with the sentence before it.
    """
    out: list[str] = []
    glue = False
    for piece in split_sentences(text):
        raw = piece.strip()
        piece = raw
        while True:
            stripped = _ENUMERATOR.sub("", piece, count=1)
            if stripped == piece:
                break
            piece = stripped
        piece = _LEADING.sub("", _TRAILING.sub("", _LABEL.sub("", piece)))
        if not piece:
            continue
        if (
            glue
            and out
            and piece == raw.rstrip("；;")
            and (len(piece) < GLUE_CHARS or piece.startswith("第"))
        ):
            out[-1] += "；" + piece
        else:
            out.append(piece)
        glue = raw.endswith(("；", ";"))
    return out


def glued_heading(sentence: str) -> bool:
    """True when the sentence opens with a heading that lost its line break.

    The title's words come back right after it ("培训与发展客服经理应该重视员工的培训和发展"),
    which a real subject followed by its predicate rarely does.
    """
    first = re.split(r"[，,。；;：:、]", sentence)[0]
    if len(first) < 10:
        return False
    for length in range(2, 11):
        head, rest = sentence[:length], sentence[length : length + 20]
        if _NORMATIVE.search(head):
            break  # the opening already states the rule: a subject, not a title
        if not _CLAUSE_START.match(rest):
            continue
        grams = {head[i : i + 2] for i in range(len(head) - 1)} - _COMMON_GRAMS
        if any(_CJK.fullmatch(g[0]) and _CJK.fullmatch(g[1]) and g in rest for g in grams):
            return True
    return False


def repeated_heading(text: str) -> bool:
    """True when a short opening noun phrase comes straight back ("工牌保持工牌清洁…").

    That is a slide heading glued to the line under it; a subject is not
    normally repeated two to four characters later.
    """
    norm = re.sub(r"\s+", "", text)
    if glued_letter(norm):
        return True  # "手手掌、指甲…": a one-character heading glued to a word that starts with it
    for length in (2, 3, 4):
        head = norm[:length]
        if len(_CJK.findall(head)) != length or head in _COMMON_GRAMS or head == "工作":
            continue
        if head in norm[length + 1 : 2 * length + 4]:
            return True
    return False


def glued_letter(text: str) -> bool:
    """True when ``text`` opens with a one-character table label glued to a word that starts with it.

    "手手掌、指甲保持干净…" is the dress-code table's "手" row. Only with evidence:
    the doubled character is no word of the dictionary (宝宝, 谢谢, 明明 are) while
    the character and the next one are (手掌), and no doubled pair follows (仔仔细细).
    """
    stripped = re.sub(r"\s+", "", text)
    if len(stripped) < 4 or stripped[0] != stripped[1] or not _CJK.match(stripped[0]):
        return False
    if stripped[:2] in _REDUPLICATED or stripped[2] == stripped[3]:
        return False
    words = _dictionary()
    # jieba keeps zero-frequency prefixes of longer words ("部手" of 部手机): not words.
    return words.get(stripped[:2], 0) == 0 and words.get(stripped[1:3], 0) > 0


def unglue_letter(sentence: str) -> str:
    """``sentence`` without a glued one-character table label (:func:`glued_letter`).

    "手手掌、指甲保持干净…" reads "手掌、指甲保持干净…". Longer glued headings
    ("仪容仪表仪容要…") have no sure boundary and stay as they are
    (:func:`repeated_heading` drops them).
    """
    return sentence.lstrip()[1:] if glued_letter(sentence) else sentence


def anaphoric(sentence: str) -> bool:
    """True when the sentence's subject (违规/此类/上述/该…) refers back to an earlier one."""
    norm = normalize(re.sub(r"\s+", "", sentence))
    return bool(_ANAPHOR.match(norm) or _BARE_PENALTY.search(norm))


# A sentence that opens at a moment of something it does not name ("活动结束后,三日内…",
# "此时…", "届时…"): a step cut from its procedure. Which activity, which moment?
_RELATIVE_OPENER = re.compile(
    r"^(?:此时|此后|届时|事后|随后|其后|之后|然后|当时|与此同时|"
    r"(?P<event>[\u4e00-\u9fff]{1,4}?)(?:结束|完成|完毕|过后|之后|以后)[后时]?)[，,]"
)


def unresolved_opener(sentence: str, context: list[str]) -> bool:
    """True when the sentence opens at a moment its own words and ``context`` do not name.

    "活动结束后,三日内部门主管…" is kept only when a heading of ``context``
    names the activity; "此时…" never stands alone.
    """
    m = _RELATIVE_OPENER.match(normalize(re.sub(r"\s+", "", sentence)))
    if not m:
        return False
    event = m.group("event")
    return not event or not any(event in normalize(h) for h in context)


def defines_concept(sentence: str) -> bool:
    """True when the sentence defines a general concept or method rather than stating a rule."""
    return bool(_DEFINITION.search(normalize(sentence)))


def is_clean_sentence(sentence: str, max_chars: int = MAX_CHARS) -> bool:
    """Long enough, mostly Chinese, no web debris, not a job duty.

    ``max_chars`` is raised to check a long sentence's form before clause
    windows are cut from it.
    """
    compact = re.sub(r"\s+", "", sentence)
    quantities = quantity_keys(sentence)
    if not (MIN_QUANTITY_CHARS if quantities else MIN_CHARS) <= len(compact) <= max_chars:
        return False
    # Clock times and amounts are content, not debris: they do not count against the share.
    words = re.sub(r"\d+(?:[.:：]\d+)?\s*[-~～至到—－%％]?", "", compact)
    if len(_CJK.findall(words)) < max(MIN_CJK_SHARE * len(words), 10):
        return False
    if re.search(r"\s{2,}|[\u4e00-\u9fff,，]\s+[\u4e00-\u9fff]|[•*]|ppt", sentence.strip().lower()):
        return False  # table cells or slide bullets flattened into a line
    if re.search(r"[%％][\u4e00-\u9fff]{1,4}率", sentence):
        return False  # "完好率在100%投诉率在0.5%下": two targets of a table run together
    if len(re.findall(r"[\d\u4e00-\u9fff]\s+[\d\u4e00-\u9fff]", sentence.strip())) >= 2:
        return False  # "白班08:00-17:00 两人晚班17:00-01:00 两人…": a timetable's cells
    stripped = sentence.strip()
    opening_time = TIME_KEY.match(stripped)
    if opening_time:
        stripped = (
            "时" + stripped[opening_time.end() :]
        )  # "12:00-14:00处理…": a schedule line opens with its time
    if re.search(r"[①-⑳]|——|[a-z][.、]|^\d|[^\d:：]:\s*[a-z\d]", stripped):
        return False  # a heading or list marker glued into the sentence
    if re.search(r"[^\d]\d{1,2}[.、．](?!\d)|我们将|我鼓励|我们有信心|我认为", sentence):
        return False  # a run-on of list items, or a plan's intentions rather than a rule
    if sentence.rstrip().endswith(("?", "？")):
        return False  # a question asks, it does not state a rule
    norm = normalize(compact)
    if _JUNK.search(norm) or _DUTY.match(norm) or _SPUN.search(norm):
        return False
    # Unbalanced quotes or brackets mean the sentence was cut mid-way.
    for left, right in ("“”", "（）", "()", "《》", "「」"):
        if norm.count(left) != norm.count(right):
            return False
    if anaphoric(norm) or repeated_heading(norm):
        return False
    if defines_concept(norm):
        return False
    if glued_heading(norm) or re.search(rf"[^\W\d_]{{{RUN_ON_CHARS},}}", norm):
        return False
    if re.match(r"第[一二三四五六七八九十\d]+次", norm):
        return False  # "第二次罚款100元": the offence it punishes was in an earlier sentence
    if _CONDITIONAL_RULE.match(norm):
        return True  # "如设计师…的,则…": the condition is part of the rule
    return not norm.startswith(
        ("如", "但", "而", "并", "且", "同时", "此外", "因此", "所以", "这", "那", "其")
    )


@functools.lru_cache(maxsize=1)
def _dictionary() -> dict[str, int]:
    """jieba's word frequencies (its bundled dictionary), to tell a word from a glued label."""
    tokenizer = _tagger().tokenizer
    tokenizer.check_initialized()
    return tokenizer.FREQ


@functools.lru_cache(maxsize=1)
def _tagger():
    try:
        import jieba
        import jieba.posseg
    except ImportError as exc:  # pragma: no cover
        raise ImportError("jieba is not available - pip install jieba") from exc
    # A private tokenizer: nothing added to it changes how search or QA tokenise.
    return jieba.posseg.POSTokenizer(jieba.Tokenizer())


def opens_with_quantity(sentence: str) -> bool:
    """True when the statement opens with its number or frequency ("每月一次檢查…").

    Cut from a list item or a longer run, it has lost whoever does the task
    (blind review 7). A clock time may open a schedule line ("12:00-14:00处理…").
    """
    stripped = _LEADING.sub("", sentence.strip())
    return any(k.start == 0 and k.kind != "time" for k in quantity_keys(stripped))


def has_subject(window: str) -> bool:
    """True when a clause window names who or what it is about before its first number.

    A window that opens with its quantity, or with a verb ("檢查…,每月一次":
    the nouns after the verb are its object), is a task without an actor.
    """
    if opens_with_quantity(window):
        return False
    keys = quantity_keys(window)
    head = window[: keys[0].start] if keys else window
    head = _CONDITION_OPENER.sub("", head)  # "如设计师…": the subject follows the condition word
    tags = [(w, f) for w, f in _tagger().cut(head) if w.strip() and f not in ("x", "w")]
    if not tags:
        return False
    # A clause that opens with a verb has no subject: the nouns after it are its object. A
    # verbal noun counts as the verb when another verb follows it at once ("檢查|入伙").
    first, second = tags[0][1], tags[1][1] if len(tags) > 1 else ""
    return not (first.startswith("v") and (first != "vn" or second == "v"))


def _clauses(sentence: str) -> list[str]:
    return [c for c in re.split(r"(?<=[，,])", sentence) if c]


def _windowable(sentence: str) -> bool:
    """A long sentence whose clauses may be asked alone: not debris, a table or a job posting.

    A stray line break inside a word ("该客 户") is tolerated; flattened
    table cells (several gaps) are not.
    """
    norm = normalize(sentence)
    if _JUNK.search(norm) or _SPUN.search(norm) or _DUTY.match(norm) or anaphoric(norm):
        return False
    gaps = re.findall(r"[\w)）]\s+[\w(（]", sentence.strip())
    return len(gaps) <= 2 and not re.search(r"\s{2,}|\.(?:xls|doc|ppt|pdf)", sentence)


def key_windows(sentence: str) -> list[str]:
    """Readable pieces of a long sentence, one around each number or clock time.

    Scraped manuals run whole paragraphs together with commas ("上班时间:白班9:00-18:00,
    晚班14:00-23:00,每周单休,…,不允许出现…的情况"): the clause with the number,
    back to a clause that can open a statement (and its condition, if it has
    one), and on to about :data:`WINDOW_CHARS` characters, is a fact of its own.
    """
    clauses = _clauses(sentence)
    offsets = [sum(len(c) for c in clauses[:i]) for i in range(len(clauses))]
    out: list[str] = []
    covered = -1
    for key in quantity_keys(sentence):
        if key.start < covered:
            continue  # already inside the previous window
        i = max(n for n, start in enumerate(offsets) if start <= key.start)
        j = i
        if _CONDITION_OPENER.match(clauses[0]):
            j = 0  # the number only holds under the opening condition
        while j > 0 and (
            _CONTINUES.match(clauses[j])
            or _CONDITION_OPENER.match(clauses[j - 1])
            or clauses[j - 1].endswith("的,")
        ):
            j -= 1
        end = i + 1
        while (
            end < len(clauses)
            and len("".join(clauses[j : end + 1])) <= WINDOW_CHARS
            and not _CONDITION_OPENER.match(clauses[end])
        ):
            end += 1
        covered = offsets[end - 1] + len(clauses[end - 1])
        # Back to a clause that opens a statement; failing that (a topic clause that is
        # debris), the number's own clause when it can open one.
        starts = [j] + ([i] if i != j and not _CONTINUES.match(clauses[i]) and j > 0 else [])
        for start in starts:
            window = _TRAILING.sub("", "".join(clauses[start:end]))
            if window and len(window) < len(sentence) and is_clean_sentence(window) and has_subject(window):
                if window not in out:
                    out.append(window)
                break
    return out


def clean_headings(headings: list[str], document: str) -> list[str] | None:
    """The last two meaningful headings, without the document title or stale list items.

    Numbered list items ("二、以下情况不予保价：") are kept as context for the
    sentences under them, but an item that precedes a later section heading
    belongs to the previous section and is dropped.
    """
    out = []
    norm_doc = normalize(document)
    for i, raw in enumerate(headings):
        heading = _TRAILING.sub("", raw.strip())
        norm = normalize(heading)
        if _PLAN.search(norm):
            return None  # a work plan's targets and wishes, not rules to be tested on
        if not heading or _JUNK.search(norm) or (norm_doc and (norm in norm_doc or norm_doc in norm)):
            continue
        if i == 0 and len(headings) > 1 and not _SECTION.match(heading) and not _ITEM.match(heading):
            continue  # the document's own title line
        if _ITEM.match(heading) and any(_SECTION.match(h.strip()) for h in headings[i + 1 :]):
            continue
        heading = _ITEM.sub("", heading).strip()[:30]
        if len(_CJK.findall(heading)) >= 2:
            out.append(heading)
    return out[-2:]


def cut_at_semicolon(sentence: str, text: str) -> bool:
    """True when ``sentence`` ends at a semicolon of ``text`` and the text after it continues it.

    "物業服務中心實行周一至周五8:30-18:00；周六、日…業主接待": the first piece has
    lost its object to the second and cannot stand alone.
    """
    at = text.find(sentence)
    if at < 0:
        return False
    rest = text[at + len(sentence) :]
    m = re.match(r"\s*[；;]", rest)
    return bool(m) and not _NEXT_ITEM.match(rest[m.end() :])


def vague_consequence(sentence: str) -> bool:
    """True when the rule leaves its consequence to judgement (根据具体情况, 相应的处罚)."""
    return bool(_VAGUE_CONSEQUENCE.search(normalize(sentence)))


_ITEM_MARK = re.compile(
    r"[（(]([一二三四五六七八九十])[)）]|(?<![\d.])(\d{1,2})[、．]|([一二三四五六七八九十])、"
)
_HAN = "一二三四五六七八九十"


def _item_mark(text: str) -> tuple[int, int] | None:
    """(style, number) of a list marker ("(四)", "4、", "四、")."""
    m = _ITEM_MARK.match(text.strip())
    if not m:
        return None
    style = m.lastindex or 0
    value = m.group(style)
    return style, (int(value) if value.isdigit() else _HAN.index(value) + 1)


def past_item(sentence: str, text: str, heading: str) -> bool:
    """True when a later item of the same list starts before ``sentence`` in ``text``.

    Under "(四)租賃清冊內容" the chunk goes on "(五)客服部主管每月出一份…": the
    sentence belongs to item five, not to the heading carried over from item four.
    """
    item, at = _item_mark(heading), text.find(sentence)
    if item is None or at < 0:
        return False
    for m in _ITEM_MARK.finditer(text[:at]):
        if m.lastindex == item[0]:
            value = m.group(m.lastindex)
            if (int(value) if value.isdigit() else _HAN.index(value) + 1) > item[1]:
                return True
    return False


def heading_spans(chunks) -> dict[tuple[int, str], int]:
    """Characters of text under each (document, heading chain): how far a heading reaches."""
    spans: dict[tuple[int, str], int] = {}
    for chunk in chunks:
        if chunk["kind"] == "text":
            key = (chunk["doc_id"], chunk["headings"] or "[]")
            spans[key] = spans.get(key, 0) + len(chunk["text"])
    return spans


def chunk_facts(chunk, spans: dict[tuple[int, str], int] | None = None) -> list[Fact]:
    """Candidate fact sentences of one ``text`` chunk (sqlite row or dict).

    ``spans`` (from :func:`heading_spans` over the whole KB) marks headings that run on
    too far to be trusted; their sentences are quoted under the document title alone.
    """
    doc = chunk["doc_title"] or chunk["doc_name"]
    headings = clean_headings(json.loads(chunk["headings"] or "[]"), doc)
    if headings is None:
        return []
    if spans and spans.get((chunk["doc_id"], chunk["headings"] or "[]"), 0) > HEADING_SPAN_CHARS:
        headings = []
    raw_last = (json.loads(chunk["headings"] or "[]") or [""])[-1]
    sentences = fact_sentences(chunk["text"])
    if not sentences:
        return []
    duties = sum(1 for s in sentences if _DUTY.match(normalize(s)))
    if duties > MAX_DUTY_SHARE * len(sentences):
        return []
    if any(_SPUN.search(normalize(s)) for s in sentences):
        return []  # a spun copy is spun throughout: its "clean" sentences carry subtler substitutions
    facts = []
    continued = False
    for whole in sentences:
        # The part after a semicolon that continues the sentence before it ("…實行周一至周五
        # 8:30-18:00；周六、日9:00-17:00業主接待…") has lost its subject to that part (blind review 11).
        after_cut, continued = continued, cut_at_semicolon(whole, chunk["text"])
        if after_cut:
            continue
        pieces = [whole]
        if len(re.sub(r"\s+", "", whole)) > MAX_CHARS and _windowable(whole):
            pieces = key_windows(whole)  # a long run-on still holds numeric rules
        for piece in pieces:
            sentence = unglue_letter(piece)
            if not is_clean_sentence(sentence) or vague_consequence(sentence):
                continue
            if opens_with_quantity(sentence):
                continue  # "每月一次檢查…": whose task it is was left in the previous sentence
            if cut_at_semicolon(sentence, chunk["text"]):
                continue
            own = headings
            if headings and past_item(sentence, chunk["text"], raw_last):
                own = headings[:-1]  # the item heading was carried over from an earlier item
            if not own and len(re.sub(r"[\W_]", "", sentence)) < MIN_CHARS:
                # "服务响应时间不超过24小时": a sentence this short says whose rule or target it is
                # only through its section; under none it reads as a rule of every job (blind review 12).
                continue
            if unresolved_opener(sentence, own):
                continue  # "活动结束后…" under no heading that says which activity
            facts.append(
                Fact(
                    sentence,
                    doc,
                    own,
                    chunk["id"],
                    bool(_NORMATIVE.search(sentence)),
                    json.loads(chunk["tags"] or "[]"),
                    chunk["doc_name"],
                )
            )
    return facts


def collect_facts(chunks, all_chunks=None) -> list[Fact]:
    """Facts of every text chunk, each distinct sentence once (corpora repeat whole pages).

    ``all_chunks`` (default ``chunks``) is the whole KB, for how far each heading reaches.
    """
    spans = heading_spans(chunks if all_chunks is None else all_chunks)
    seen: set[str] = set()
    facts = []
    for chunk in chunks:
        if chunk["kind"] != "text":
            continue
        for fact in chunk_facts(chunk, spans):
            norm = re.sub(r"\W", "", normalize(fact.sentence))
            if norm not in seen:
                seen.add(norm)
                facts.append(fact)
    return facts
