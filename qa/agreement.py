"""Agreement between the machine's verdicts and the reviewers', per rule.

A "fail" is the positive class: precision of the machine's fails is the share of them
the reviewers confirmed; recall is the share of the reviewers' fails the machine found.
A rule the machine fails often but reviewers overturn is one to rewrite; a rule whose
fails the reviewers keep adding by hand misses what it should catch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXAMPLES_PER_RULE = 5


@dataclass
class RuleAgreement:
    """Machine against reviewers for one rule over the reviewed rule results."""

    rule_id: str
    description: str = ""
    reviewed: int = 0
    agreed: int = 0
    both_fail: int = 0  # machine fail, reviewer fail
    false_fail: int = 0  # machine fail, reviewer pass or N/A
    missed_fail: int = 0  # machine pass or N/A, reviewer fail
    examples: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        flagged = self.both_fail + self.false_fail
        return round(self.both_fail / flagged, 4) if flagged else None

    @property
    def recall(self) -> float | None:
        actual = self.both_fail + self.missed_fail
        return round(self.both_fail / actual, 4) if actual else None

    @property
    def agreement(self) -> float | None:
        return round(self.agreed / self.reviewed, 4) if self.reviewed else None

    def as_dict(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "description": self.description,
            "reviewed": self.reviewed,
            "agreed": self.agreed,
            "agreement": self.agreement,
            "machine_fail_confirmed": self.both_fail,
            "machine_fail_overturned": self.false_fail,
            "machine_missed_fail": self.missed_fail,
            "precision": self.precision,
            "recall": self.recall,
            "disagreements": self.examples,
        }


def rule_agreement(rows: list[dict], descriptions: dict[str, str] | None = None) -> list[RuleAgreement]:
    """Per-rule agreement from rows with ``machine`` and human ``verdict`` (``reviewed_rule_results``)."""
    descriptions = descriptions or {}
    by_rule: dict[str, RuleAgreement] = {}
    for row in rows:
        rule = by_rule.setdefault(
            row["rule_id"], RuleAgreement(row["rule_id"], descriptions.get(row["rule_id"], ""))
        )
        rule.reviewed += 1
        machine_fail, human_fail = row["machine"] == "fail", row["verdict"] == "fail"
        if row["machine"] == row["verdict"]:
            rule.agreed += 1
        elif len(rule.examples) < EXAMPLES_PER_RULE:
            rule.examples.append(
                {
                    key: row.get(key)
                    for key in (
                        "scorecard_id",
                        "conversation_id",
                        "agent",
                        "machine",
                        "verdict",
                        "reviewer",
                        "comment",
                        "message",
                    )
                }
            )
        if machine_fail and human_fail:
            rule.both_fail += 1
        elif machine_fail:
            rule.false_fail += 1
        elif human_fail:
            rule.missed_fail += 1
    return [by_rule[key] for key in sorted(by_rule)]
