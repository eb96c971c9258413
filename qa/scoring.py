"""Score one conversation against a policy: every rule pass / fail / N/A, with evidence.

The score is the share of applicable points earned (0-100); a failed
critical rule sets it to 0. A rule that cannot apply (a trigger that never
occurs, no agent message at all, no reply to time) is N/A and leaves the
denominator. Bot and system messages never satisfy or violate agent rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from common.settings import setting
from index.embedder import load_embedder
from qa.latency import LatencyReport, measure_latency
from qa.matching import AnalysedText, Matcher
from qa.policy import Policy
from qa.rules import Rule, trigger_key
from qa.semantic import SemanticMatcher
from qa.transcript import Conversation, Message

PASS, FAIL, NA = "pass", "fail", "na"


@dataclass(frozen=True)
class Evidence:
    """Why a rule passed or failed: which message, and which characters of it."""

    message: int
    role: str
    ts: str
    text: str
    span: tuple[int, int] | None = None  # character offsets in the original message text
    term: str | None = None
    pattern: str | None = None
    similarity: float | None = None
    from_message: int | None = None  # latency: the customer message the clock started at
    seconds: float | None = None
    note: str = ""

    def as_dict(self) -> dict:
        out = {
            "message": self.message,
            "role": self.role,
            "ts": self.ts,
            "text": self.text,
            "span": list(self.span) if self.span else None,
        }
        for key in ("term", "pattern", "similarity", "from_message", "seconds"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class RuleResult:
    """The verdict of one rule on one conversation."""

    id: str
    kind: str
    status: str
    points: float  # points earned: the rule's points on pass, 0 on fail or N/A
    max_points: float
    critical: bool = False
    description: str = ""
    evidence: list[Evidence] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "critical": self.critical,
            "evidence": [e.as_dict() for e in self.evidence],
        }


@dataclass
class Scorecard:
    """A scored conversation: the stable JSON contract is :meth:`as_dict`."""

    id: str
    agent: str
    channel: str
    score: float
    passed: bool
    critical_failed: bool
    rules: list[RuleResult]
    latency: LatencyReport
    policy_name: str
    policy_version: str
    messages: int
    source: str = ""
    started_at: str = ""  # ISO time of the first message

    def rule(self, rule_id: str) -> RuleResult:
        """The result of one rule (KeyError when absent)."""
        for result in self.rules:
            if result.id == rule_id:
                return result
        raise KeyError(rule_id)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "agent": self.agent,
            "channel": self.channel,
            "score": self.score,
            "passed": self.passed,
            "critical_failed": self.critical_failed,
            "policy": {"name": self.policy_name, "version": self.policy_version},
            "rules": [r.as_dict() for r in self.rules],
            "latency": self.latency.as_dict(),
            "messages": self.messages,
            "source": self.source,
            "started_at": self.started_at,
        }


def _evidence(message: Message, start=None, end=None, **kw) -> Evidence:
    span = (start, end) if start is not None else None
    text = message.text[start:end] if span else message.text
    return Evidence(message.index, message.role, message.ts.isoformat(), text, span, **kw)


class Scorer:
    """Scores conversations against one policy; build once, reuse for a whole run.

    ``embedder`` is needed only when the policy has semantic rules and
    ``semantic`` is on; with ``semantic=False`` those rules match lexically only.
    """

    def __init__(
        self,
        policy: Policy,
        embedder=None,
        semantic: bool = True,
        cache_size: int = setting("query_cache_size").default,
    ) -> None:
        self.policy = policy
        self.matcher = Matcher(policy)
        self.semantic = None
        if semantic and any(rule.semantic or rule.trigger_semantic for rule in policy.rules):
            if embedder is None:
                embedder = load_embedder(setting("embedder").default)
            self.semantic = SemanticMatcher(policy, embedder, cache_size)

    def score(self, conversation: Conversation) -> Scorecard:
        """Apply every rule to one conversation."""
        policy = self.policy
        texts: dict[int, AnalysedText] = {}

        def analysed(message: Message) -> AnalysedText:
            if message.index not in texts:
                texts[message.index] = self.matcher.analyse(message.text)
            return texts[message.index]

        latency = measure_latency(conversation, policy.first_response_sla_s, policy.reply_sla_s)
        results = []
        for rule in policy.rules:
            if rule.kind == "banned":
                results.append(self._banned(rule, conversation, analysed))
            elif rule.kind == "required":
                results.append(self._required(rule, conversation, analysed))
            else:
                results.append(self._latency(rule, conversation, latency))
        applicable = [r for r in results if r.status != NA]
        total = sum(r.max_points for r in applicable)
        score = 100.0 * sum(r.points for r in applicable) / total if total else 100.0
        critical_failed = any(r.critical and r.status == FAIL for r in results)
        if critical_failed:
            score = 0.0
        score = round(score, 1)
        return Scorecard(
            id=conversation.id,
            agent=conversation.agent,
            channel=conversation.channel,
            score=score,
            passed=score >= policy.pass_score and not critical_failed,
            critical_failed=critical_failed,
            rules=results,
            latency=latency,
            policy_name=policy.name,
            policy_version=policy.version,
            messages=len(conversation.messages),
            source=conversation.source,
            started_at=conversation.messages[0].ts.isoformat() if conversation.messages else "",
        )

    # --- rule kinds ----------------------------------------------------------

    def _result(self, rule: Rule, status: str, evidence: list[Evidence]) -> RuleResult:
        return RuleResult(
            rule.id,
            rule.kind,
            status,
            rule.points if status == PASS else 0.0,
            rule.points,
            rule.critical,
            rule.description,
            evidence,
        )

    def _banned(self, rule: Rule, conversation: Conversation, analysed) -> RuleResult:
        scope = conversation.by_role(rule.role)
        if not scope:
            return self._result(rule, NA, [])
        evidence = []
        for m in scope:
            text = analysed(m)
            for hit in self.matcher.find(rule.phrases, text, rule.negation_window):
                if rule.own_use and not self.matcher.own_use(text, hit, rule.negation_window):
                    continue  # reported (仓库说没办法), negated, quoted or rhetorical: not own use
                evidence.append(
                    _evidence(m, hit.start, hit.end, term=hit.term, pattern=hit.pattern, note="出现禁用语")
                )
        return self._result(rule, FAIL if evidence else PASS, evidence)

    def _found(self, rule: Rule, phrases, message: Message, analysed, note: str) -> list[Evidence]:
        return [
            _evidence(message, hit.start, hit.end, term=hit.term, pattern=hit.pattern, note=note)
            for hit in self.matcher.find(phrases, analysed(message), rule.negation_window)
        ]

    def _groups(self, rule: Rule, window: list[Message], analysed) -> list[Evidence]:
        """Evidence of the first message in ``window`` that meets the rule's phrase groups:
        a hit of every ``all_of`` group, of at least one ``any_of`` group, of no ``none_of`` group."""
        for m in window:
            found: list[Evidence] = []
            if any(self._found(rule, group, m, analysed, "") for group in rule.none_of):
                continue
            for group in rule.all_of:
                hits = self._found(rule, group, m, analysed, "找到要求的用语（全部满足）")
                if not hits:
                    break
                found.extend(hits)
            else:
                if rule.any_of:
                    either = [
                        e
                        for g in rule.any_of
                        for e in self._found(rule, g, m, analysed, "找到要求的用语（任一）")
                    ]
                    if not either:
                        continue
                    found.extend(either)
                return sorted(found, key=lambda e: e.span or (0, 0))
        return []

    def _hits(self, rule: Rule, window: list[Message], analysed) -> list[Evidence]:
        """Lexical hits of a required rule in ``window``; semantic ones if there are none."""
        if rule.all_of or rule.any_of:
            found = self._groups(rule, window, analysed)
            if found or not (rule.phrases.terms or rule.phrases.regex):
                return found
        if rule.none_of:
            window = [
                m for m in window if not any(self._found(rule, g, m, analysed, "") for g in rule.none_of)
            ]
        found = [e for m in window for e in self._found(rule, rule.phrases, m, analysed, "找到要求的用语")]
        if found or not window or self.semantic is None or rule.semantic is None:
            return found
        # One accepted paraphrase is enough: embed the window's messages in order, stop at the first.
        for m in window:
            hit = self.semantic.best_sentence(rule, [m.text])[0]
            if hit is not None:
                return [_evidence(m, hit.start, hit.end, similarity=hit.similarity, note="语义相近")]
        return []

    def _required(self, rule: Rule, conversation: Conversation, analysed) -> RuleResult:
        scope = conversation.by_role(rule.role)
        if rule.position == "after":
            return self._after_trigger(rule, conversation, scope, analysed)
        if not scope:
            return self._result(rule, NA, [])
        window = {"first": scope[: rule.within], "last": scope[-rule.within :] if rule.within else scope}.get(
            rule.position, scope
        )
        found = self._hits(rule, window, analysed)
        if found:
            return self._result(rule, PASS, found)
        where = {"first": "开头", "last": "结尾"}.get(rule.position, "")
        return self._result(rule, FAIL, [_evidence(m, note=f"{where}消息中未找到要求的用语") for m in window])

    def _after_trigger(
        self, rule: Rule, conversation: Conversation, scope: list[Message], analysed
    ) -> RuleResult:
        candidates = conversation.by_role(rule.trigger_role)
        judged: dict[int, tuple[list[Evidence], bool]] = {}  # trigger message -> (evidence, failed)
        rest = []
        for message in candidates:
            hits = self.matcher.find(rule.trigger, analysed(message), rule.negation_window)
            if not hits:
                rest.append(message)
                continue
            hit = hits[0]
            trigger = _evidence(message, hit.start, hit.end, term=hit.term, pattern=hit.pattern, note="触发")
            outcome = self._answer(rule, message, scope, analysed)
            if outcome is not None:
                judged[message.index] = ([trigger, *outcome[0]], outcome[1])
        if rest and self.semantic is not None and rule.trigger_semantic is not None:
            self._meant_triggers(rule, rest, scope, analysed, judged)
        if not judged:
            return self._result(rule, NA, [])
        evidence = [e for index in sorted(judged) for e in judged[index][0]]
        failed = any(f for _, f in judged.values())
        return self._result(rule, FAIL if failed else PASS, evidence)

    def _answer(
        self, rule: Rule, trigger: Message, scope: list[Message], analysed
    ) -> tuple[list[Evidence], bool] | None:
        """The agent's answer to a trigger: (evidence, failed), or None when it is not judged."""
        window = [m for m in scope if m.index > trigger.index][: rule.within]
        if not window:
            if not scope or rule.unanswered == NA:
                return None  # no agent in the conversation at all, or the policy treats it as N/A
            # The customer's last word was this trigger and nobody answered it.
            return [_evidence(trigger, note="触发后客服没有回复")], True
        found = self._hits(rule, window, analysed)
        if found:
            return found, False
        return [_evidence(m, note=f"触发后 {rule.within} 条回复内未找到要求的用语") for m in window], True

    def _meant_triggers(self, rule: Rule, messages: list[Message], scope, analysed, judged: dict) -> None:
        """Add the triggers recognised by meaning among ``messages`` (no lexical trigger) to ``judged``.

        Embedding is the cost of a semantic trigger, so only messages that can still change the
        verdict are embedded: none once a trigger has failed; those whose answer would fail first;
        those whose answer would pass only while no trigger has been judged at all (N/A or pass).
        """
        if any(failed for _, failed in judged.values()):
            return
        outcomes = {m.index: self._answer(rule, m, scope, analysed) for m in messages}
        would_fail = [m for m in messages if outcomes[m.index] is not None and outcomes[m.index][1]]
        would_pass = [m for m in messages if outcomes[m.index] is not None and not outcomes[m.index][1]]
        for group in (would_fail, would_pass):
            if not group or (group is would_pass and judged):
                continue
            best = self.semantic.best_sentence(rule, [m.text for m in group], trigger_key(rule))
            for message, hit in zip(group, best, strict=True):
                if hit is None:
                    continue
                note = f"触发（{hit.cue}）" if hit.cue else "触发"
                trigger = _evidence(message, hit.start, hit.end, similarity=hit.similarity, note=note)
                judged[message.index] = ([trigger, *outcomes[message.index][0]], outcomes[message.index][1])

    def _latency(self, rule: Rule, conversation: Conversation, latency: LatencyReport) -> RuleResult:
        replies = [latency.first_response] if rule.measure == "first_response" else latency.replies
        replies = [r for r in replies if r is not None]
        if not replies:
            return self._result(rule, NA, [])
        evidence = []
        for reply in replies:
            over = reply.seconds > rule.sla_s
            note = f"用时 {reply.seconds:g} 秒" + (f"，超过 {rule.sla_s:g} 秒" if over else "")
            if over or rule.measure == "first_response":
                evidence.append(
                    _evidence(
                        conversation.messages[reply.to_index],
                        from_message=reply.from_index,
                        seconds=reply.seconds,
                        note=note,
                    )
                )
        failed = any(r.seconds > rule.sla_s for r in replies)
        return self._result(rule, FAIL if failed else PASS, evidence)


def score_conversation(
    conversation: Conversation, policy: Policy, embedder=None, semantic: bool = True
) -> Scorecard:
    """Score one conversation (builds a :class:`Scorer`; reuse a Scorer for many)."""
    return Scorer(policy, embedder=embedder, semantic=semantic).score(conversation)
