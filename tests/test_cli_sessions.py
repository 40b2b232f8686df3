"""The store's commands: ``python -m secondopinion sessions`` and ``... export``."""

from __future__ import annotations

import argparse
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from secondopinion.cli import _workbooks as _cli_sessions
from secondopinion.documents.exports import LONG_FORM_COLUMNS, ROSTER_COLUMNS
from secondopinion.documents.file_names import folded_name
from secondopinion.store import WorkbookStore, short_code

ROOT = Path(__file__).resolve().parents[1]


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secondopinion", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def command(*args: str | Path) -> int:
    """Run one of this module's commands in-process, through its own parser."""
    parser = argparse.ArgumentParser()
    _cli_sessions.register(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args([str(a) for a in args])
    code: int = parsed.handler(parsed)
    return code


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    with WorkbookStore.open(folder) as store:
        first, _ = store.create_workbook("Ana", "patient")
        store.set_answers(first.id, {"diagnosis_kind": "cancer", "diagnosis_name": "=1+1, 😀"})
        store.set_record(first.id, "r_slides", status="requested", requested_on="2026-01-05")
        second, _ = store.create_workbook("Bo\x1b[31m\u202eRed", "navigator")
        store.set_question(second.id, "q_how_sure", starred=True)
    return folder


def test_register_adds_both_commands() -> None:
    parser = argparse.ArgumentParser()
    _cli_sessions.register(parser.add_subparsers(dest="command"))
    export = parser.parse_args(["export", "--out", "x", "--workbook", "abc", "--data", "d"])
    assert export.handler is _cli_sessions.export_command
    assert (export.out, export.workbook, export.data) == (Path("x"), "abc", Path("d"))
    listing = parser.parse_args(["workbooks"])
    assert listing.handler is _cli_sessions.workbooks_command
    assert listing.data is None


def test_sessions_lists_every_workbook(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert command("workbooks", "--data", data) == 0
    out = capsys.readouterr().out
    with WorkbookStore.open(data) as store:
        ids = [s.id for s in store.workbooks()]
    lines = out.splitlines()
    assert lines[0].split() == [
        "id",
        "name",
        "started",
        "by",
        "created",
        "(UTC)",
        "last",
        "change",
        "(UTC)",
    ]
    assert lines[1].startswith(ids[0]) and lines[2].startswith(ids[1])
    assert "Ana" in lines[2]
    assert "\x1b" not in out and "\u202e" not in out  # a name cannot drive the terminal
    assert "\\x1b[31m\\u202eRed" in lines[1]
    assert "2 workbooks in" in out


def test_sessions_with_no_workbooks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    WorkbookStore.open(tmp_path / "empty").close()
    assert command("workbooks", "--data", tmp_path / "empty") == 0
    assert "No workbooks yet" in capsys.readouterr().out


def test_commands_do_not_create_a_missing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert command("workbooks", "--data", tmp_path / "typo") == 1
    assert command("export", "--out", tmp_path / "out", "--data", tmp_path / "typo") == 1
    assert "no workbook database" in capsys.readouterr().err
    assert not (tmp_path / "typo").exists()
    assert not (tmp_path / "out").exists()


def test_export_everyone(data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exports"
    assert command("export", "--out", out, "--data", data) == 0
    roster_file = out / f"roster-{today()}.csv"
    answers_file = out / f"answers-{today()}.csv"
    assert sorted(out.iterdir()) == sorted([roster_file, answers_file])
    printed = capsys.readouterr().out
    for path in (roster_file, answers_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert f"Saved {path}" in printed
    roster = read_csv(roster_file)
    assert roster.columns.tolist() == list(ROSTER_COLUMNS)
    assert set(roster["name"]) == {"Ana", "Bo\x1b[31m\u202eRed"}
    answers = read_csv(answers_file)
    assert answers.columns.tolist() == list(LONG_FORM_COLUMNS)
    assert "'=1+1, 😀" in answers["value"].tolist()
    assert set(answers["session"]) == set(roster["session"])


def test_export_one_workbook(data: Path, tmp_path: Path) -> None:
    with WorkbookStore.open(data) as store:
        summary = store.workbooks()[-1]
    sid = summary.id
    out = tmp_path / "one"
    assert command("export", "--out", out, "--workbook", sid, "--data", data) == 0
    (path,) = out.iterdir()
    named = folded_name(summary.display_name)
    code = short_code(sid)
    assert path.name == f"workbook-{named + '-' if named else ''}{code}-{today()}.csv"
    assert sid not in path.name  # never the internal id
    table = read_csv(path)
    assert set(table["session"]) == {sid}
    assert ("records", "r_slides", "requested_on", "2026-01-05") in set(
        table[["section", "item_id", "field", "value"]].itertuples(index=False, name=None)
    )


def test_export_of_an_unknown_workbook(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        command("export", "--out", tmp_path / "x", "--workbook", "0123456789ab", "--data", data)
        == 1
    )
    assert "no workbook with the id '0123456789ab'" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_the_commands_run_from_the_command_line(data: Path, tmp_path: Path) -> None:
    listed = run("workbooks", "--data", data)
    assert listed.returncode == 0, listed.stderr
    assert "2 workbooks in" in listed.stdout
    exported = run("export", "--out", tmp_path / "cli", "--data", data)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.count("Saved ") == 2
    roster = read_csv(tmp_path / "cli" / f"roster-{today()}.csv")
    assert len(roster) == 2
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "workbooks.sqlite3").write_bytes(b"not a database" * 10)
    refused = run("workbooks", "--data", damaged)
    assert refused.returncode == 1
    assert "damaged or is not a workbook database" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_old_spellings_still_work_but_are_not_shown(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser()
    _cli_sessions.register(parser.add_subparsers(dest="command", metavar="COMMAND"))
    old = parser.parse_args(["export", "--out", "x", "--session", "abc"])
    assert old.workbook == "abc"
    assert parser.parse_args(["sessions"]).handler is _cli_sessions.workbooks_command
    assert command("sessions", "--data", data) == 0
    capsys.readouterr()
    for args in ([], ["export"], ["sheet"]):
        with pytest.raises(SystemExit):
            parser.parse_args([*args, "--help"])
        shown = capsys.readouterr().out
        assert "--session" not in shown and "sessions" not in shown.replace("workbooks", "")
