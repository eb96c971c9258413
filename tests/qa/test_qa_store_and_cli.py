import json
from pathlib import Path

from app import main
from qa.runner import score_files
from qa.store import agent_history, get_scorecard, list_runs, list_scorecards, open_store, save_run

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = ROOT / "sample_data" / "policy" / "default.yaml"

SAMPLE = ROOT / "sample_data" / "transcripts" / "sample.jsonl"
SAMPLE_CSV = ROOT / "sample_data" / "transcripts" / "sample_long.csv"


def test_store_round_trip(tmp_path, policy, scorer):
    result = score_files([SAMPLE], policy, scorer=scorer)
    conn = open_store(tmp_path / "kefu.sqlite3")
    run_id = save_run(conn, result)
    save_run(conn, result)
    runs = list_runs(conn)
    assert [r["id"] for r in runs] == [run_id + 1, run_id]
    assert runs[0]["policy_version"] == policy.version and runs[0]["scored"] == 20
    cards = list_scorecards(conn, run_id, agent="a01")
    stored = get_scorecard(conn, cards[0]["id"])
    assert stored["agent"] == "a01" and stored["policy"]["version"] == policy.version
    history = agent_history(conn, "a01", policy_version=policy.version)
    assert len(history) == 2 and history[0]["conversations"] == len(cards)
    assert set(history[0]["rule_failure_rate"]) == {r.id for r in policy.rules}


def test_cli_score_json_contract_and_rejections(tmp_path, capsys, write_jsonl):
    bad = write_jsonl([SAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n", "{broken\n"])
    status = main(
        [
            "--home",
            str(tmp_path / "home"),
            "score",
            str(bad),
            str(SAMPLE_CSV),
            "--policy",
            str(DEFAULT_POLICY),
            "--json",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    captured = capsys.readouterr()
    assert status == 1  # a line was rejected; the rest was scored
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert len(lines) == 4
    first = lines[0]
    assert set(first) >= {"id", "agent", "score", "rules", "latency"}
    assert set(first["latency"]) == {"first_response_s", "reply_s", "over_sla", "max_s", "mean_s", "median_s"}
    assert {r["status"] for r in first["rules"]} <= {"pass", "fail", "na"}
    assert "第 2 行: JSON 格式错误" in captured.err and "scored 4, rejected 1" in captured.err
    assert (tmp_path / "out" / "report.xlsx").exists() and (tmp_path / "out" / "agents.csv").exists()
    assert (tmp_path / "home" / "kefu.sqlite3").exists()


def test_cli_invalid_policy_is_a_user_error(tmp_path, capsys):
    bad = tmp_path / "p.yaml"
    bad.write_text(
        "rules:\n  - id: x\n    kind: required\n    position: first\n    phrases: [您好]\n", encoding="utf-8"
    )
    assert main(["--home", str(tmp_path), "policy-check", str(bad)]) == 2
    assert "rules[0] (id=x): 'within' 必须是正整数" in capsys.readouterr().err
