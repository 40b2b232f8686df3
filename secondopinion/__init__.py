"""The second-opinion workbook's core: content, situation, tailoring, sessions and exports.

No Jupyter imports here: the same plan comes out of the command line, the dashboard and the tests.
"""

from secondopinion.content import Content, ContentError, Problem, load_content
from secondopinion.engine import Plan, PlannedItem, tailor
from secondopinion.situation import Situation, SituationError

__all__ = [
    "Content",
    "ContentError",
    "Plan",
    "PlannedItem",
    "Problem",
    "Situation",
    "SituationError",
    "load_content",
    "tailor",
]
