"""Refuse a zip-based file (.docx, .xlsx) that is not a zip archive or that unpacks to far too much."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from kb.models import IngestError
from kb.rules import load_rules

MB = 1024 * 1024  # the unit of max_file_mb


def check_zip(path: Path, data: bytes, max_bytes: int) -> None:
    """A .docx/.xlsx is a zip archive: refuse one that is not, or that unpacks to far more than the limit."""
    kind = path.suffix.lower()[1:]
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(
            f"{path}: 不是有效的 {kind} 文件（{kind} 应是 zip 压缩包，此文件已损坏或只是改了扩展名）"
            f" (not a {kind} file: not a zip archive)"
        )
    rules = load_rules()["zip"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    limit = rules["max_unpacked_factor"] * max_bytes
    unpacked = sum(m.file_size for m in members)
    if len(members) > rules["max_members"] or unpacked > limit:
        raise IngestError(
            f"{path}: 解压后有 {unpacked / MB:.0f} MB、{len(members)} 个成员，超过上限"
            f"（{limit / MB:g} MB、{rules['max_members']} 个），可能是压缩炸弹，未读取"
            f" (unpacks to {unpacked / MB:.0f} MB in {len(members)} members: over the limit, not read)"
        )
