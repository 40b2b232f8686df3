"""The page's own scripts: a ``.js`` file called with its settings, run by an invisible output.

Each script in ``widgets/parts/`` is a function expression, ``(function (CONFIG) { ... })``; the
kernel sends it followed by ``(<settings as JSON>);``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

_HERE = Path(__file__).parent


@functools.cache
def _script_text(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def script_with(name: str, config: object) -> str:
    """The script in ``widgets/parts/<name>``, called with ``config``, as JavaScript text."""
    return f"{_script_text(name)}({json.dumps(config)});"


def javascript(*code: str) -> tuple[dict[str, object], ...]:
    """An output's ``outputs`` that run each piece of ``code`` in the page, in order."""
    return tuple(
        {"output_type": "display_data", "data": {"application/javascript": js}, "metadata": {}}
        for js in code
    )
