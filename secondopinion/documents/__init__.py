"""What a workbook becomes on paper or in a file: CSV exports, the question sheet, the calendar.

``long_form`` and ``roster`` are the program lead's tables (one row per answer, one row per
person); ``question_sheet_pdf`` is the printable sheet with room for answers;
``timeline_to_ics`` is the calendar file of the timeline; ``make_downloads_apart`` makes the
dashboard's downloads in a short-lived process, so pandas and fpdf2 never stay in its kernel.
"""

from secondopinion.documents.calendar_file import timeline_to_ics
from secondopinion.documents.downloads import (
    SHEET_SIZES,
    Downloads,
    DownloadsError,
    make_downloads,
    make_downloads_apart,
)
from secondopinion.documents.paper import PageSize

__all__ = [
    "SHEET_SIZES",
    "Downloads",
    "DownloadsError",
    "PageSize",
    "make_downloads",
    "make_downloads_apart",
    "timeline_to_ics",
]
