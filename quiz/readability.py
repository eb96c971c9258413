"""Refusal stages for text that cannot be read as is: broken scraps, template marks, stems without subject.

A question is only as good as the sentence it prints. A fact is refused when its sentence
(or its key, for a reply) carries a template placeholder or stray marker, opens with a cut
fragment or a glued item number, has unbalanced brackets or a space inside a word, leans on
earlier text (他们…, 上述…) or opens with a bare condition ("超过3分钟的，…") whose subject
was in a heading or list intro. The markers are data (quiz/fact_rules.toml ``[readability]``).
"""

from __future__ import annotations

import re
from functools import cache

from quiz.fact_patterns import ITEM, is_name
from quiz.facts import Fact, fact_rules

_CUT_START = re.compile(r"^\s*[)）\]】》」,，、。；;:：”’]")
_GLUED_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\s+[\u4e00-\u9fff]")  # "1.2 处理投诉售后团队…"
# "行为：1.禁止…": a list glued to its label
_GLUED_ITEM = re.compile(r"[:：]\s*(?:\d{1,2}[.、．](?!\d)|[①-⑳])")
_SPLIT_WORD = re.compile(r"[\u4e00-\u9fff] +[\u4e00-\u9fff]")
_LEAD_CLAUSE = re.compile(r"^([^，,。；;]{1,24}?)(?:的|者)[，,]")
_DIGIT_START = re.compile(r"^\s*\d")
# "工作质量目标第七条客服部…": an article or chapter number inside a sentence is a heading glued to it
# (a cross-reference "按第七条规定" is preceded by its preposition).
_GLUED_ARTICLE = re.compile(
    r"(?<=[\u4e00-\u9fff])(?<![据照按依见本即和及至、与])第[一二三四五六七八九十百\d]{1,3}[条條章节節款篇](?![规規的所中之])"
)
# "…工作流程 1.每天上班…", "…意见⒌对象同事": a list item number inside a sentence marks glued items.
_INNER_ITEM = re.compile(
    r"[\u4e00-\u9fff]\s+\d{1,2}[.、．](?!\d)|(?<=.)[⒈-⒛⑴-⒇]|[:：]\s*\d{1,2}\.\d{1,2}\s*[\u4e00-\u9fff]"
)
_PLACEHOLDER = re.compile(r"\*[\u4e00-\u9fff]|[\u4e00-\u9fff]\*")  # "(*先生/*小姐)": a template slot
# "责任：以上…": a short label before the statement; the statement is judged without it.
_LABEL = re.compile(r"^[\u4e00-\u9fff]{1,6}[:：]\s*")
_PLACE_CONDITION = re.compile(r"^在\s*\d")  # "在24小时内反馈…的，": what is reported is in a heading
_CONNECTIVE = re.compile(r"^(?:首先|其次|然后|最后|同时|另外|此外|而且|并且|因此|所以)[,，、]?")


@cache
def _rules() -> dict:
    return fact_rules()["readability"]


def broken(text: str) -> str | None:
    """Why ``text`` is broken text, or None."""
    rules = _rules()
    bare = ITEM.sub("", text, count=1)
    if any(mark in text for mark in rules["broken_marks"]):
        return "含模板占位符或残留标记（**、※…）"
    if _CUT_START.match(bare) or _GLUED_NUMBER.match(bare) or _GLUED_ITEM.search(bare):
        return "以残缺片段或粘连的编号开头"
    if any(text.count(pair[0]) != text.count(pair[1]) for pair in rules["pairs"]):
        return "括号或引号不成对（文本被截断）"
    if _SPLIT_WORD.search(bare):
        return "词中夹有空格（网页断字）"
    if _GLUED_ARTICLE.search(bare):
        return "标题粘连在句子里（“…第七条…”）"
    if _INNER_ITEM.search(bare):
        return "句中夹有列表编号（条目粘连）"
    if _PLACEHOLDER.search(text):
        return "含模板占位符或残留标记（**、※…）"
    return None


def lacks_subject(sentence: str) -> str | None:
    """Why ``sentence`` does not stand alone, or None."""
    rules = _rules()
    bare = ITEM.sub("", sentence, count=1).lstrip()
    bare = _CONNECTIVE.sub("", bare, count=1)
    if _LABEL.sub("", bare, count=1).startswith(tuple(rules["anaphora"])) or bare.startswith(
        tuple(rules["anaphora"])
    ):
        return "指代前文（他们、上述…），单独读不懂"
    if any(word in bare for word in rules["inner_anaphora"]):
        return "指代前文（“违反上述规定的”），单独读不懂"
    if _LABEL.sub("", bare, count=1).startswith(tuple(rules["context_opening"])):
        return "开头承接前文的情形（“违者…”“核实后…”），单独读不懂是什么情况"
    lead = _LEAD_CLAUSE.match(bare)
    condition = lead.group(1) if lead else ""
    if condition and (
        condition.startswith(tuple(rules["bare_condition"]))
        or _DIGIT_START.match(condition)
        or _PLACE_CONDITION.match(condition)
    ):
        return "以缺少主语的条件开头（“超过…的，”）"
    return None


def unreadable(fact: Fact) -> str | None:
    """The first reason the fact's printed text is not readable as is, or None."""
    texts = [fact.sentence]
    if fact.kind in ("reply", "rule"):  # printed whole: the reply, or the action as an option
        texts.append(fact.key)
    if fact.kind == "procedure":  # what is printed: the name and the steps, not the scraped run
        texts = list(fact.detail.get("steps", []))
    for text in texts:
        reason = broken(text)
        if reason:
            return reason
    if fact.kind == "procedure":
        return not_a_sequence(fact)
    if fact.kind != "reply":
        return lacks_subject(fact.sentence)
    return None


def not_a_sequence(fact: Fact) -> str | None:
    """Why a procedure fact is a list without an order (duties, tiers), or None.

    Steps are a sequence when the procedure is named by the sentence introducing them or by
    their own (nearest) heading; a name taken from a higher heading ("服务流程" over "4. 售后服务")
    means the list is that subsection's content, often a duty list. A step ending in "…的" /
    "…者" is a condition cut from a tier table ("超过50元的补偿"), and steps mixing bare names
    with amounts are the tiers themselves.
    """
    name = fact.detail.get("name", "")
    steps = fact.detail.get("steps", [])
    if not name:
        return "流程没有名称，单独读不懂是哪个流程"
    headings = list(fact.headings)
    if name in headings[:-1] and headings and name != headings[-1]:
        return "流程名称来自上级标题，条目是本节内容（如职责清单），不是先后步骤"
    if any(step.rstrip("。；;，, ").endswith(("的", "者")) for step in steps):
        return "步骤是分级表里的条件片段（“…的”），不是先后步骤"
    if any(is_name(step) for step in steps) and any(re.search(r"\d", step) for step in steps):
        return "条目是金额分级和岗位，不是先后步骤"
    return None
