"""The CSV and the question sheets are made in a process of their own, and the same as made here."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import secondopinion.documents.downloads as downloads
import widgets.steps.file_maker as file_maker
from secondopinion import Content
from secondopinion.documents.downloads import DownloadsError, make_downloads, make_downloads_apart
from secondopinion.store import Workbook, WorkbookStore
from widgets.app import WorkbookApp
from widgets.workbook_state import WorkbookState

TODAY = dt.date(2026, 11, 26)


@pytest.fixture
def workbook(tmp_path: Path) -> Workbook:
    store = WorkbookStore.open(tmp_path / "data")
    summary, _ = store.create_workbook("Zoë Ağaoğlu", "patient")
    store.set_answers(summary.id, {"diagnosis_kind": "cancer", "seriousness": "terminal"})
    store.set_question(summary.id, "q_how_sure", starred=True, answer='=1+1, "quoted"')
    return store.load(summary.id)


def test_the_files_made_apart_are_the_files_made_here(workbook: Workbook, content: Content) -> None:
    apart = make_downloads_apart(workbook, content, TODAY)
    here = make_downloads(workbook, content, TODAY)
    assert apart.csv == here.csv
    assert apart.csv.startswith(b"\xef\xbb\xbf")
    assert apart.paper == here.paper == "Letter"
    assert sorted(apart.for_audience) == sorted(here.for_audience) != []
    assert apart.bilingual is None  # an English workbook
    sheets = [apart.full, apart.one_page, *apart.for_audience.values()]
    for sheet in sheets:
        assert sheet.pdf.startswith(b"%PDF")
        assert len(sheet.pdf) > 1000
    assert apart.one_page.pages == 1
    assert [s.pages for s in sheets] == [
        s.pages for s in (here.full, here.one_page, *here.for_audience.values())
    ]


def test_a_process_that_cannot_start_gives_a_plain_error(
    workbook: Workbook, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(downloads.sys, "executable", "/no/such/python")
    with pytest.raises(DownloadsError, match="could not be made just now"):
        make_downloads_apart(workbook, content, TODAY)


def test_a_process_that_takes_too_long_gives_a_plain_error(
    workbook: Workbook, content: Content
) -> None:
    with pytest.raises(DownloadsError, match="Your answers are saved"):
        make_downloads_apart(workbook, content, TODAY, wait_s=0.001)


def test_when_the_files_cannot_be_made_the_step_says_so_and_keeps_the_rest(
    tmp_path: Path, content: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: object) -> None:
        raise DownloadsError(downloads.NOT_MADE)

    monkeypatch.setattr(file_maker, "make_downloads_apart", fail)
    state = WorkbookState(WorkbookStore.open(tmp_path / "data"), content)
    app = WorkbookApp(state, link_base="http://127.0.0.1:8866/")
    state.set_answer("diagnosis_kind", "cancer")
    app.go_to(5)
    panel = app.export_panel
    assert "could not be made just now" in panel.files_problem.value
    assert panel.download_sheet.value == ""
    assert "Your private link" in panel.resume_link.value
    monkeypatch.undo()
    app.go_to(5)
    assert panel.files_problem.value == ""
    assert panel.download_sheet.value.count("data:application/pdf;base64,") == 2


def test_the_dashboard_kernel_never_loads_pandas_fpdf_or_matplotlib(tmp_path: Path) -> None:
    """A whole visit, every step down to the downloads, in a fresh interpreter."""
    script = textwrap.dedent(
        f"""
        import datetime as dt, sys
        from secondopinion import load_content
        from secondopinion.store import WorkbookStore
        from widgets.app import WorkbookApp
        from widgets.workbook_state import WorkbookState

        state = WorkbookState(WorkbookStore.open({str(tmp_path / "data")!r}), load_content())
        app = WorkbookApp(state, link_base="http://127.0.0.1:8866/")
        state.set_answer("diagnosis_kind", "cancer")
        state.set_answer("decision_date", (dt.date.today() + dt.timedelta(days=40)).isoformat())
        for step in range(6):
            app.go_to(step)
        assert app.export_panel.download_sheet.value.count("application/pdf") == 2
        assert "<svg" in app.view(3).timeline.value
        print(sorted(m for m in ("pandas", "numpy", "fpdf", "matplotlib") if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
