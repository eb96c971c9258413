"""Turn knowledge-base chunks into candidate fact sentences, dropping junk sources.

Scraped manuals are noisy: pages of job-posting duties, table debris, ads for
the site they were copied from, headings glued to text. A question is only as
good as the sentence it comes from, so this step is strict: a sentence must be
readable on its own and state something a trainee can be checked on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from common.textnorm import normalize

# A sentence ends at 。！？； or a line break; list items glued into one line
# ("1、…;2、…") become separate sentences too.
_SPLIT = re.compile(
    r"(?<=[。！？!?；;])|\n+|(?<=[\u4e00-\u9fff，,])\s*(?=(?:\d{1,2}|[一二三四五六七八九十]{1,2})[、．.](?!\d))"
)
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
RUN_ON_CHARS = 36  # this many characters without any punctuation: garbled or run-together copy
_COMMON_GRAMS = {"客服", "客户", "人员", "公司", "服务"}
# Job-posting duties ("负责…", "熟悉…") are lists of tasks, not checkable facts.
_DUTY = re.compile(
    r"^(?:负责|协助|熟悉|具备|完成|参与|配合|热爱|为人|能够|善于|具有|有较强|有良好|精通|掌握|了解|"
    r"认真|积极|努力|及时|做好|组织|制定|建立|定期|主持|监督|督促|跟进|收集|处理|维护|执行)"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PLAN = re.compile(r"预期成果|工作计划|工作总结|心得|展望")
_SECTION = re.compile(r"^第[一二三四五六七八九十\d]+[章节部分篇]")
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
GLUE_CHARS = 20  # a semicolon piece shorter than this continues the previous sentence
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


def split_sentences(text: str) -> list[str]:
    """Sentences of a chunk without list enumerators and trailing separators.

    A short piece after a semicolon ("第二次罚款100元；第三次…") has no subject
    of its own: it stays with the sentence before it.
    """
    out: list[str] = []
    glue = False
    for piece in _SPLIT.split(text):
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
    for length in (2, 3, 4):
        head = norm[:length]
        if len(_CJK.findall(head)) != length or head in _COMMON_GRAMS or head == "工作":
            continue
        if head in norm[length + 1 : 2 * length + 4]:
            return True
    return False


def anaphoric(sentence: str) -> bool:
    """True when the sentence's subject (违规/此类/上述/该…) refers back to an earlier one."""
    norm = normalize(re.sub(r"\s+", "", sentence))
    return bool(_ANAPHOR.match(norm) or _BARE_PENALTY.search(norm))


def defines_concept(sentence: str) -> bool:
    """True when the sentence defines a general concept or method rather than stating a rule."""
    return bool(_DEFINITION.search(normalize(sentence)))


def is_clean_sentence(sentence: str) -> bool:
    """Long enough, mostly Chinese, no web debris, not a job duty."""
    compact = re.sub(r"\s+", "", sentence)
    if not MIN_CHARS <= len(compact) <= MAX_CHARS:
        return False
    if len(_CJK.findall(compact)) < MIN_CJK_SHARE * len(compact):
        return False
    if re.search(r"\s{2,}|[\u4e00-\u9fff,，]\s+[\u4e00-\u9fff]|[•*]|ppt", sentence.strip().lower()):
        return False  # table cells or slide bullets flattened into a line
    if re.search(r"[①-⑳]|——|[a-z][.、]|^\d|[^\d]:\s*[a-z\d]", sentence.strip()):
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
    return not norm.startswith(
        ("如", "但", "而", "并", "且", "同时", "此外", "因此", "所以", "这", "那", "其")
    )


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


def chunk_facts(chunk) -> list[Fact]:
    """Candidate fact sentences of one ``text`` chunk (sqlite row or dict)."""
    doc = chunk["doc_title"] or chunk["doc_name"]
    headings = clean_headings(json.loads(chunk["headings"] or "[]"), doc)
    if headings is None:
        return []
    sentences = split_sentences(chunk["text"])
    if not sentences:
        return []
    duties = sum(1 for s in sentences if _DUTY.match(normalize(s)))
    if duties > MAX_DUTY_SHARE * len(sentences):
        return []
    if any(_SPUN.search(normalize(s)) for s in sentences):
        return []  # a spun copy is spun throughout: its "clean" sentences carry subtler substitutions
    facts = []
    for sentence in sentences:
        if is_clean_sentence(sentence):
            facts.append(
                Fact(
                    sentence,
                    doc,
                    headings,
                    chunk["id"],
                    bool(_NORMATIVE.search(sentence)),
                    json.loads(chunk["tags"] or "[]"),
                    chunk["doc_name"],
                )
            )
    return facts


def collect_facts(chunks) -> list[Fact]:
    """Facts of every text chunk, each distinct sentence once (corpora repeat whole pages)."""
    seen: set[str] = set()
    facts = []
    for chunk in chunks:
        if chunk["kind"] != "text":
            continue
        for fact in chunk_facts(chunk):
            norm = re.sub(r"\W", "", normalize(fact.sentence))
            if norm not in seen:
                seen.add(norm)
                facts.append(fact)
    return facts
