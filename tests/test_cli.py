"""The command line: ``main(argv)`` run in-process, and once as a real ``python -m secondopinion``.

Each command's output, messages and exit code are checked.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from secondopinion import Content, Situation, load_content, tailor
from secondopinion.cli import main
from secondopinion.cli._plan_output import plan_as_text

ROOT = Path(__file__).resolve().parents[1]
SMALL_CONTENT = Path(__file__).parent / "fixtures" / "small_content"
ITEM_KEYS = {"id", "text", "category", "audience", "because", "sources"}

A_SITUATION = {
    "filled_by": "family",
    "diagnosis_kind": "cancer",
    "seriousness": "advanced",
    "treatment_status": "not_working",
    "tests_done": ["biopsy", "imaging"],
    "can_travel": False,
    "decision_date": "2026-12-31",
    "diagnosis_name": "Stage IV <b>cancer</b> 🎗️ سرطان",
}


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str


def run(*args: str | Path) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:  # argparse's own errors
            code = stop.code if isinstance(stop.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())


def test_the_command_runs_as_a_real_program(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "secondopinion", "plan", str(write(tmp_path, "{}"))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == run("plan", tmp_path / "situation.json").stdout


def write(tmp_path: Path, text: str, name: str = "situation.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_clear_failure(result: Result, *words: str) -> None:
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


def test_plan_as_text_is_the_plan_the_engine_makes(tmp_path: Path, content: Content) -> None:
    result = run("plan", write(tmp_path, json.dumps(A_SITUATION)))
    assert result.returncode == 0, result.stderr
    plan = tailor(Situation.from_answers(A_SITUATION, content.intake), content)
    assert result.stdout == plan_as_text(plan, content)
    assert result.stdout.startswith("START HERE")
    assert "RECORDS TO GATHER" in result.stdout
    assert "NEXT STEPS" in result.stdout
    assert "not medical advice" in result.stdout


def test_plan_as_json_has_every_item_with_its_reasons_and_sources(
    tmp_path: Path, content: Content
) -> None:
    path = write(tmp_path, json.dumps(A_SITUATION))
    result = run("plan", path, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    plan = tailor(Situation.from_answers(A_SITUATION, content.intake), content)
    assert [e["id"] for e in data["questions"]] == [q.id for q in plan.questions]
    assert [e["id"] for e in data["records"]] == [r.id for r in plan.records]
    assert [e["id"] for e in data["next_steps"]] == [s.id for s in plan.next_steps]
    worded = {p.id: p.text for p in (*plan.questions, *plan.records, *plan.next_steps)}
    assert data["start_here"]["questions"] == [q.id for q in plan.start_here.questions]
    for section in ("questions", "records", "next_steps"):
        for entry in data[section]:
            assert set(entry) >= ITEM_KEYS
            item = content.item(entry["id"])
            assert entry["text"] == worded[entry["id"]]
            assert entry["sources"] == list(item.sources)
            assert entry["because"], entry["id"]
            assert all(source in content.sources for source in entry["sources"])
    for entry in data["questions"]:
        assert entry["audience"] in {a.id for a in content.audiences}
        assert entry["category"] in {t.id for t in content.topics}
    assert {e["audience"] for e in data["records"] + data["next_steps"]} <= {None}


def test_the_json_keeps_every_character_as_written(tmp_path: Path) -> None:
    result = run("plan", write(tmp_path, json.dumps(A_SITUATION)), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "\\u" not in result.stdout
    json.loads(result.stdout)


@pytest.mark.parametrize("form", ["text", "json"])
def test_an_empty_situation_gives_the_items_everyone_gets(
    tmp_path: Path, content: Content, form: str
) -> None:
    result = run("plan", write(tmp_path, "{}"), "--format", form)
    assert result.returncode == 0, result.stderr
    everyone = tailor(Situation(), content)
    assert everyone.questions and everyone.records and everyone.next_steps
    if form == "json":
        data = json.loads(result.stdout)
        assert [e["id"] for e in data["questions"]] == [q.id for q in everyone.questions]
    else:
        assert result.stdout == plan_as_text(everyone, content)


def test_a_file_that_is_not_json_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, '{"diagnosis_kind": "cancer",', name="broken.json")
    assert_clear_failure(run("plan", path), "Cannot read the situation file", "broken.json")


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    assert_clear_failure(run("plan", tmp_path / "nowhere.json"), "nowhere.json")


def test_json_that_is_not_an_object_is_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, '["cancer"]')
    assert_clear_failure(run("plan", path), "a situation is a JSON object of answers")


def test_an_unknown_field_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({"diagnosis_knd": "cancer"}))
    assert_clear_failure(run("plan", path), "unknown field 'diagnosis_knd'")


def test_an_unknown_choice_is_named_with_the_choices_there_are(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({"diagnosis_kind": "cancr", "insurance": "medicare"}))
    assert_clear_failure(run("plan", path), "'cancr'", "diagnosis_kind", "cancer, rare_disease")


def test_every_problem_in_a_situation_is_listed(tmp_path: Path) -> None:
    answers = {"diagnosis_kind": "cancr", "can_travel": "yes", "decision_date": "31/12/2026"}
    result = run("plan", write(tmp_path, json.dumps(answers)))
    assert_clear_failure(result, "diagnosis_kind", "can_travel", "decision_date")
    assert len(result.stderr.strip().splitlines()) == 3


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    result = run("plan", write(tmp_path, "{}"), "--format", "pdf")
    assert_clear_failure(result, "pdf")


def test_check_content_passes_on_the_real_content(content: Content) -> None:
    result = run("check-content")
    assert result.returncode == 0, result.stderr
    assert f"{len(content.questions)} questions" in result.stdout
    assert f"{len(content.records)} records" in result.stdout
    assert f"{len(content.next_steps)} next steps" in result.stdout


def test_check_content_names_the_file_and_item_of_a_misspelled_choice(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(SMALL_CONTENT, folder)
    questions = folder / "questions.yaml"
    data = yaml.safe_load(questions.read_text(encoding="utf-8"))
    broken = data["questions"][0]
    broken["when"] = {"field": "diagnosis_kind", "equals": "cancr"}
    questions.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = run("check-content", "--content", folder)
    assert_clear_failure(result, "questions.yaml", broken["id"], "'cancr'")


def test_plan_uses_the_content_folder_it_is_given(tmp_path: Path) -> None:
    result = run("plan", write(tmp_path, "{}"), "--format", "json", "--content", SMALL_CONTENT)
    assert result.returncode == 0, result.stderr
    small = load_content(SMALL_CONTENT)
    expected = [q.id for q in tailor(Situation(), small).questions]
    assert [e["id"] for e in json.loads(result.stdout)["questions"]] == expected
