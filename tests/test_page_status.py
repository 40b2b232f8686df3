"""The save status and the heartbeat, as the kernel keeps them (issue 24).

The page's status bar (``widgets/parts/page_script.js``) says "Saved" only when the kernel's
status says so and the kernel has answered a ping sent after the person's last change: the
heartbeat echoes the ping's number for that. The browser side is proven in
``tests/browser/test_offline_status.py``.
"""

from __future__ import annotations

import json
import re

from secondopinion import Content
from secondopinion.language import translator
from secondopinion.store import WorkbookStore
from widgets.parts import page_script
from widgets.parts.feedback import SaveStatus
from widgets.parts.page_script import OFFLINE, Heartbeat
from widgets.workbook_state import WorkbookState


def test_the_heartbeat_echoes_the_pings_number_and_nothing_else() -> None:
    checks: list[int] = []
    beat = Heartbeat(lambda: checks.append(1))
    assert "workbook-beat-button" in beat.ping._dom_classes  # the server knows it is no person
    beat.ping.value = "1796640396502"
    assert beat.answer.value == '<span data-beat="1" data-asked="1796640396502"></span>'
    beat.ping.value = '1"><img src=x onerror=alert(1)>'
    assert beat.answer.value == '<span data-beat="2" data-asked=""></span>'
    beat.beat()  # the kernel's own callers ping without a number
    assert 'data-beat="3" data-asked=""' in beat.answer.value
    assert checks == [1]  # every third ping looks at the store


def test_the_save_status_follows_the_workbook_in_its_language(
    store: WorkbookStore, content: Content
) -> None:
    state = WorkbookState(store, content, language="es")
    status = SaveStatus(state)
    assert "workbook-saved" in status._dom_classes
    assert status.value == ""  # nothing to say before the first change
    state.set_answer("diagnosis_kind", "cancer")
    status.follow()
    assert 'data-save="saved"' in status.value
    assert "Guardado. Todos los cambios están guardados." in status.value
    state.typing = 1
    status.follow()
    assert 'data-save="saving"' in status.value and "Guardando…" in status.value


def test_the_script_is_given_every_word_and_setting_it_reads() -> None:
    read = set(re.findall(r"CONFIG\.([a-z_]+)", page_script.page_script("es")))
    config = page_script.page_config("es")
    assert read and read <= set(config), read - set(config)
    assert json.dumps(config) in page_script.page_script("es")
    assert config["offline"] == translator("es").gettext(OFFLINE)
    assert str(config["offline"]).startswith("Sin conexión")
    assert config["saving"] == "Guardando…"
    # Offline, the page asks for nothing that needs the server: no reload.
    for language in ("en", "es"):
        offline = str(page_script.page_config(language)["offline"])
        assert not re.search(r"reload|recargu|vuelva a cargar", offline, re.I)
