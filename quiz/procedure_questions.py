"""Step-order questions from the manuals' numbered procedures.

A mixin of :class:`quiz.builder.QuestionBuilder`: the methods use the builder's
state (``rng``, ``all_chunks``) and helpers (``document_label``, ``_options``,
``_difficulty``).
"""

from __future__ import annotations

from quiz.models import SINGLE, Question, Source, fact_fingerprint
from quiz.procedures import Procedure, echoes_previous, find_procedures, is_attitude

PROCEDURE_STEM_FIRST = "第一步是（　　）。"


class ProcedureQuestions:
    """ "第一步是？" / "下一步是？" items (mixed into the builder)."""

    def procedure_questions(self, chunks) -> list[Question]:
        """ "第一步是？" and "……之后的下一步是？" from the manuals' numbered procedures.

        The options are other steps of the same procedure. Each procedure gives
        its first step and disjoint pairs of consecutive steps (2->3, 4->5, ...),
        so no two of its questions ask the same fact.
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
            start = len(out)
            prefix = f"根据《{proc.document}》“{proc.name}”，"
            wrong = self.rng.sample(steps[1:], 3)
            if not is_attitude(steps[0]):  # "保持心情平静" first: a state of mind, not a step to order
                out.append(
                    self._procedure_question(proc, prefix + PROCEDURE_STEM_FIRST, steps[0], wrong, steps[0])
                )
                continue  # one question per procedure: a second one would give away the first
            for k in range(1, len(steps) - 1, 2):
                rest = [step for i, step in enumerate(steps) if i not in (k, k + 1)]
                if len(rest) < 3:
                    break
                if is_attitude(steps[k]) or is_attitude(steps[k + 1]):
                    continue
                if echoes_previous(steps[k], steps[k + 1]):
                    continue  # "审核资料无误后…" right after "审核…资料": the wording gives it away
                out.append(
                    self._procedure_question(
                        proc,
                        prefix + f"“{steps[k]}”之后的下一步是（　　）。",
                        steps[k + 1],
                        self.rng.sample(rest, 3),
                        f"{steps[k]}；{steps[k + 1]}",
                    )
                )
                if len(out) > start:
                    break
        return out

    def _procedure_question(
        self, proc: Procedure, stem: str, right: str, wrong: list[str], sentence: str
    ) -> Question:
        return Question(
            SINGLE,
            stem,
            self._options(right, wrong),
            right,
            proc.explanation() + f"（出自《{proc.document}》）",
            Source(proc.doc_name or proc.document, list(proc.headings), sentence, proc.chunk_id),
            self._difficulty(SINGLE, 0.4),
            right,
            fact_fingerprint(proc.name + sentence, right),
        )
