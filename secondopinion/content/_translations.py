"""Lays the words of ``content/translations/<lang>/`` over the English content files.

A translation file maps the English ids to the translated words (``content/translations/FORMAT.md``
and ``content/README.md``); everything else (ids, rules, sources, priorities, order) is taken from
the English. The result is the English files' parsed YAML with only the words changed, so it goes
through the very same strict loading. Every problem is collected with the translation's file and
the id: an item without a translated text, a translated id or key the English does not have, a
``{slot}`` that differs from the English one.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import yaml

from secondopinion.content._areas import area_words
from secondopinion.content._checks import Collector

TRANSLATIONS_DIR: Final = "translations"

TEXT_KEYS: Final = frozenset(
    {
        "label",
        "help",
        "text",
        "why",
        "what",
        "how_to_get",
        "detail",
        "you_said",
        "you_said_true",
        "you_said_false",
        "if_late",
        "if_no_time",
        "title",
        "told_as",
        "asked_as",
    }
)
"""The keys whose values are words for people: the only keys a translation may give."""

VOICE_KEYS: Final = ("for_helper", "for_parent", "for_no_disease")
"""An item's words for another reader: translated key by key, like the item."""

UNTRANSLATED_FILES: Final = frozenset({"premises.yaml", "situations.yaml"})
"""Files with no words for patients (rules, and the map's labels for the program): a translation
neither has nor needs them."""

OPTIONAL_FILES: Final = frozenset({"sources.yaml"})
"""Files whose entries are translated only where a translated page exists (a source's title and
its url in that language); the rest keeps the English."""

SOURCE_KEYS: Final = frozenset({"title", "url"})

_SLOT = re.compile(r"\{[a-z_]+\}")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def translate(
    english: Mapping[str, Mapping[str, object]],
    folder: Path,
    language: str,
    found: Collector,
) -> dict[str, dict[str, object]]:
    """The English files' YAML with the words of ``folder`` laid over it; problems to ``found``."""
    result = {name: copy.deepcopy(dict(data)) for name, data in english.items()}
    where = f"{TRANSLATIONS_DIR}/{language}"
    if not folder.is_dir():
        found.add(where, None, f"no translation folder (looked for {folder})")
        return result
    known = set(english) - UNTRANSLATED_FILES
    for extra in sorted(p.name for p in folder.glob("*.yaml") if p.name not in known):
        found.add(f"{where}/{extra}", None, "is not the name of an English content file")
    areas = area_words(folder, found, where)
    for name, data in result.items():
        if name in UNTRANSLATED_FILES:
            continue
        words = _File(f"{where}/{name}", name in OPTIONAL_FILES, found)
        words.apply(data, folder / name, areas.get(name, {}))
    return result


