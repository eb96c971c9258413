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
        ("answer_threshold", "1.5", "(allowed: 0 to 1)"),
        ("port", "70000", "setting port: 70000 is not allowed"),
        ("candidates", "0", "setting candidates: 0 is not allowed"),
        ("rerank_depth", "2.5", "setting rerank_depth: expected int, got '2.5'"),
        ("db_busy_seconds", "nan", "setting db_busy_seconds: nan is not allowed"),
        ("answer_threshold", "inf", "setting answer_threshold: inf is not allowed"),
        ("sentence_vectors", "ture", "setting sentence_vectors: expected bool, got 'ture'"),
    ],
)
def test_a_value_out_of_range_is_refused_by_name(tmp_path, monkeypatch, name, value, message):
    monkeypatch.setenv(f"KEFU_{name.upper()}", value)
    with pytest.raises(ValueError) as error:
        load_settings(tmp_path)
    assert message in str(error.value)


def test_settings_that_bound_each_other_are_checked_together(tmp_path):
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


def test_json_values_of_the_wrong_kind_are_refused(tmp_path):
    for value, kind in ((True, "int"), (None, "int"), ([3], "int")):
        (tmp_path / "settings.json").write_text(json.dumps({"rerank_depth": value}))
        with pytest.raises(ValueError, match=f"setting rerank_depth: expected {kind}"):
            load_settings(tmp_path)
    (tmp_path / "settings.json").write_text(json.dumps({"seed_sample_kb": "nope"}))
    with pytest.raises(ValueError, match="setting seed_sample_kb: expected bool"):
        load_settings(tmp_path)
    (tmp_path / "settings.json").write_text(
        json.dumps(
            {"seed_sample_kb": "off", "sentence_vectors": 1, "rerank_depth": "1e2", "sign_in_max_failures": 0}
        )
    )
    settings = load_settings(tmp_path)
    assert settings.seed_sample_kb is False and settings.sentence_vectors is True
    assert settings.rerank_depth == 100 and settings.sign_in_max_failures == 0  # 0: throttling off


def test_the_cli_reports_a_bad_setting_and_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KEFU_DB_BUSY_SECONDS", "-3")
    status = main(["--home", str(tmp_path / "home"), "docs"])
    assert status == 2
    assert "error: setting db_busy_seconds: -3.0 is not allowed (allowed: ≥ 0)" in capsys.readouterr().err
