"""Curation commands: what cleaning dropped, restore it, disable/enable/edit/revert a chunk."""

from __future__ import annotations

from cli import CommandError
from cli.kb_commands import _foreground_job, _playbook, print_json, printable
from kb.curation import CurationError
from kb.rules import stage_label


def dropped(args, settings) -> int:
    with _playbook(settings) as playbook:
        try:
            spans = playbook.curation.dropped(args.doc, args.reason)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
    if args.json:
        print_json([s.as_json() for s in spans], indent=2)
        return 0
    for s in spans:
        mark = "  [已恢复]" if s.restored else ""
        print(f"{s.id:6}  第 {s.line:<5} 行 {stage_label(s.reason)}{mark}\n        {printable(s.text[:120])}")
    print(f"共 {len(spans)} 处被清洗删掉；恢复其中一处：python app.py restore ID")
    return 0


def _job(settings, start) -> dict:
    try:
        return _foreground_job(settings, start).result
    except CurationError as exc:
        raise CommandError(str(exc)) from None


def restore(args, settings) -> int:
    result = _job(settings, lambda playbook: playbook.curation.restore(args.span, "cli"))
    where = f"{printable(result['document'])} v{result['version']}"
    print(f"已恢复到 {where}：{printable(result['text'][:80])}")
    return 0


def _set_disabled(args, settings, disabled: bool) -> int:
    with _playbook(settings) as playbook:
        try:
            playbook.curation.set_disabled(args.chunk, disabled, "cli")
        except CurationError as exc:
            raise CommandError(str(exc)) from None
    print(f"段落 #{args.chunk} 已{'停用' if disabled else '启用'}")
    return 0


def chunk_disable(args, settings) -> int:
    return _set_disabled(args, settings, True)


def chunk_enable(args, settings) -> int:
    return _set_disabled(args, settings, False)


def chunk_edit(args, settings) -> int:
    result = _job(settings, lambda playbook: playbook.curation.edit(args.chunk, args.text, "cli"))
    print(f"段落 #{result['replaced']} 已修改：现为 #{result['chunk']}")
    return 0


def chunk_revert(args, settings) -> int:
    result = _job(settings, lambda playbook: playbook.curation.revert(args.chunk, "cli"))
    print(f"段落 #{result['replaced']} 已还原为原文：现为 #{result['chunk']}")
    return 0


def chunk_history(args, settings) -> int:
    with _playbook(settings) as playbook:
        try:
            entries = playbook.curation.history(args.chunk)
        except CurationError as exc:
            raise CommandError(str(exc)) from None
    print_json(entries, indent=2)
    return 0
