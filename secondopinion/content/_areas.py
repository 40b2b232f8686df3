"""Content kept by area: ``content/areas/<area>.yaml``, one file for each kind of situation.

The main files hold what most people need; an area file holds the questions, records and next
steps for one part of the situation map (blood cancers, pregnancy, inherited risk, illnesses that
are not cancer, government plans…), with the sources it cites. An area file has any of the keys
``sources``, ``questions``, ``records`` and ``steps``, each a list in the format of the main file
of that name; its items join the main lists after the main file's own, and every problem names the
area file. Its Spanish words are in ``translations/es/areas/<area>.yaml`` (no ``sources``: a
source with a Spanish page is translated in ``translations/es/sources.yaml``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import yaml

from secondopinion.content._base import Problem
from secondopinion.content._checks import Collector

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

AREAS_DIR: Final = "areas"

AREA_KEYS: Final = {
    "sources": "sources.yaml",
    "questions": "questions.yaml",
    "records": "records.yaml",
    "steps": "next_steps.yaml",
}
"""Each key an area file may have, and the main file whose list its entries join."""

TRANSLATED_AREA_KEYS: Final = ("questions", "records", "steps")


def area_files(directory: Path) -> list[str]:
    """The area files of a content folder, as names relative to it (``areas/x.yaml``), sorted."""
    folder = directory / AREAS_DIR
    if not folder.is_dir():
        return []
    return [f"{AREAS_DIR}/{path.name}" for path in sorted(folder.glob("*.yaml"))]


def lift_areas(
    directory: Path, raw: dict[str, dict[str, object]], found: Collector
) -> dict[str, str]:
    """Add every area file's entries to the main files' lists in ``raw``; return id -> area file.

    The returned origins let problems found later in the main lists name the area file instead
    (``name_area_files``).
    """
    origins: dict[str, str] = {}
    for name in area_files(directory):
        data = _read_mapping(directory / name, name, found)
        for key in sorted(set(data) - set(AREA_KEYS), key=str):
            found.add(
                name, None, f"unknown top-level key '{key}' (expected {', '.join(AREA_KEYS)})"
            )
        for key, main in AREA_KEYS.items():
            entries = data.get(key)
            if entries is None:
                continue
            if not isinstance(entries, list):
                found.add(name, None, f"'{key}' must be a list")
                continue
            target = raw.get(main)
            existing = target.get(key) if isinstance(target, dict) else None
            if target is None or not isinstance(existing, list):
                continue  # the main file is broken, and that is reported already
            target[key] = [*existing, *entries]
            for entry in entries:
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    origins[entry["id"]] = name
    return origins


def area_words(
    folder: Path, found: Collector, label: str
) -> dict[str, dict[str, dict[str, object]]]:
    """The translated words of a language's area files, by the main file and key they belong to.

    Returns ``{main file: {key: {id: words}}}``; problems name the area translation file.
    """
    words: dict[str, dict[str, dict[str, object]]] = {}
    area_folder = folder / AREAS_DIR
    if not area_folder.is_dir():
        return words
    for path in sorted(area_folder.glob("*.yaml")):
        name = f"{label}/{AREAS_DIR}/{path.name}"
        data = _read_mapping(path, name, found)
        for key in sorted(set(data) - set(TRANSLATED_AREA_KEYS), key=str):
            found.add(name, None, f"unknown top-level key '{key}'")
        for key in TRANSLATED_AREA_KEYS:
            given = data.get(key) or {}
            if not isinstance(given, dict):
                found.add(name, None, f"'{key}' must map each English id to its words")
                continue
            words.setdefault(AREA_KEYS[key], {}).setdefault(key, {}).update(given)
    return words


def name_area_files(problems: list[Problem], origins: dict[str, str], label: str) -> list[Problem]:
    """The problems, with those of an area's item naming the area file (or its translation)."""
    named = []
    for problem in problems:
        area = origins.get(problem.item or "")
        if area is None:
            named.append(problem)
        elif problem.file.startswith(label):
            named.append(Problem(f"{label}/{area}", problem.item, problem.message))
        else:
            named.append(Problem(area, problem.item, problem.message))
    return named


def _read_mapping(path: Path, name: str, found: Collector) -> dict[str, object]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        found.add(name, None, f"cannot be read: {error}")
        return {}
    if not isinstance(data, dict):
        found.add(name, None, "must be a mapping (of sources, questions, records or steps)")
        return {}
    return data
