"""The QA policy library of a data home: YAML files under ``<home>/policies``.

Seeded with the bundled default policy on first use. Validation and parsing are
:mod:`qa.policy`'s; the library stores text under checked names and writes through
a temporary file, so a half-written policy is never scored with.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from common.atomic import write_text_atomic
from common.filenames import FileNameError, check_name

BUNDLED = Path(__file__).resolve().parent.parent / "sample_data" / "policy"
SUFFIXES = frozenset({".yaml", ".yml"})


class PolicyLibrary:
    """The policies of one data home, by file name (``default.yaml``)."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)

    @property
    def folder(self) -> Path:
        """``<home>/policies``, created with the bundled policies on first use."""
        path = self.home / "policies"
        if not path.is_dir():
            path.mkdir(parents=True)
            for file in sorted(BUNDLED.glob("*.yaml")):
                shutil.copyfile(file, path / file.name)
        return path

    def names(self) -> list[str]:
        """File names of the stored policies, sorted."""
        return sorted(p.name for p in self.folder.iterdir() if p.suffix in SUFFIXES)

    def path(self, name: str) -> Path:
        """The file of a policy; :class:`FileNameError` for a name that is not a plain ``.yaml`` name."""
        return self.folder / check_name(name, SUFFIXES)

    def read(self, name: str) -> str | None:
        """The policy's text, or None when there is no such policy."""
        path = self.path(name)
        return path.read_text(encoding="utf-8-sig") if path.is_file() else None

    def save(self, name: str, text: str) -> None:
        """Store the text (callers validate it first with ``qa.validate_policy_text``)."""
        write_text_atomic(self.path(name), text)


__all__ = ["FileNameError", "PolicyLibrary"]
