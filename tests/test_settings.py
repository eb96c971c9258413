"""Settings are checked where they are read: a wrong type, range or choice is refused by name."""

import json

import pytest

from app import main
from common.settings import load_settings


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("db_busy_seconds", "-1", "setting db_busy_seconds: -1.0 is not allowed (allowed: ≥ 0)"),
        (
            "fusion",
            "learnd",
            "setting fusion: 'learnd' is not allowed (allowed: `learned`, `weighted`, `rrf`)",
        ),
        ("answer_threshold", "1.5", "(allowed: -1 to 1)"),
        ("port", "70000", "setting port: 70000 is not allowed"),
        ("candidates", "0", "setting candidates: 0 is not allowed"),
        ("rerank_depth", "2.5", "setting rerank_depth: expected int, got '2.5'"),
    ],
)
def test_a_value_out_of_range_is_refused_by_name(tmp_path, monkeypatch, name, value, message):
    monkeypatch.setenv(f"KEFU_{name.upper()}", value)
    with pytest.raises(ValueError) as error:
        load_settings(tmp_path)
    assert message in str(error.value)


def test_settings_that_bound_each_other_are_checked_together(tmp_path):
    with pytest.raises(ValueError, match="answer_threshold_low .*0.95.* must not be larger"):
        load_settings(tmp_path, answer_threshold_low=0.95)
    with pytest.raises(ValueError, match="chunk_target_chars .* must not be larger"):
        load_settings(tmp_path, chunk_target_chars=600)
    assert load_settings(tmp_path, chunk_target_chars=600, chunk_max_chars=800).chunk_max_chars == 800


def test_settings_file_values_are_checked_and_in_range_values_pass(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"db_busy_seconds": 5, "qa_pass_score": 90}))
    settings = load_settings(tmp_path)
    assert settings.db_busy_seconds == 5.0 and isinstance(settings.db_busy_seconds, float)
    assert settings.qa_pass_score == 90
    (tmp_path / "settings.json").write_text(json.dumps({"qa_pass_score": 120}))
    with pytest.raises(ValueError, match="qa_pass_score: 120 is not allowed"):
        load_settings(tmp_path)


def test_the_cli_reports_a_bad_setting_and_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KEFU_DB_BUSY_SECONDS", "-3")
    status = main(["--home", str(tmp_path / "home"), "docs"])
    assert status == 2
    assert "error: setting db_busy_seconds: -3.0 is not allowed (allowed: ≥ 0)" in capsys.readouterr().err
