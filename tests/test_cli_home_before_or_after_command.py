"""``--home`` works before or after any command, as the README says."""

from __future__ import annotations

import pytest

import app


def _commands(parser):
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return list(sub.choices)


@pytest.mark.parametrize("command", _commands(app.build_parser()))
def test_every_command_takes_home_after_its_name(command, tmp_path):
    parser = app.build_parser()
    argv = [command, "--home", str(tmp_path), "--help"]
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(argv)
    assert stop.value.code == 0


def test_serve_accepts_home_after_the_command(tmp_path):
    args = app.build_parser().parse_args(["serve", "--home", str(tmp_path)])
    assert args.home == str(tmp_path)


def test_home_before_the_command_is_kept_when_none_follows(tmp_path):
    args = app.build_parser().parse_args(["--home", str(tmp_path), "serve"])
    assert args.home == str(tmp_path)


def test_docs_runs_on_the_home_given_after_the_command(tmp_path, capsys):
    assert app.main(["docs", "--home", str(tmp_path / "h")]) == 0
    assert (tmp_path / "h").is_dir()


def test_nested_commands_take_home_after_the_group_or_the_command(tmp_path):
    parser = app.build_parser()
    assert parser.parse_args(["quiz", "--home", str(tmp_path), "list"]).home == str(tmp_path)
    assert parser.parse_args(["quiz", "list", "--home", str(tmp_path)]).home == str(tmp_path)
