"""The README documents every setting and every CLI command (docs do not drift)."""

from pathlib import Path

from app import build_parser
from common.settings import SETTINGS, settings_markdown

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme():
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in README]
    assert not missing
    # The table is the generated one, ranges included: regenerate it with settings_markdown().
    assert settings_markdown() in README


def test_every_cli_command_is_in_the_readme():
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    missing = [name for name in commands if f"python app.py {name}" not in README]
    assert not missing
