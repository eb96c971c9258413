"""Atomic file writes: a crash leaves the old file or the new one, never half of either."""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _mode_for(path: Path) -> int:
    """The file's current permissions, or those a plain ``open`` would give a new file."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, fsync it, then rename it over ``path``.

    The file keeps its permissions (a new one gets the usual ones, not the
    temporary file's owner-only mode).
    """
    handle = tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False, suffix=".tmp")
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, _mode_for(path))
        os.replace(handle.name, path)
    except BaseException:
        os.unlink(handle.name)
        raise


def write_text_atomic(path: Path, text: str) -> None:
    """UTF-8 text with Unix line ends, written atomically."""
    write_atomic(path, lambda handle: handle.write(text.replace("\r\n", "\n").encode("utf-8")))
