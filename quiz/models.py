"""Questions and quizzes as plain data, shared by generation, storage and export."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field

from common.textnorm import fold_punct, normalize

# Question types: the generator, the store, the exporters and the grader all use these names.
SINGLE = "single"  # one correct option among four
TRUE_FALSE = "tf"  # a statement that is true or false
CLOZE = "cloze"  # type the missing word or number
SCENARIO = "scenario"  # a customer's message: pick the approved reply
MULTIPLE = "multi"  # several right options among the choices (trainer-written or imported)
QUESTION_TYPES = (SINGLE, TRUE_FALSE, CLOZE, SCENARIO)  # the types the generator makes
ALL_TYPES = (*QUESTION_TYPES, MULTIPLE)  # every type a quiz may hold
CHOICE_TYPES = (SINGLE, SCENARIO)
OPTION_TYPES = (SINGLE, SCENARIO, MULTIPLE, TRUE_FALSE)  # answered by picking options

# User-facing labels (exports, CLI, web).
TYPE_LABELS = {
    SINGLE: "单选题",
    TRUE_FALSE: "判断题",
    CLOZE: "填空题",
    SCENARIO: "情景题",
    MULTIPLE: "多选题",
}
LABEL_TYPES = {label: kind for kind, label in TYPE_LABELS.items()}
TRUE_TEXT, FALSE_TEXT = "正确", "错误"
LETTERS = "ABCDEFGH"
BLANK = "（　　）"  # the gap in single-choice and cloze stems
ANSWER_JOIN = "；"  # between the right options of a multiple-answer item in ``Question.answer``

DRAFT, PUBLISHED = "draft", "published"
# When a taker sees the answer keys of their attempt (the trainer chooses per quiz).
SHOW_ANSWERS = {
    "after_close": "测验关闭后",
    "after_submit": "完整作答并提交后",
    "after_last_attempt": "用完作答次数且答完后",
    "never": "从不",
}
DEFAULT_SHOW_ANSWERS = "after_close"

_SPACE_PUNCT = re.compile(r"[\s,.;:!?\"'“”‘’()（）、。，；：！？【】\[\]《》<>…·\-]+")


def answer_key(text: str) -> str:
    """Comparable form of an answer: normalised, punctuation and spaces removed."""
    return _SPACE_PUNCT.sub("", fold_punct(normalize(str(text))))


def fact_fingerprint(sentence: str, key: str) -> str:
    """Identity of the fact a question tests (its source sentence and key)."""
    raw = f"{answer_key(sentence)}|{answer_key(key)}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


@dataclass
class Source:
    """Where a question's fact comes from, so a reviewer can check it."""

    document: str = ""
    headings: list[str] = field(default_factory=list)
    sentence: str = ""
    chunk_id: int | None = None
    version: int | None = None  # the document's version the fact was read from (set by the bank)
    fact_id: str = ""  # the typed fact asked (quiz/facts.py), so a bank can tell two questions on one fact
    fact_kind: str = ""  # number | approver | document | procedure | reply | rule

    def label(self) -> str:
        """``《document》 chapter > section`` for exports and the explanation."""
        parts = [f"《{self.document}》"] if self.document else []
        if self.headings:
            parts.append(" > ".join(self.headings))
        return " ".join(parts)


@dataclass
class Question:
    """One quiz item.

    ``answer`` is the text of the correct option for choice types, ``正确`` or
    ``错误`` for true/false and the expected text for cloze (``accepted`` lists
    other spellings a grader takes as right).
    """

    type: str
    stem: str
    options: list[str] = field(default_factory=list)
    answer: str = ""
    explanation: str = ""
    source: Source = field(default_factory=Source)
    difficulty: float = 0.5
    key: str = ""
    fingerprint: str = ""
    accepted: list[str] = field(default_factory=list)
    id: int | None = None
    position: int = 0
    answers: list[str] = field(default_factory=list)  # the right options of a multiple-answer item

    def __post_init__(self) -> None:
        if isinstance(self.source, dict):
            self.source = Source(**self.source)
        if self.type not in ALL_TYPES:
            raise ValueError(f"unknown question type {self.type!r}; expected one of {', '.join(ALL_TYPES)}")
        if self.type == MULTIPLE and self.answers and not self.answer:
            self.answer = ANSWER_JOIN.join(self.answers)
        if self.type == TRUE_FALSE and not self.options:
            self.options = [TRUE_TEXT, FALSE_TEXT]

    @property
    def answer_letter(self) -> str:
        """``A``-``D`` for choice types, '' otherwise (or when the answer is not an option)."""
        if self.type in CHOICE_TYPES and self.answer in self.options:
            return LETTERS[self.options.index(self.answer)]
        if self.type == MULTIPLE and self.answers and all(a in self.options for a in self.answers):
            return "".join(LETTERS[i] for i, o in enumerate(self.options) if o in self.answers)
        return ""

    @property
    def difficulty_label(self) -> str:
        """容易 / 中等 / 较难 from the 0-1 estimate."""
        return "容易" if self.difficulty < 0.4 else "中等" if self.difficulty < 0.65 else "较难"

    def validate(self) -> list[str]:
        """Problems that make the item unusable (empty list when fine)."""
        problems = []
        if not self.stem.strip():
            problems.append("题目为空")
        if not str(self.answer).strip():
            problems.append("答案为空")
        if self.type in CHOICE_TYPES:
            if len(self.options) < 2:
                problems.append("选项少于两个")
            if len({answer_key(o) for o in self.options}) != len(self.options):
                problems.append("选项重复")
            if self.answer not in self.options:
                problems.append("答案不在选项中")
        if self.type == MULTIPLE:
            if len(self.options) < 2:
                problems.append("选项少于两个")
            if len({answer_key(o) for o in self.options}) != len(self.options):
                problems.append("选项重复")
            if not self.answers:
                problems.append("多选题至少要有一个正确选项")
            elif any(a not in self.options for a in self.answers):
                problems.append("正确选项不在选项中")
        if self.type == TRUE_FALSE and self.answer not in (TRUE_TEXT, FALSE_TEXT):
            problems.append("判断题答案须为“正确”或“错误”")
        return problems

    def as_dict(self) -> dict:
        data = asdict(self)
        data["type_label"] = TYPE_LABELS[self.type]
        data["answer_letter"] = self.answer_letter
        return data


@dataclass
class Quiz:
    """A set of questions; a draft until published, then frozen for attempts."""

    title: str
    questions: list[Question] = field(default_factory=list)
    id: int | None = None
    status: str = DRAFT
    topic: str = ""
    documents: list[str] = field(default_factory=list)
    seed: int = 1
    created_at: float = 0.0
    published_at: float | None = None
    notes: list[str] = field(default_factory=list)
    show_answers: str = DEFAULT_SHOW_ANSWERS
    closed_at: float | None = None
    # How the quiz is taken (Moodle's quiz settings); see quiz/attempts.py.
    shuffle_questions: bool = False
    shuffle_options: bool = True
    time_limit_minutes: int = 0  # 0: no limit
    attempts_allowed: int = 0  # 0: unlimited
    opens_at: float | None = None
    closes_at: float | None = None  # takes no attempt after this; keys "after close" show from then
    pass_percent: float = 60.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["questions"] = [q.as_dict() for q in self.questions]
        return data


# The per-quiz settings of how it is taken, stored together (quiz/store.py) and set by the trainer.
DELIVERY_FIELDS = (
    "shuffle_questions",
    "shuffle_options",
    "time_limit_minutes",
    "attempts_allowed",
    "opens_at",
    "closes_at",
    "pass_percent",
)
