"""One writer at a time per data home: an exclusive lock file that the CLI and the web app share.

Ingest, removal and reindex hold it for the whole write; readers never take it (they read
the published snapshot), so a search never waits for a writer.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

WRITER_POLL_SECONDS = 0.05  # how often a bounded wait for the write lock tries again


class KnowledgeBaseBusy(RuntimeError):
    """Another writer (an ingest, a removal, a reindex) held the write lock past the wait."""


def wait_for_lock(handle, wait: float | None) -> None:
    """Take the exclusive lock on ``handle``: without a limit, or for at most ``wait`` seconds."""
    if wait is None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        return
    deadline = time.monotonic() + max(0.0, wait)
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise KnowledgeBaseBusy(
                    f"another ingest, removal or reindex is still running (waited {wait:g} s)"
                ) from None
            time.sleep(WRITER_POLL_SECONDS)


@contextmanager
def write_lock(path: Path, wait: float | None) -> Iterator[None]:
    """Hold the lock file at ``path`` (see :func:`wait_for_lock` for ``wait``) until the block ends."""
    with open(path, "w") as handle:
        wait_for_lock(handle, wait)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
