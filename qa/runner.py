"""One scoring run: read transcript files, score every readable conversation, count the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from common.settings import Settings, table_defaults
from index.embedder import load_embedder
from qa.policy import Policy
from qa.readers import Rejection, read_transcripts
from qa.scoring import Scorecard, Scorer
from qa.transcript import Conversation


@dataclass
class RunResult:
    """Everything one run produced: scorecards, rejections and the inputs."""

    policy: Policy
    scorecards: list[Scorecard] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """The closing line of a run: how many were scored and rejected."""
        return f"scored {len(self.scorecards)}, rejected {len(self.rejections)}"


def make_scorer(
    policy: Policy, settings: Settings | None = None, semantic: bool = True, embedder=None
) -> Scorer:
    """A :class:`Scorer` using the embedder named by the settings (only if the policy needs one).

    Without ``settings`` the table's defaults apply (``table_defaults()``), as everywhere.
    """
    settings = settings if settings is not None else table_defaults()
    if embedder is None and semantic and any(rule.semantic or rule.trigger_semantic for rule in policy.rules):
        embedder = load_embedder(settings.embedder)
    return Scorer(policy, embedder=embedder, semantic=semantic, cache_size=settings.query_cache_size)


def score_conversations(
    conversations: Iterable[Conversation],
    policy: Policy,
    settings: Settings | None = None,
    semantic: bool = True,
    scorer: Scorer | None = None,
) -> list[Scorecard]:
    """Score already-parsed conversations."""
    scorer = scorer or make_scorer(policy, settings, semantic)
    return [scorer.score(conversation) for conversation in conversations]


def score_files(
    paths: Iterable[str | Path],
    policy: Policy,
    settings: Settings | None = None,
    columns: Mapping[str, str] | None = None,
    semantic: bool = True,
    scorer: Scorer | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> RunResult:
    """Read and score transcript files; malformed records become rejections, never errors.

    ``progress(done, total, file_name)`` is called before each file.
    """
    tz = (settings if settings is not None else table_defaults()).timezone
    scorer = scorer or make_scorer(policy, settings, semantic)
    result = RunResult(policy)
    paths = list(paths)
    for done, path in enumerate(paths):
        if progress is not None:
            progress(done, len(paths), Path(path).name)
        result.files.append(str(path))
        for item in read_transcripts(path, tz, columns):
            if isinstance(item, Rejection):
                result.rejections.append(item)
            else:
                result.scorecards.append(scorer.score(item))
    return result
