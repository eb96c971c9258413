"""The QA policy library of a data home: YAML files under ``<home>/policies``.

Seeded with the bundled default policy on first use. Validation and parsing are
the QA package's (``qa.parse_policy`` / ``qa.validate_policy_text``); this only
stores text under checked names.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from common.atomic import write_text_atomic
from web.uploads import UploadError, check_name

BUNDLED = Path(__file__).resolve().parent.parent / "sample_data" / "policy"
SUFFIXES = frozenset({".yaml", ".yml"})


def folder(home: Path) -> Path:
    path = home / "policies"
    if not path.is_dir():
        path.mkdir(parents=True)
        for file in sorted(BUNDLED.glob("*.yaml")):
            shutil.copyfile(file, path / file.name)
    return path


def list_policies(home: Path) -> list[str]:
    return sorted(p.name for p in folder(home).iterdir() if p.suffix in SUFFIXES)


def policy_path(home: Path, name: str) -> Path:
    """The file of a policy by name; :class:`UploadError` for a name that is not a plain file name."""
    name = check_name(name, SUFFIXES)
    return folder(home) / name


def read_policy(home: Path, name: str) -> str | None:
    path = policy_path(home, name)
    return path.read_text(encoding="utf-8-sig") if path.is_file() else None


def save_policy(home: Path, name: str, text: str) -> None:
    """Write through a temporary file: a half-written policy must never be scored with."""
    write_text_atomic(policy_path(home, name), text)


__all__ = ["UploadError", "list_policies", "policy_path", "read_policy", "save_policy"]
