"""The situation map: every value is served, or says honestly that the workbook knows less.

The small content's map is written here and broken on purpose; the real map is checked whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from secondopinion import Content, ContentError, load_content
from secondopinion.cli import main
from secondopinion.content import rules
from secondopinion.content.situation_map import (
    COVERAGE_HEADER,
    SITUATIONS_FILE,
    coverage,
    coverage_table,
)

from .conftest import EditYaml

COVERAGE_FILE = Path(__file__).resolve().parents[1] / "content" / "COVERAGE.md"

REQUIRED = {
    "found": {"confirmed_disease", "suspected_disease", "precancer", "inherited_risk"},
    "kind": {"solid_cancer", "blood_cancer", "brain_spine_tumor", "rare_cancer", "nerve_muscle"},
    "urgency": {"days", "weeks", "months", "not_said"},
    "stage_of_care": {
        "before_treatment",
        "in_treatment",
        "after_treatment",
        "came_back",
        "no_more_treatment",
        "hospice",
    },
    "decides": {"alone", "with_help", "cannot_decide_now", "not_sure"},
    "life_stage": {"child", "teen", "young_adult", "pregnant", "older_adult"},
    "access": {"language", "disability", "cannot_travel", "little_internet", "in_hospital"},
    "opinion": {"full_visit", "pathology_review", "scan_reread", "records_review"},
}


def write_map(folder: Path, values: list[dict]) -> None:
    axes = {"axes": [{"id": "kind", "label": "The kind of illness", "values": values}]}
    (folder / SITUATIONS_FILE).write_text(yaml.safe_dump(axes), encoding="utf-8")


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(folder)
    return [str(problem) for problem in caught.value.problems]


RARE = {"field": "diagnosis_kind", "equals": "rare_disease"}
CANCER = {"field": "diagnosis_kind", "equals": "cancer"}


def test_a_value_nothing_serves_and_without_an_honest_line_is_an_error(
    small_content_dir: Path,
) -> None:
    write_map(small_content_dir, [{"id": "cancer", "label": "Cancer", "rule": CANCER}])
    assert problems_of(small_content_dir) == [
        "situations.yaml: kind.cancer: no question, record or next step serves this value, and it "
        "has no 'knows_less' line saying the workbook knows less and where help is"
    ]


def test_an_item_under_a_not_does_not_serve_the_value(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    write_map(small_content_dir, [{"id": "rare", "label": "A rare disease", "rule": RARE}])
    assert load_content(small_content_dir)  # q_wait asks for rare_disease: served

    def only_the_date(data: dict) -> None:
        wait = next(q for q in data["questions"] if q["id"] == "q_wait")
        wait["when"] = {"field": "decision_date", "exists": False}

    edit_yaml("questions.yaml", only_the_date)
    # Now only q_remote names rare_disease, under a "not": shown to everyone else, not to rare.
    assert any("kind.rare: no question" in p for p in problems_of(small_content_dir))


def test_an_item_whose_rule_asks_for_the_value_serves_it(small_content_dir: Path) -> None:
    biopsy = {"field": "tests_done", "equals": "biopsy"}
    write_map(small_content_dir, [{"id": "biopsy", "label": "Had a biopsy", "rule": biopsy}])
    content = load_content(small_content_dir)
    (row,) = coverage(content.situation_map, (content.questions, content.records, []))
    assert (row.value, row.questions, row.records) == ("biopsy", 1, 1)


def test_the_honest_line_must_exist_and_be_shown_for_the_value(
    small_content_dir: Path,
) -> None:
    value = {"id": "rare", "label": "A rare disease", "rule": RARE, "knows_less": "s_center"}
    write_map(small_content_dir, [value])
    assert problems_of(small_content_dir) == [
        "situations.yaml: kind.rare: its knows_less step 's_center' is not shown for this value "
        "(its rule must ask for it)"
    ]
    value["knows_less"] = "s_nowhere"
    write_map(small_content_dir, [value])
    assert problems_of(small_content_dir) == [
        "situations.yaml: kind.rare: knows_less names unknown step 's_nowhere'"
    ]


def test_a_value_with_its_honest_line_is_sound(small_content_dir: Path) -> None:
    steps_file = small_content_dir / "next_steps.yaml"
    steps = yaml.safe_load(steps_file.read_text(encoding="utf-8"))
    steps["steps"].append(
        {
            "id": "s_rare_group",
            "category": "where_to_go",
            "text": "This workbook knows less about rare diseases. Call the group for yours.",
            "why": "They know your illness better than a general guide.",
            "when": RARE,
            "sources": ["acs"],
        }
    )
    steps_file.write_text(yaml.safe_dump(steps), encoding="utf-8")
    value = {"id": "rare", "label": "A rare disease", "rule": RARE, "knows_less": "s_rare_group"}
    write_map(small_content_dir, [value])
    (row,) = coverage(load_content(small_content_dir).situation_map, ((), (), ()))
    assert row.knows_less == "s_rare_group"


def test_a_value_naming_an_unknown_field_is_an_error(small_content_dir: Path) -> None:
    rule = {"field": "disease_groop", "equals": "blood_cancer"}
    write_map(small_content_dir, [{"id": "blood", "label": "Blood cancer", "rule": rule}])
    assert any(
        "situations.yaml: kind.blood: rule names unknown field 'disease_groop'" in p
        for p in problems_of(small_content_dir)
    )


def test_the_map_has_the_axes_and_values_people_bring(content: Content) -> None:
    axes = {axis.id: {value.id for value in axis.values} for axis in content.situation_map}
    for axis, values in REQUIRED.items():
        assert axis in axes, f"the map has no axis '{axis}'"
        assert values <= axes[axis], f"'{axis}' lacks {sorted(values - axes[axis])}"
    insurance = next(f for f in content.intake.fields if f.id == "insurance")
    payer = next(a for a in content.situation_map if a.id == "payer")
    named = {
        choice
        for value in payer.values
        for test in rules.field_tests(value.rule)
        if test.field == "insurance"
        for choice in (test.value if isinstance(test.value, tuple) else (test.value,))
    }
    assert {c.id for c in insurance.choices} <= named, "every kind of payer is on the map"


def test_every_value_of_the_real_map_is_served_or_says_it_knows_less(content: Content) -> None:
    rows = coverage(content.situation_map, (content.questions, content.records, content.next_steps))
    assert rows
    thin = [f"{r.axis}.{r.value}" for r in rows if not r.served and r.knows_less is None]
    assert not thin


def test_the_coverage_table_in_the_repository_is_up_to_date(content: Content) -> None:
    table = coverage_table(
        coverage(content.situation_map, (content.questions, content.records, content.next_steps))
    )
    assert COVERAGE_FILE.read_text(encoding="utf-8") == COVERAGE_HEADER + table + "\n", (
        "content/COVERAGE.md is out of date: run "
        "'python -m secondopinion check-content --coverage content/COVERAGE.md'"
    )


def test_check_content_prints_the_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-content", "--language", "en"]) == 0
    printed = capsys.readouterr().out
    assert "| axis | value | questions | records | next steps | knows less |" in printed
    assert "| kind | nerve_muscle |" in printed
