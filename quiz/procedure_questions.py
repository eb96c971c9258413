"""Step-order questions from the manuals' numbered procedures.

A mixin of :class:`quiz.builder.QuestionBuilder`: the methods use the builder's
state (``rng``, ``all_chunks``) and helpers (``document_label``, ``_options``,
``_difficulty``).
"""

from __future__ import annotations

import re

from quiz.keys import strip_asides
from quiz.models import SINGLE, Question, Source, fact_fingerprint
from quiz.procedures import Procedure, find_procedures, inferable_order, is_attitude, obvious_first_step
from quiz.sources import HEADING_SPAN_CHARS, heading_spans

PROCEDURE_STEM_FIRST = "第一步是（　　）。"
LATER_STEPS = 3  # wrong options, all from the steps after the answer


class ProcedureQuestions:
    """ "下一步是？" items (mixed into the builder)."""

    def procedure_questions(self, chunks) -> list[Question]:
        """ "……之后的下一步是？" from the manuals' numbered procedures, one per procedure.

        The wrong options are steps that come after the answer, so "the
        earliest-looking option" is the only shortcut left, and it needs the
        procedure. A pair whose order common sense gives (a later stage of any
        procedure, the same object carried on) is not asked; the first step
        never is, and the answer is never the last step.
        """
        # Steps are read from whole documents (a topic's chunks leave gaps), then kept
        # when the procedure starts in one of the chunks asked for.
        wanted = {c["id"] for c in chunks}
        docs = {c["doc_id"] for c in chunks}
        whole = [c for c in self.all_chunks if c["doc_id"] in docs]
        out = []
        for proc in find_procedures(whole, self.document_label):
            if proc.chunk_id not in wanted:
                continue
            steps = proc.steps
            section = self.procedure_section(proc)
            prefix = f"根据《{proc.document}》“{' > '.join([*section, proc.name])}”，"
            if obvious_first_step(proc.name, steps[0]):
                continue  # the order of such a procedure is common sense from its first step on
            # No "第一步是？": the first step is the trigger (goods arrive, the customer asks,
            # the owner comes in), which every option presupposes (blind review 5). The wrong
            # options are steps that come *later* than the answer: with earlier steps among
            # them, the one option that can follow the step in the stem is guessed (blind
            # review 6). The answer is never the last step, which closes any procedure.
            for k in range(1, len(steps) - 1 - LATER_STEPS):
                later = steps[k + 2 :]
                if is_attitude(steps[k]) or is_attitude(steps[k + 1]):
                    continue
                if any(is_attitude(step) for step in later):
                    continue  # a state of mind has no place in the order
                if inferable_order(steps[k], steps[k + 1]):
                    continue  # "记录" before "提出方案", or "审核资料无误后…": common sense gives it away
                # Options carry the steps without their bracketed asides: a gloss on one
                # step ("表明立场(转移责任)") marks it out by form alone (blind review 7).
                right = strip_asides(steps[k + 1])
                wrong = [strip_asides(step) for step in self.rng.sample(later, LATER_STEPS)]
                if not right or not all(wrong) or len({right, *wrong}) < 1 + LATER_STEPS:
                    continue
                out.append(
                    self._procedure_question(
                        proc,
                        prefix + f"“{steps[k]}”之后的下一步是（　　）。",
                        right,
                        wrong,
                        f"{steps[k]}；{steps[k + 1]}",
                    )
                )
                break  # one question per procedure: a second one would give away the first
        return out

    def procedure_section(self, proc: Procedure) -> list[str]:
        """The heading that says what the procedure handles ("售后及中差评应急方案"), if trustworthy.

        A heading that runs on over a long stretch of a scraped file was carried
        over from an earlier section: then the document title alone is given.
        """
        chunk = self.by_id[proc.chunk_id]
        if self._heading_spans is None:
            self._heading_spans = heading_spans(self.all_chunks)
        if self._heading_spans.get((chunk["doc_id"], chunk["headings"] or "[]"), 0) > HEADING_SPAN_CHARS:
            return []
        names = [
            re.sub(r"^[\d一二三四五六七八九十]{1,2}[、.．]\s*|[《》]", "", h).strip() for h in proc.headings
        ]
        return [n for n in names if n and n != proc.name]

    def _procedure_question(
        self, proc: Procedure, stem: str, right: str, wrong: list[str], sentence: str
    ) -> Question:
        return Question(
            SINGLE,
            stem,
            self._options(right, wrong),
            right,
            proc.explanation() + f"（出自《{proc.document}》）",
            Source(proc.doc_name or proc.document, self.procedure_section(proc), sentence, proc.chunk_id),
            self._difficulty(SINGLE, 0.4),
            right,
            fact_fingerprint(proc.name + sentence, right),
        )
