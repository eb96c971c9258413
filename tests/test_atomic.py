"""Atomic writes keep the old file on failure and give the file ordinary permissions."""

import os
import stat

import pytest

from common.atomic import write_text_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "synonyms.txt"
    write_text_atomic(target, "退款 退钱\r\n")
    assert target.read_bytes() == "退款 退钱\n".encode()

    def broken(handle):
        handle.write(b"half")
        raise OSError("disk full")

    from common.atomic import write_atomic

    with pytest.raises(OSError):
        write_atomic(target, broken)
    assert target.read_text(encoding="utf-8") == "退款 退钱\n"
    assert [p.name for p in tmp_path.iterdir()] == ["synonyms.txt"]


def test_new_files_get_the_usual_permissions_and_old_ones_keep_theirs(tmp_path):
    mask = os.umask(0o022)
    try:
        fresh = tmp_path / "report.json"
        write_text_atomic(fresh, "{}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        private = tmp_path / "policy.toml"
        private.write_text("x")
        private.chmod(0o600)
        write_text_atomic(private, "y")
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
    finally:
        os.umask(mask)