class _File:
    def __init__(self, label: str, optional: bool, found: Collector) -> None:
        self.label = label
        self.optional = optional
        self.found = found

    def add(self, item: str | None, message: str) -> None:
        self.found.add(self.label, item, message)

    def apply(
        self, english: dict[str, object], path: Path, more: dict[str, dict[str, object]]
    ) -> None:
        """Lay the words of ``path``, and ``more`` words by key (an area's), over ``english``."""
        if not path.exists():
            if not self.optional:
                self.add(None, "file is missing: every item in it lacks a translation")
            return
        try:
            words = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            self.add(None, f"cannot be read: {error}")
            return
        if words is None and self.optional:
            return
        if not isinstance(words, dict):
            self.add(None, "must be a mapping of the English file's keys")
            return
        for key in sorted(set(words) - set(english), key=str):
            self.add(None, f"unknown top-level key '{key}' (the English file has none)")
        for key, area_entries in more.items():
            given = words.get(key)
            if isinstance(given, dict):
                words[key] = {**given, **area_entries}
        for key, entries in english.items():
            if not isinstance(entries, list):
                continue
            given = words.get(key)
            if given is None:
                if not self.optional:
                    self.add(None, f"missing top-level key '{key}'")
                continue
            if not isinstance(given, dict):
                self.add(None, f"'{key}' must map each English id to its words")
                continue
            self._apply_list(key, entries, given)

    def _apply_list(self, key: str, entries: list[object], given: dict[object, object]) -> None:
        ids: set[object] = set()
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            item_id = entry["id"]
            ids.add(item_id)
            if item_id not in given:
                if not self.optional:
                    self.add(item_id, f"has no translation (in '{key}')")
                continue
            self._apply_entry(item_id, "", entry, given[item_id])
        for orphan in given:
            if orphan not in ids:
                self.add(str(orphan), f"names an id that '{key}' of the English file does not have")

    def _apply_entry(
        self, item_id: str, at: str, english: dict[str, object], words: object
    ) -> None:
        texts = [k for k, v in english.items() if k in TEXT_KEYS and isinstance(v, str)]
        if isinstance(words, str):
            if len(texts) == 1:
                words = {texts[0]: words}
            else:
                self.add(item_id, f"{at}needs a mapping with the keys {', '.join(texts)}")
                return
        if not isinstance(words, dict):
            self.add(item_id, f"{at}must be a text or a mapping of translated keys")
            return
        for key, value in words.items():
            if key in texts:
                self._apply_text(item_id, at, english, str(key), value)
            elif key in VOICE_KEYS and isinstance(english.get(key), dict):
                voice = english[key]
                assert isinstance(voice, dict)
                self._apply_entry(item_id, f"{at}{key}: ", voice, value)
            elif key == "choices" and isinstance(english.get("choices"), list):
                self._apply_choices(item_id, at, english, value)
            elif key == "url" and self.optional:
                if isinstance(value, str) and re.match(r"^https://\S+$", value):
                    english["url"] = value
                else:
                    self.add(item_id, f"{at}'url' must be an https:// address")
            else:
                self.add(item_id, f"{at}has a key the English lacks: '{key}'")
        if self.optional:
            return
        for key in texts:
            if key not in words:
                self.add(item_id, f"{at}lacks a translation of '{key}'")
        for key in (*VOICE_KEYS, "choices"):
            if isinstance(english.get(key), dict | list) and key not in words:
                self.add(item_id, f"{at}lacks a translation of '{key}'")

    def _apply_text(
        self, item_id: str, at: str, english: dict[str, object], key: str, value: object
    ) -> None:
        if not isinstance(value, str) or not value.strip():
            self.add(item_id, f"{at}'{key}' must be a text that is not empty")
            return
        original = english[key]
        assert isinstance(original, str)
        wanted, got = sorted(_SLOT.findall(original)), sorted(_SLOT.findall(value))
        if wanted != got:
            self.add(
                item_id,
                f"{at}'{key}' must keep the English slots exactly "
                f"({', '.join(wanted) or 'none'}), not {', '.join(got) or 'none'}",
            )
            return
        english[key] = value

    def _apply_choices(
        self, item_id: str, at: str, english: dict[str, object], value: object
    ) -> None:
        choices = english["choices"]
        assert isinstance(choices, list)
        if not isinstance(value, dict):
            self.add(item_id, f"{at}'choices' must map each choice id to its words")
            return
        ids = set()
        for choice in choices:
            if not isinstance(choice, dict) or not isinstance(choice.get("id"), str):
                continue
            ids.add(choice["id"])
            if choice["id"] not in value:
                self.add(item_id, f"{at}choice '{choice['id']}' has no translation")
                continue
            self._apply_entry(
                item_id, f"{at}choice '{choice['id']}': ", choice, value[choice["id"]]
            )
        for orphan in value:
            if orphan not in ids:
                self.add(item_id, f"{at}names a choice the English lacks: '{orphan}'")


def languages_in(directory: Path) -> tuple[str, ...]:
    """The language codes that have a folder under ``directory/translations``."""
    folder = directory / TRANSLATIONS_DIR
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name.isidentifier()))
