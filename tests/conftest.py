"""Shared fixtures: the real content, and a small sound content folder to break on purpose."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from secondopinion import Content, load_content

SMALL_CONTENT = Path(__file__).parent / "fixtures" / "small_content"


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture
def small_content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(SMALL_CONTENT, target)
    return target


EditYaml = Callable[[str, Callable[[dict], None]], None]


@pytest.fixture
def edit_yaml(small_content_dir: Path) -> EditYaml:
    """Change one file of the small content through its parsed data."""

    def edit(name: str, change: Callable[[dict], None]) -> None:
        path = small_content_dir / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    return edit
