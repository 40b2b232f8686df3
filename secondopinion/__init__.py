"""The second-opinion workbook's core: no Jupyter imports, in packages that follow the data.

- ``content``: the knowledge, loaded strictly from the YAML files in ``content/``;
- ``planning``: situation → plan → timeline (``derive`` for a saved workbook);
- ``store``: every workbook, saved the moment it changes (SQLite or PostgreSQL);
- ``documents``: CSV exports, the printable question sheet, the calendar file;
- ``cli``: ``python -m secondopinion``; ``serving``: the Voilà launch of the dashboard.

The same plan comes out of the command line, the dashboard and the tests.
"""

from secondopinion.content import Content, ContentError, Problem, load_content
from secondopinion.planning import (
    Derived,
    Plan,
    PlannedItem,
    Situation,
    SituationError,
    derive,
    tailor,
)

__all__ = [
    "Content",
    "ContentError",
    "Derived",
    "Plan",
    "PlannedItem",
    "Problem",
    "Situation",
    "SituationError",
    "derive",
    "load_content",
    "tailor",
]
