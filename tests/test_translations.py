"""The workbook in another language: content laid over the English, the message catalogue,
the language kept with the workbook, and outputs (sheet, calendar, file names) in it.

A complete made-up translation (every English text prefixed "ES ") is built from the English
files here, so the loader's checks are tested whatever the state of content/translations/.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from secondopinion import ContentError, load_content
from secondopinion.cli import main
from secondopinion.content._translations import TEXT_KEYS, VOICE_KEYS
from secondopinion.documents.calendar_file import timeline_to_ics
from secondopinion.documents.question_sheet import question_sheet_pdf
from secondopinion.language import long_date, preferred_language, translator
from secondopinion.planning import Situation, derive, tailor
from secondopinion.store import WorkbookStore
from widgets.steps.export_panel import _file_name

CONTENT = Path(__file__).resolve().parents[1] / "content"
FILES = ("intake", "questions", "records", "next_steps", "timeline", "compare")


def _words(entry: dict[str, Any]) -> Any:
    texts = {k: f"ES {v}" for k, v in entry.items() if k in TEXT_KEYS and isinstance(v, str)}
    for key in VOICE_KEYS:
        if isinstance(entry.get(key), dict):
            texts[key] = _words(entry[key])
    if isinstance(entry.get("choices"), list):
        texts["choices"] = {c["id"]: _words(c) for c in entry["choices"]}
    return texts


def made_up_translation(folder: Path) -> Path:
    """A copy of the content with a complete translation 'es' of every text."""
    shutil.copytree(CONTENT, folder, ignore=shutil.ignore_patterns("translations"))
    target = folder / "translations" / "es"
    target.mkdir(parents=True)
    for name in FILES:
        english = yaml.safe_load((CONTENT / f"{name}.yaml").read_text(encoding="utf-8"))
        out = {key: {e["id"]: _words(e) for e in entries} for key, entries in english.items()}
        (target / f"{name}.yaml").write_text(
            yaml.safe_dump(out, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    (target / "areas").mkdir()
    for area in sorted((CONTENT / "areas").glob("*.yaml")):
        english = yaml.safe_load(area.read_text(encoding="utf-8"))
        out = {
            key: {e["id"]: _words(e) for e in entries}
            for key, entries in english.items()
            if key != "sources"  # a source keeps its English page unless it has another
        }
        (target / "areas" / area.name).write_text(
            yaml.safe_dump(out, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder


@pytest.fixture
def made_up(tmp_path: Path) -> Path:
    return made_up_translation(tmp_path / "content")


def _edit(folder: Path, name: str, change: Any) -> None:
    path = folder / "translations" / "es" / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_a_translation_changes_only_the_words(made_up: Path) -> None:
    english, spanish = load_content(made_up), load_content(made_up, language="es")
    assert spanish.language == "es"
    assert [q.id for q in spanish.questions] == [q.id for q in english.questions]
    for en, es in zip(english.questions, spanish.questions, strict=True):
        assert es.text == f"ES {en.text}"
        assert (es.when, es.sources, es.priority, es.audience) == (
            en.when,
            en.sources,
            en.priority,
            en.audience,
        )
    situation = Situation.from_answers({"treatment_status": ["not_working"]}, english.intake)
    en_plan, es_plan = tailor(situation, english), tailor(situation, spanish)
    assert en_plan.item_ids == es_plan.item_ids
    reasons = [r for q in es_plan.questions for r in q.because]
    assert any(r.startswith("Porque ES ") for r in reasons)
    assert load_content(made_up, language="es") is spanish  # kept per language


def test_english_loads_whatever_the_translations_hold(made_up: Path) -> None:
    _edit(made_up, "questions.yaml", lambda d: d["questions"].clear())
    assert load_content(made_up).language == "en"


def test_a_missing_text_is_named_with_file_and_id(made_up: Path) -> None:
    _edit(made_up, "questions.yaml", lambda d: d["questions"].pop("q_how_sure"))
    _edit(made_up, "records.yaml", lambda d: d["records"]["r_slides"].pop("why"))
    with pytest.raises(ContentError) as error:
        load_content(made_up, language="es")
    found = {(p.file, p.item) for p in error.value.problems}
    assert ("translations/es/questions.yaml", "q_how_sure") in found
    assert ("translations/es/records.yaml", "r_slides") in found


def test_an_orphan_text_an_extra_key_and_a_changed_slot_fail(made_up: Path) -> None:
    _edit(made_up, "questions.yaml", lambda d: d["questions"].update(q_nope={"text": "Hola"}))
    _edit(made_up, "records.yaml", lambda d: d["records"]["r_slides"].update(priority="1"))

    def drop_slot(data: dict[str, Any]) -> None:
        step = data["record_steps"]["t_ask_record"]
        step["text"] = "Pida este expediente"

    _edit(made_up, "timeline.yaml", drop_slot)
    with pytest.raises(ContentError) as error:
        load_content(made_up, language="es")
    messages = "\n".join(str(p) for p in error.value.problems)
    assert "q_nope" in messages and "does not have" in messages
    assert "r_slides: has a key the English lacks: 'priority'" in messages
    assert "{record}" in messages


def test_check_content_checks_every_language_found(
    made_up: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-content", "--content", str(made_up)]) == 0
    assert "[es] Translation is sound" in capsys.readouterr().out
    _edit(made_up, "compare.yaml", lambda d: d["aspects"].pop("diagnosis"))
    assert main(["check-content", "--content", str(made_up)]) == 1
    err = capsys.readouterr().err
    assert "translations/es/compare.yaml: diagnosis" in err


def test_the_message_catalogue_and_dates() -> None:
    _ = translator("es").gettext
    assert _("Next →") == "Siguiente →"
    assert _("Because {reason}.").format(reason="x") == "Porque x."
    assert long_date(dt.date(2026, 2, 6), "es") == "viernes, 6 de febrero de 2026"
    assert preferred_language("es-US,es;q=0.9,en;q=0.8") == "es"
    assert preferred_language("en-US,es;q=0.5") == "en"


def test_the_language_is_kept_with_the_workbook(tmp_path: Path) -> None:
    with WorkbookStore.open(tmp_path / "data") as store:
        summary, _token = store.create_workbook("Peña", "navigator", language="es")
        assert store.load(summary.id).summary.language == "es"
        store.set_language(summary.id, "en")
        assert store.workbooks()[0].language == "en"
        with pytest.raises(ValueError):
            store.set_language(summary.id, "xx")


def test_the_sheet_and_calendar_come_in_the_workbook_language(
    made_up: Path, tmp_path: Path
) -> None:
    spanish = load_content(made_up, language="es")
    with WorkbookStore.open(tmp_path / "data") as store:
        summary, _token = store.create_workbook("José Peña", "patient", language="es")
        store.set_answers(summary.id, {"decision_date": "2031-03-14"})
        workbook = store.load(summary.id)
    today = dt.date(2031, 1, 6)
    pdf = question_sheet_pdf(workbook, spanish, today=today)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Preguntas para mi segunda opinión" in text
    assert "José Peña" in text and "Página 1 de" in text
    assert "lunes, 6 de enero de 2031" in text
    ics = timeline_to_ics(derive(workbook, spanish, today).timeline, "Peña", language="es")
    assert "Por qué: ES ".encode() in ics and "consejo médico".encode() in ics
    name = _file_name(workbook, today, "es")
    assert name == "segunda-opinion-Jose-Pena-2031-01-06"


def test_the_real_spanish_content_loads() -> None:
    """Fails until every English text has a Spanish one (content/translations/es/)."""
    assert load_content(language="es").language == "es"


def test_switching_language_rebuilds_the_views_and_keeps_everything(tmp_path: Path) -> None:
    from widgets.app import WorkbookApp
    from widgets.workbook_state import WorkbookState

    with WorkbookStore.open(tmp_path / "data") as store:
        state = WorkbookState(store, load_content())
        app = WorkbookApp(state, link_base="http://127.0.0.1:8866/")
        state.set_answer("diagnosis_kind", "cancer")
        app.go_to(1)
        assert app.step_buttons[0].description == "1. Your situation"
        app.language_switch.value = "es"
        assert state.language == "es" and state.content.language == "es"
        assert app.step_buttons[0].description == "1. Su situación"
        assert app.step == 1 and app.next.description == "Siguiente →"
        assert state.answers["diagnosis_kind"] == "cancer"
        assert store.load(state.workbook_id).summary.language == "es"
        reopened = WorkbookState(store, load_content(), workbook_id=state.workbook_id)
        assert reopened.language == "es" and reopened.content.language == "es"
        script = app.script.outputs[0]["data"]["application/javascript"]
        assert json.dumps("Cuaderno para la segunda opinión") in script  # the page's title


def test_an_unnamed_workbook_is_named_in_its_language(tmp_path: Path) -> None:
    """The word for "workbook" in a file name is in the catalogue (not hidden in an f-string)."""
    with WorkbookStore.open(tmp_path / "data") as store:
        summary, _token = store.create_workbook("", "patient", "es")
        workbook = store.load(summary.id)
    day = dt.date(2031, 1, 6)
    assert _file_name(workbook, day, "es") == "segunda-opinion-cuaderno-2031-01-06"
    assert _file_name(workbook, day, "en") == "second-opinion-workbook-2031-01-06"


def test_the_page_script_speaks_the_workbook_language() -> None:
    from widgets.parts.page_script import LOST, page_script

    spanish = page_script("es")
    for words in ("Cuaderno para la segunda opinión", "se perdió la conexión", "Copiado"):
        assert json.dumps(words)[1:-1] in spanish
    assert json.dumps(LOST) not in spanish and json.dumps(LOST) in page_script("en")
    assert '"language": "es"' in spanish
    assert "document.documentElement.lang = CONFIG.language" in spanish


def test_store_messages_reach_a_spanish_page_in_spanish() -> None:
    """The store keeps its English (logs, CLI); the page shows its messages translated."""
    from secondopinion.documents.downloads import NOT_MADE
    from secondopinion.store import (
        NotFoundError,
        StoreBusyError,
        StoreError,
        StoreFullError,
        TooManyChangesError,
        TooManyNewWorkbooksError,
    )
    from secondopinion.store._db import UNREACHABLE_MESSAGE
    from secondopinion.store._errors import CORRUPT_MESSAGE
    from widgets.parts.feedback import STORE_MESSAGES, ProblemMessage, plain

    for message in (
        str(StoreBusyError()),
        str(TooManyChangesError()),
        CORRUPT_MESSAGE,
        str(TooManyNewWorkbooksError()),
        str(StoreFullError()),
    ):
        assert message in STORE_MESSAGES, "the store's words changed: change them in feedback.py"
    assert UNREACHABLE_MESSAGE in STORE_MESSAGES and NOT_MADE in STORE_MESSAGES
    es = translator("es").gettext
    for message in STORE_MESSAGES:
        assert es(message) != message, f"no Spanish for {message!r}"
    problem = ProblemMessage("es")
    problem.show(TooManyChangesError())
    assert "Este cambio no se guardó. Se hicieron demasiados cambios" in problem.value
    problem.show(
        ValueError(
            f"The answer to 'x' is too long to save ({200_001:,} characters; "
            f"the most is {200_000:,})."
        )
    )
    assert "demasiado largo" in problem.value and "200,001" in problem.value
    problem.show(NotFoundError("There is no workbook with the id 'abc123abc123'."))
    assert "No se encontró este cuaderno" in problem.value and "abc123" not in problem.value
    problem.show(StoreError("Something the page has no words for."))
    assert "Este cambio no se guardó." in problem.value and "Something" not in problem.value
    assert plain("Something the page has no words for.", "es") == ""
    assert plain("The workbook database cannot be opened.", "en") == (
        "The workbook database cannot be opened."
    )
    english = ProblemMessage("en")
    english.show(StoreError("The workbook database cannot be opened."))
    assert "This change was not saved. The workbook database cannot be opened." in english.value
