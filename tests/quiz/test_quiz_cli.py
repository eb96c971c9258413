"""The quiz CLI end to end on the sample KB: generate -> publish -> attempt -> analyse -> export."""

import app
from quiz.importers import read_gift


def test_cli_generate_publish_attempt_analyse(quiz_home, tmp_path, capsys):
    out = tmp_path / "quiz.gift"
    home = ["--home", str(quiz_home)]
    assert (
        app.main(
            [
                *home,
                "quiz",
                "generate",
                "--topic",
                "退换货",
                "-n",
                "4",
                "--types",
                "single,cloze",
                "--seed",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "wrote" in printed and "答案" in printed
    assert len(read_gift(out.read_text(encoding="utf-8"))) == 4
    assert app.main([*home, "quiz", "list", "--json"]) == 0
    quiz_id = __import__("json").loads(capsys.readouterr().out)[0]["id"]
    assert app.main([*home, "quiz", "publish", str(quiz_id)]) == 0
    assert app.main([*home, "quiz", "attempt", str(quiz_id), "--taker", "小王", "--answers", "A|B|C|D"]) == 0
    assert app.main([*home, "quiz", "analyse", str(quiz_id)]) == 0
    assert "区分度" in capsys.readouterr().out
    xlsx = tmp_path / "quiz.xlsx"
    assert app.main([*home, "quiz", "export", str(quiz_id), "--out", str(xlsx)]) == 0
    assert xlsx.stat().st_size > 0


def test_cli_user_errors(quiz_home, capsys):
    home = ["--home", str(quiz_home)]
    assert app.main([*home, "quiz", "show", "999"]) == 2
    assert app.main([*home, "quiz", "generate", "--types", "essay"]) == 2
    assert app.main([*home, "quiz", "export", "1", "--out", "x.docx"]) in (2,)
    assert "error:" in capsys.readouterr().err


def test_cli_facts_lists_kinds_and_says_why_sentences_were_not_used(quiz_home, capsys):
    home = ["--home", str(quiz_home)]
    assert app.main([*home, "quiz", "facts", "--kind", "approver", "--why"]) == 0
    printed = capsys.readouterr().out
    assert "[审批人]" in printed and "[数字与时限]" not in printed
    assert "未用于出题的句子（按筛选阶段）" in printed
    assert app.main([*home, "quiz", "facts", "--doc", "会员权益.pdf", "--json"]) == 0
    data = __import__("json").loads(capsys.readouterr().out)
    assert data["facts"] and {f["document"] for f in data["facts"]} == {"会员权益.pdf"}
    assert app.main([*home, "quiz", "facts", "--doc", "没有这个文档.md"]) == 2
