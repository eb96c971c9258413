"""The human review loop over stored scorecards: reviews, appeals, calibrations, weekly samples.

:class:`ReviewDesk` is what the Playbook core object hands to the CLI and the web app.
Who may do what is checked here, not in the views: an agent (whose transcript agent id
is their user name) only ever reaches their own scorecards, and an id that is not theirs
is answered exactly like one that does not exist.

The final score comes from qa/verdicts.py: human verdicts where given, the machine's
elsewhere, both kept.
"""

from __future__ import annotations

import json
import random
import sqlite3

from qa import review_store as store
from qa.agreement import rule_agreement
from qa.calibration import compare
from qa.rescore import diff_cards
from qa.sampling import SamplingPlan, draw_sample
from qa.scoring import FAIL, PASS
from qa.store import get_run, run_cards
from qa.verdicts import (
    APPEAL_DECISIONS,
    MAX_SAMPLE,
    VERDICT_WORDS,
    NotFound,
    ReviewError,
    apply_verdicts,
    checked_items,
    date_field,
    policy_facts,
    text_field,
    verdict_field,
)

__all__ = ["NotFound", "ReviewDesk", "ReviewError", "apply_verdicts"]


class ReviewDesk:
    """Review actions over the QA store; ``conn`` may be per-thread (common.db.ThreadConnections)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    # -- scorecards --------------------------------------------------------------------------
    def _stored(self, scorecard_id: int) -> tuple[dict, str]:
        row = self.conn.execute(
            "SELECT s.data, s.run_id, r.created_at, r.policy_text FROM qa_scorecards s"
            " JOIN qa_runs r ON r.id = s.run_id WHERE s.id = ?",
            (scorecard_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"没有编号为 {scorecard_id} 的评分卡")
        card = {
            **json.loads(row["data"]),
            "scorecard_id": scorecard_id,
            "run_id": row["run_id"],
            "created_at": row["created_at"],
        }
        return card, row["policy_text"]

    def scorecard(self, scorecard_id: int, agent: str | None = None) -> dict:
        """The final view of a scorecard with its reviews and appeals.

        ``agent``: the caller is that agent and may only see their own scorecards
        (:class:`NotFound` otherwise, as for a missing id).
        """
        card, policy_text = self._stored(scorecard_id)
        if agent is not None and card["agent"] != agent:
            raise NotFound(f"没有编号为 {scorecard_id} 的评分卡")
        pass_score, descriptions = policy_facts(policy_text)
        final = apply_verdicts(card, store.latest_reviews(self.conn, scorecard_id), pass_score)
        for rule in final["rules"]:
            rule["description"] = descriptions.get(rule["id"], "")
        final["reviews"] = store.review_history(self.conn, scorecard_id)
        final["appeals"] = store.list_appeals(self.conn, scorecard_id=scorecard_id)
        return final

    def review(self, scorecard_id: int, reviewer: str, items: object, appeal_id: int | None = None) -> dict:
        """Record a reviewer's verdicts on rules of a scorecard; returns the new final view.

        ``items``: ``[{"rule_id", "verdict", "comment", "message"}]``. Overturning a pass
        into a fail (a miss) must say which message it concerns.
        """
        card, policy_text = self._stored(scorecard_id)
        checked = checked_items(card, items)
        with self.conn:
            store.add_reviews(self.conn, scorecard_id, reviewer, checked, appeal_id=appeal_id)
            final = self._refresh(scorecard_id, card, policy_text)
        return final

    def _refresh(self, scorecard_id: int, card: dict, policy_text: str) -> dict:
        """Recompute and store the final score (inside the caller's transaction)."""
        pass_score, _ = policy_facts(policy_text)
        human = store.latest_reviews(self.conn, scorecard_id)
        final = apply_verdicts(card, human, pass_score)
        reviewed = len(human) >= len(card["rules"])
        store.set_final(self.conn, scorecard_id, final["score"], final["passed"], reviewed)
        return final

    def agent_scorecards(self, agent: str) -> list[dict]:
        """An agent's scorecards, latest per conversation, newest first, with final scores."""
        rows = self.conn.execute(
            "SELECT s.id AS scorecard_id, s.run_id, s.conversation_id, s.channel, s.started_at, s.score AS"
            " machine_score, s.final_score AS score, s.final_passed AS passed, s.reviewed, r.created_at,"
            " (SELECT COUNT(*) FROM qa_appeals a WHERE a.scorecard_id = s.id AND a.status = 'open')"
            " AS open_appeals"
            " FROM qa_scorecards s JOIN qa_runs r ON r.id = s.run_id WHERE s.agent = ? AND s.id = ("
            "  SELECT MAX(t.id) FROM qa_scorecards t WHERE t.agent = s.agent"
            "  AND t.conversation_id = s.conversation_id)"
            " ORDER BY s.id DESC",
            (agent,),
        )
        return [dict(r, passed=bool(r["passed"]), reviewed=bool(r["reviewed"])) for r in rows]

    # -- agreement ---------------------------------------------------------------------------
    def agreement(
        self, run_id: int | None = None, since: str | None = None, until: str | None = None
    ) -> dict:
        """Per-rule agreement of the machine with the reviewers (latest human verdict per rule result)."""
        since = date_field(since, "since") if since else None
        until = date_field(until, "until") if until else None
        rows = store.reviewed_rule_results(self.conn, run_id, since, until and until + "T99")
        descriptions = self._descriptions({r["run_id"] for r in rows})
        rules = rule_agreement(rows, descriptions)
        return {
            "run_id": run_id,
            "since": since,
            "until": until,
            "reviewed": len(rows),
            "scorecards": len({r["scorecard_id"] for r in rows}),
            "rules": [r.as_dict() for r in rules],
        }

    def _descriptions(self, run_ids: set[int]) -> dict[str, str]:
        out: dict[str, str] = {}
        for run_id in sorted(run_ids):
            row = self.conn.execute("SELECT policy_text FROM qa_runs WHERE id = ?", (run_id,)).fetchone()
            if row:
                out.update({k: v for k, v in policy_facts(row["policy_text"])[1].items() if v})
        return out

    # -- appeals -----------------------------------------------------------------------------
    def appeal(self, scorecard_id: int, rule_id: object, agent: str, comment: object) -> dict:
        """An agent disputes one rule result of their own scorecard."""
        card = self.scorecard(scorecard_id, agent=agent)
        if rule_id not in {r["id"] for r in card["rules"]}:
            raise ReviewError(f"rule_id：这张评分卡没有规则 {str(rule_id)[:60]!r}")
        comment = text_field(comment, "comment（申诉理由）", required=True)
        if any(a["rule_id"] == rule_id and a["status"] == "open" for a in card["appeals"]):
            raise ReviewError(f"规则 {rule_id} 已有待处理的申诉")
        with self.conn:
            appeal_id = store.add_appeal(self.conn, scorecard_id, str(rule_id), agent, comment)
        return store.get_appeal(self.conn, appeal_id)

    def appeals(self, status: str | None = None, agent: str | None = None) -> list[dict]:
        if status is not None and status not in ("open", *APPEAL_DECISIONS):
            raise ReviewError("status 必须是 open、upheld 或 overturned")
        appeals = store.list_appeals(self.conn, status=status, agent_user=agent)
        descriptions: dict[int, dict[str, str]] = {}  # per scorecard: its run's rule descriptions
        for appeal in appeals:
            card_id = appeal["scorecard_id"]
            if card_id not in descriptions:
                descriptions[card_id] = policy_facts(self._stored(card_id)[1])[1]
            appeal["rule_description"] = descriptions[card_id].get(appeal["rule_id"], "")
        return appeals

    def get_appeal(self, appeal_id: int, agent: str | None = None) -> dict:
        appeal = store.get_appeal(self.conn, appeal_id)
        if appeal is None or (agent is not None and appeal["agent_user"] != agent):
            raise NotFound(f"没有编号为 {appeal_id} 的申诉")
        return appeal

    def decide_appeal(
        self, appeal_id: int, lead: str, decision: object, comment: object, verdict: object = None
    ) -> dict:
        """A QA lead upholds the disputed verdict or overturns it (to ``verdict``, by default the
        opposite of the disputed one); an overturn is recorded as the lead's review."""
        appeal = self.get_appeal(appeal_id)
        if appeal["status"] != "open":
            raise ReviewError(f"申诉 {appeal_id} 已处理（{appeal['status']}）")
        if decision not in APPEAL_DECISIONS:
            raise ReviewError("decision 必须是 upheld（维持原判）或 overturned（改判）")
        if lead == appeal["agent_user"]:
            raise ReviewError("不能处理自己的申诉")
        comment = text_field(comment, "comment（处理意见）", required=True)
        card, policy_text = self._stored(appeal["scorecard_id"])
        current = apply_verdicts(card, store.latest_reviews(self.conn, card["scorecard_id"]), 80.0)
        disputed = next(r["status"] for r in current["rules"] if r["id"] == appeal["rule_id"])
        if decision == "overturned":
            verdict = verdict or (PASS if disputed == FAIL else FAIL if disputed == PASS else PASS)
            verdict = verdict_field(verdict, "verdict")
            if verdict == disputed:
                raise ReviewError(f"改判后的结果不能与原结果相同（{VERDICT_WORDS[verdict]}）")
        with self.conn:
            store.decide_appeal_row(self.conn, appeal_id, str(decision), lead, comment)
            if decision == "overturned":
                item = {"rule_id": appeal["rule_id"], "verdict": verdict, "comment": f"申诉改判：{comment}"}
                store.add_reviews(self.conn, card["scorecard_id"], lead, [item], appeal_id=appeal_id)
                self._refresh(card["scorecard_id"], card, policy_text)
        return store.get_appeal(self.conn, appeal_id)

    # -- calibration -------------------------------------------------------------------------
    def create_calibration(
        self,
        name: object,
        created_by: str,
        reviewers: object,
        scorecard_ids: object = None,
        run_id: int | None = None,
        size: int = 5,
        seed: int = 1,
    ) -> dict:
        """A calibration sample: given scorecards, or ``size`` drawn (seeded) from a run."""
        name = text_field(name, "name（校准名称）", 100, required=True)
        if not isinstance(reviewers, list) or len({r for r in reviewers if isinstance(r, str) and r}) < 2:
            raise ReviewError("reviewers 至少需要两位质检员（用户名数组）")
        reviewers = list(dict.fromkeys(r for r in reviewers if isinstance(r, str) and r))
        if scorecard_ids:
            if not isinstance(scorecard_ids, list) or not all(
                isinstance(s, int) and not isinstance(s, bool) for s in scorecard_ids
            ):
                raise ReviewError("scorecards 必须是评分卡编号（整数）数组")
            ids = sorted(set(scorecard_ids))
            for card_id in ids:
                self._stored(card_id)
        elif run_id is not None:
            pool = [
                r["id"] for r in self.conn.execute("SELECT id FROM qa_scorecards WHERE run_id = ?", (run_id,))
            ]
            if not pool:
                raise NotFound(f"评分 #{run_id} 没有评分卡")
            ids = sorted(random.Random(seed).sample(pool, min(max(1, size), len(pool), MAX_SAMPLE)))
        else:
            raise ReviewError("请给出 scorecards（评分卡编号）或 run_id（从该次评分抽样）")
        with self.conn:
            calibration_id = store.add_calibration(self.conn, name, created_by, reviewers, ids)
        return self.calibration(calibration_id, created_by)

    def calibrations(self) -> list[dict]:
        return store.list_calibrations(self.conn)

    def _calibration(self, calibration_id: int) -> dict:
        found = store.get_calibration(self.conn, calibration_id)
        if found is None:
            raise NotFound(f"没有编号为 {calibration_id} 的校准")
        return found

    def judge(self, calibration_id: int, reviewer: str, scorecard_id: int, items: object) -> dict:
        """A reviewer's blind judgements of one scorecard of a calibration (kept apart from reviews)."""
        calibration = self._calibration(calibration_id)
        if reviewer not in calibration["reviewers"]:
            raise ReviewError(f"{reviewer} 不是这次校准的评审人")
        if scorecard_id not in calibration["scorecards"]:
            raise NotFound(f"评分卡 {scorecard_id} 不在这次校准里")
        card, _ = self._stored(scorecard_id)
        checked = checked_items(card, items, calibration=True)
        with self.conn:
            store.add_reviews(self.conn, scorecard_id, reviewer, checked, calibration_id=calibration_id)
        return self.calibration(calibration_id, reviewer)

    def calibration(self, calibration_id: int, viewer: str) -> dict:
        """A calibration as ``viewer`` may see it.

        Blind: a reviewer who has not judged every scorecard sees only their own
        judgements (and no machine verdicts); once done, or for anyone not judging
        (the QA lead who set it up), the comparison is shown.
        """
        calibration = self._calibration(calibration_id)
        judgements = store.calibration_judgements(self.conn, calibration_id)
        cards = {card_id: self._stored(card_id)[0] for card_id in calibration["scorecards"]}
        rule_count = {card_id: len(card["rules"]) for card_id, card in cards.items()}
        progress = {}
        for name in calibration["reviewers"]:
            judged = {}
            for row in judgements:
                if row["reviewer"] == name:
                    judged[row["scorecard_id"]] = judged.get(row["scorecard_id"], 0) + 1
            progress[name] = sum(1 for card_id, n in judged.items() if n >= rule_count[card_id])
        total = len(calibration["scorecards"])
        blind = viewer in calibration["reviewers"] and progress[viewer] < total
        out = {
            **calibration,
            "progress": progress,
            "total": total,
            "blind": blind,
            "labels": self._descriptions({card["run_id"] for card in cards.values()}),
            "cards": [
                {"scorecard_id": card_id, "conversation_id": card["id"], "agent": card["agent"]}
                for card_id, card in cards.items()
            ],
        }
        if blind:
            out["mine"] = [row for row in judgements if row["reviewer"] == viewer]
            return out
        machine = {(card_id, r["id"]): r["status"] for card_id, card in cards.items() for r in card["rules"]}
        out["comparison"] = compare(machine, judgements, calibration["reviewers"])
        return out

    def calibration_card(self, calibration_id: int, scorecard_id: int, reviewer: str) -> dict:
        """A scorecard of a calibration without the machine's verdicts, with ``reviewer``'s own judgements."""
        calibration = self._calibration(calibration_id)
        if scorecard_id not in calibration["scorecards"]:
            raise NotFound(f"评分卡 {scorecard_id} 不在这次校准里")
        card, policy_text = self._stored(scorecard_id)
        _, descriptions = policy_facts(policy_text)
        mine = {
            row["rule_id"]: row
            for row in store.calibration_judgements(self.conn, calibration_id)
            if row["reviewer"] == reviewer and row["scorecard_id"] == scorecard_id
        }
        rules = [
            {
                "id": r["id"],
                "kind": r["kind"],
                "critical": r["critical"],
                "max_points": r["max_points"],
                "description": descriptions.get(r["id"], ""),
                "mine": mine.get(r["id"]),
            }
            for r in card["rules"]
        ]
        keys = ("id", "agent", "channel", "source", "messages", "scorecard_id", "run_id")
        return {**{k: card.get(k) for k in keys}, "rules": rules}

    # -- comparing runs ----------------------------------------------------------------------
    def compare_runs(self, base_run: int, new_run: int) -> dict:
        """What changed from ``base_run`` to ``new_run`` (conversations, rules, agents); see qa/rescore.py."""
        runs = {}
        for run_id in (base_run, new_run):
            runs[run_id] = get_run(self.conn, run_id)
            if runs[run_id] is None:
                raise NotFound(f"没有编号为 {run_id} 的评分")
        diff = diff_cards(run_cards(self.conn, base_run), run_cards(self.conn, new_run))
        keys = ("id", "created_at", "policy_name", "policy_version", "scored")
        return {
            "base": {k: runs[base_run][k] for k in keys},
            "new": {k: runs[new_run][k] for k in keys},
            "labels": self._descriptions({base_run, new_run}),
            **diff,
        }

    # -- weekly sampling ---------------------------------------------------------------------
    def create_assignment(
        self, reviewer: object, start: object, end: object, created_by: str, plan: SamplingPlan | None = None
    ) -> dict:
        """Draw a period's sample for a reviewer: per agent, critical fails, lowest scores, random rest.

        A conversation scored several times counts once (its latest scorecard); its date is
        when it started (the run's date for scorecards stored before that was kept).
        """
        reviewer = text_field(reviewer, "reviewer（质检员用户名）", 40, required=True)
        start, end = date_field(start, "start"), date_field(end, "end")
        if end < start:
            raise ReviewError("end 不能早于 start")
        plan = plan or SamplingPlan()
        for value, field in ((plan.random_per_agent, "random"), (plan.lowest_per_agent, "lowest")):
            if not isinstance(value, int) or not 0 <= value <= 100:
                raise ReviewError(f"{field} 必须是 0 到 100 之间的整数")
        candidates = [
            dict(row)
            for row in self.conn.execute(
                "SELECT s.id, s.agent, s.final_score AS score, s.critical_failed FROM qa_scorecards s"
                " JOIN qa_runs r ON r.id = s.run_id"
                " WHERE substr(COALESCE(s.started_at, r.created_at), 1, 10) BETWEEN ? AND ?"
                " AND s.id = (SELECT MAX(t.id) FROM qa_scorecards t"
                "  WHERE t.conversation_id = s.conversation_id"
                "  AND t.agent = s.agent)",
                (start, end),
            )
        ]
        picked = draw_sample(candidates, plan)
        if not picked:
            raise ReviewError(f"{start} 到 {end} 之间没有评分过的对话")
        with self.conn:
            assignment_id = store.add_assignment(
                self.conn, reviewer, (start, end), plan.as_dict(), created_by, picked
            )
        return store.get_assignment(self.conn, assignment_id)

    def assignments(self, reviewer: str | None = None) -> list[dict]:
        return store.list_assignments(self.conn, reviewer)

    def assignment(self, assignment_id: int) -> dict:
        found = store.get_assignment(self.conn, assignment_id)
        if found is None:
            raise NotFound(f"没有编号为 {assignment_id} 的抽检任务")
        return found
