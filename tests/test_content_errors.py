"""Every kind of mistake in the content is an error that names the file and the item."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondopinion import ContentError, load_content
from secondopinion.cli import main

from .conftest import EditYaml


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(directory)
    return [str(p) for p in caught.value.problems]


def question(data: dict, item_id: str) -> dict:
    return next(q for q in data["questions"] if q["id"] == item_id)


def test_the_small_content_is_sound(small_content_dir: Path) -> None:
    content = load_content(small_content_dir)
    assert [q.id for q in content.questions] == ["q_sure", "q_slides", "q_remote", "q_wait"]


def test_yaml_that_does_not_parse_names_the_file_and_line(small_content_dir: Path) -> None:
    path = small_content_dir / "records.yaml"
    path.write_text(path.read_text() + "  - id: [unclosed\n")
    (problem,) = problems_of(small_content_dir)
    assert problem.startswith("records.yaml: is not valid YAML at line ")


def test_a_missing_file_is_named(small_content_dir: Path) -> None:
    (small_content_dir / "sources.yaml").unlink()
    problems = problems_of(small_content_dir)
    assert problems[0].startswith("sources.yaml: file is missing")


def test_an_unknown_top_level_key(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("next_steps.yaml", lambda d: d.update(stepz=[]))
    assert problems_of(small_content_dir) == [
        "next_steps.yaml: unknown top-level key 'stepz' (expected categories, steps)"
    ]


def test_an_unknown_key_in_an_item(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("questions.yaml", lambda d: question(d, "q_sure").update(audiance="insurer"))
    assert problems_of(small_content_dir) == ["questions.yaml: q_sure: unknown key 'audiance'"]


def test_a_missing_key_in_an_item(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("records.yaml", lambda d: d["records"][0].pop("how_to_get"))
    assert problems_of(small_content_dir) == ["records.yaml: r_slides: missing key 'how_to_get'"]


def test_an_item_without_an_id_is_named_by_position(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    edit_yaml("questions.yaml", lambda d: question(d, "q_wait").pop("id"))
    assert problems_of(small_content_dir) == [
        "questions.yaml: questions entry 4 (no id): missing key 'id'"
    ]


def test_empty_text(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("questions.yaml", lambda d: question(d, "q_sure").update(why="   "))
    assert problems_of(small_content_dir) == ["questions.yaml: q_sure: 'why': must not be empty"]


def test_an_id_that_is_not_a_plain_id(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("questions.yaml", lambda d: question(d, "q_sure").update(id="Q Sure"))
    (problem,) = problems_of(small_content_dir)
    assert problem.startswith("questions.yaml: Q Sure: 'id': String should match pattern")


def test_a_duplicate_id_in_one_file(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("questions.yaml", lambda d: question(d, "q_wait").update(id="q_sure"))
    assert problems_of(small_content_dir) == [
        "questions.yaml: q_sure: id is already used in questions.yaml"
    ]


def test_a_duplicate_id_across_files(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("next_steps.yaml", lambda d: d["steps"][0].update(id="r_slides"))
    assert problems_of(small_content_dir) == [
        "next_steps.yaml: r_slides: id is already used in records.yaml"
    ]


def test_a_duplicate_choice_id(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("intake.yaml", lambda d: d["fields"][0]["choices"][1].update(id="cancer"))
    assert problems_of(small_content_dir) == [
        "intake.yaml: diagnosis_kind: choice id 'cancer' is used twice"
    ]


def test_an_unknown_source(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("records.yaml", lambda d: d["records"][0].update(sources=["acs", "hsh"]))
    assert problems_of(small_content_dir) == ["records.yaml: r_slides: cites unknown source 'hsh'"]


def test_an_item_with_no_source(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("questions.yaml", lambda d: question(d, "q_sure").update(sources=[]))
    assert problems_of(small_content_dir) == [
        "questions.yaml: q_sure: 'sources': needs at least one source id"
    ]


def test_a_source_that_cannot_be_found(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("sources.yaml", lambda d: d["sources"][0].pop("seed"))
    assert problems_of(small_content_dir) == ["sources.yaml: acs: a source needs a url or a seed"]


def test_a_misspelled_field_in_a_rule(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml(
        "questions.yaml",
        lambda d: question(d, "q_slides").update(when={"field": "test_done", "equals": "biopsy"}),
    )
    assert problems_of(small_content_dir) == [
        "questions.yaml: q_slides: rule names unknown field 'test_done'"
    ]


def test_a_misspelled_choice_in_a_rule(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml(
        "records.yaml",
        lambda d: d["records"][0].update(when={"field": "tests_done", "in": ["biopsie"]}),
    )
    assert problems_of(small_content_dir) == [
        "records.yaml: r_slides: 'biopsie' is not a choice of field 'tests_done' "
        "(its choices: biopsy, imaging)"
    ]


def test_a_misspelled_choice_deep_in_a_rule(small_content_dir: Path) -> None:
    path = small_content_dir / "questions.yaml"
    path.write_text(path.read_text().replace("equals: rare_disease}", "equals: rare_diseas}"))
    (problem,) = problems_of(small_content_dir)
    assert problem.startswith("questions.yaml: q_remote: 'rare_diseas' is not a choice")


def test_unquoted_yes_is_read_as_true_and_explained(small_content_dir: Path) -> None:
    path = small_content_dir / "questions.yaml"
    path.write_text(path.read_text().replace("equals: biopsy}", "equals: yes}"))
    (problem,) = problems_of(small_content_dir)
    assert problem.startswith("questions.yaml: q_slides: field 'tests_done' takes a choice id")
    assert "put the choice id in quotes" in problem


def test_a_string_for_a_yes_no_field_is_not_converted(small_content_dir: Path) -> None:
    path = small_content_dir / "questions.yaml"
    path.write_text(path.read_text().replace("equals: false}", "equals: 'false'}"))
    assert problems_of(small_content_dir) == [
        "questions.yaml: q_remote: field 'can_travel' is yes/no and takes true or false, "
        "got 'false'"
    ]


def test_an_operator_the_field_kind_does_not_take(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    edit_yaml(
        "questions.yaml",
        lambda d: question(d, "q_sure").update(when={"field": "decision_date", "equals": "soon"}),
    )
    assert problems_of(small_content_dir) == [
        "questions.yaml: q_sure: field 'decision_date' is date: its rules can only use 'exists'"
    ]


def test_an_unknown_operator(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml(
        "questions.yaml",
        lambda d: question(d, "q_sure").update(when={"field": "can_travel", "is": True}),
    )
    (problem,) = problems_of(small_content_dir)
    assert problem.startswith("questions.yaml: q_sure: 'when': unknown operator 'is'")


def test_a_rule_of_the_wrong_shape(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml(
        "questions.yaml",
        lambda d: question(d, "q_sure").update(when={"all": {"field": "can_travel"}}),
    )
    assert problems_of(small_content_dir) == [
        "questions.yaml: q_sure: 'when': 'all' takes a non-empty list of rules"
    ]


def test_a_rule_that_can_never_be_true(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    never = {
        "all": [
            {"field": "diagnosis_kind", "equals": "cancer"},
            {"field": "diagnosis_kind", "equals": "rare_disease"},
        ]
    }
    edit_yaml("questions.yaml", lambda d: question(d, "q_sure").update(when=never))
    assert problems_of(small_content_dir) == [
        "questions.yaml: q_sure: rule can never be true, so this would never be shown"
    ]


def test_a_several_choices_rule_that_can_be_true_is_accepted(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    both = {
        "all": [
            {"field": "tests_done", "equals": "biopsy"},
            {"field": "tests_done", "equals": "imaging"},
            {"not": {"field": "can_travel", "exists": True}},
        ]
    }
    edit_yaml("questions.yaml", lambda d: question(d, "q_sure").update(when=both))
    assert load_content(small_content_dir).item("q_sure").when is not None


def test_an_unknown_audience_topic_or_category(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    edit_yaml("questions.yaml", lambda d: question(d, "q_sure").update(audience="insurer"))
    edit_yaml("records.yaml", lambda d: d["records"][0].update(category="scans"))
    assert problems_of(small_content_dir) == [
        "questions.yaml: q_sure: unknown audience 'insurer' (known: current_doctor, second_doctor)",
        "records.yaml: r_slides: unknown category 'scans' (known: pathology)",
    ]


def test_shown_when_may_only_name_earlier_fields(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    rule = {"field": "diagnosis_name", "exists": True}
    edit_yaml("intake.yaml", lambda d: d["fields"][0].update(shown_when=rule))
    assert problems_of(small_content_dir) == [
        "intake.yaml: diagnosis_kind: rule names field 'diagnosis_name', "
        "which does not come before it"
    ]


def test_a_field_whose_keys_do_not_fit_its_kind(
    edit_yaml: EditYaml, small_content_dir: Path
) -> None:
    edit_yaml("intake.yaml", lambda d: d["fields"][2].update(kind="one_choice"))
    assert problems_of(small_content_dir) == [
        "intake.yaml: can_travel: a one_choice field needs choices"
    ]


def test_an_unknown_field_kind(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("intake.yaml", lambda d: d["fields"][4].update(kind="text"))
    (problem,) = problems_of(small_content_dir)
    assert problem.startswith("intake.yaml: diagnosis_name: 'kind': Input should be")


def test_every_problem_is_listed_at_once(edit_yaml: EditYaml, small_content_dir: Path) -> None:
    edit_yaml("questions.yaml", lambda d: question(d, "q_sure").update(audiance="x"))
    edit_yaml("records.yaml", lambda d: d["records"][0].update(sources=["nope"]))
    (small_content_dir / "next_steps.yaml").write_text("steps: [")
    assert len(problems_of(small_content_dir)) == 3


def test_check_content_exits_non_zero_listing_every_problem(
    edit_yaml: EditYaml, small_content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_yaml(
        "questions.yaml",
        lambda d: question(d, "q_slides").update(when={"field": "tests_done", "equals": "biopsie"}),
    )
    edit_yaml("records.yaml", lambda d: d["records"][0].update(sources=["nope"]))
    assert main(["check-content", "--content", str(small_content_dir)]) == 1
    errors = capsys.readouterr().err
    assert "questions.yaml: q_slides: 'biopsie' is not a choice of field 'tests_done'" in errors
    assert "records.yaml: r_slides: cites unknown source 'nope'" in errors


def test_check_content_passes_on_sound_content(
    small_content_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-content", "--content", str(small_content_dir)]) == 0
    assert "Content is sound: 4 questions, 1 records, 1 next steps." in capsys.readouterr().out
