"""The workbook store's commands: CSV exports, the list of workbooks, the sheet and the calendar.

    python -m secondopinion workbooks [--data DIR]
    python -m secondopinion export --out DIR [--workbook ID] [--data DIR] [--content DIR]
    python -m secondopinion sheet --workbook ID --out FILE.pdf [--page-size A4|Letter] [--data DIR]
    python -m secondopinion calendar --workbook ID --out FILE.ics [--data DIR]

``export`` without ``--workbook`` writes the roster (one row per person) and the answers of everyone
(one row per answer); with it, the answers of that one workbook. ``sheet`` writes the printable
question sheet of one workbook, ``calendar`` its timeline as a calendar file. Every file is
owner-only (0o600).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from secondopinion.content import Content, load_content
from secondopinion.documents.calendar_file import calendar_name, timeline_to_ics
from secondopinion.documents.exports import long_form, roster, write_csv, write_private
from secondopinion.documents.file_names import person_file_part
from secondopinion.documents.question_sheet import PAGE_SIZES, question_sheet_pdf
from secondopinion.planning import derive
from secondopinion.store import NotFoundError, StoreError, Workbook, WorkbookStore

_NAME_WIDTH = 30


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``export``, ``workbooks``, ``sheet`` and ``calendar`` commands.

    The old spellings, the command ``sessions`` and the option ``--session``, still work but are
    not shown in the help.
    """
    export = subparsers.add_parser(
        "export",
        help="write workbooks to CSV files (the roster and every answer, or one workbook)",
        description="Write CSV files that open in Excel or LibreOffice. Without --workbook: the "
        "roster (one row per person) and everyone's answers (one row per answer). With "
        "--workbook: that workbook's answers. The files can only be read by you.",
    )
    export.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="folder to write the files to"
    )
    export.add_argument(
        "--workbook", metavar="ID", help="export only this workbook (see 'workbooks')"
    )
    export.add_argument("--session", dest="workbook", help=argparse.SUPPRESS)  # the old name
    _data_option(export)
    export.add_argument(
        "--content", type=Path, default=None, metavar="DIR", help="content folder to use"
    )
    export.set_defaults(handler=export_command)

    listing = subparsers.add_parser(
        "workbooks",
        help="list every workbook (for navigators)",
        description="List every workbook, most recently changed first: its id, name, who "
        "started it, and when. Private links are never shown: they are not stored.",
    )
    _data_option(listing)
    listing.set_defaults(handler=workbooks_command)
    old_listing = subparsers.add_parser("sessions")  # the old name, left out of the help
    _data_option(old_listing)
    old_listing.set_defaults(handler=workbooks_command)

    sheet = subparsers.add_parser(
        "sheet",
        help="write one workbook's printable question sheet (PDF)",
        description="Write the question sheet to print and bring to the visit: the starred "
        "questions first, then the others, with lines for the answers; the records and their "
        "status; the next steps; the sources. The file can only be read by you.",
    )
    _workbook_file_options(sheet, "FILE.pdf")
    sheet.add_argument(
        "--page-size", choices=PAGE_SIZES, default="A4", help="paper size (default: A4)"
    )
    sheet.set_defaults(handler=sheet_command)

    calendar = subparsers.add_parser(
        "calendar",
        help="write one workbook's timeline as a calendar file (.ics)",
        description="Write the dated steps worked back from the decision date as a calendar "
        "file, one all-day event per step, to import into a phone or computer calendar. The "
        "file can only be read by you.",
    )
    _workbook_file_options(calendar, "FILE.ics")
    calendar.set_defaults(handler=calendar_command)


def _workbook_file_options(parser: argparse.ArgumentParser, out: str) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--workbook", metavar="ID", help="the workbook (see 'workbooks')")
    which.add_argument("--session", dest="workbook", help=argparse.SUPPRESS)  # the old name
    parser.add_argument("--out", type=Path, required=True, metavar=out, help="file to write")
    _data_option(parser)
    parser.add_argument(
        "--content", type=Path, default=None, metavar="DIR", help="content folder to use"
    )


def _data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of workbooks.sqlite3 (default: $SECOND_OPINION_DATA or the project's data/)",
    )


def export_command(args: argparse.Namespace) -> int:
    """Write the CSV files; return 0, or 1 with a message on standard error."""
    today = datetime.now(UTC).date().isoformat()
    out: Path = args.out
    try:
        content = load_content(args.content)
        with WorkbookStore.open(args.data, create=False) as store:
            if args.workbook:
                book = store.load(args.workbook)
                name = person_file_part(book)
                files = [(out / f"workbook-{name}-{today}.csv", long_form(book, content))]
            else:
                books = store.load_all()
                files = [
                    (out / f"roster-{today}.csv", roster(books, content)),
                    (out / f"answers-{today}.csv", long_form(books, content)),
                ]
        for path, table in files:
            write_csv(table, path)
            print(f"Saved {path} ({len(table)} rows)")
    except (StoreError, OSError) as error:
        return _say_why_not(error, args, out)
    return 0


def sheet_command(args: argparse.Namespace) -> int:
    """Write the question sheet; return 0, or 1 with a message on standard error."""

    def make(book: Workbook, content: Content) -> tuple[bytes, str]:
        pdf = question_sheet_pdf(book, content, page_size=args.page_size, today=date.today())
        return pdf, f"the question sheet ({args.page_size})"

    return _write_for_workbook(args, make)


def calendar_command(args: argparse.Namespace) -> int:
    """Write the calendar file; return 0, or 1 with a message on standard error."""

    def make(book: Workbook, content: Content) -> tuple[bytes, str]:
        timeline = derive(book, content, date.today()).timeline
        language = content.language
        title = calendar_name(book.summary.display_name, book.id, language)
        ics = timeline_to_ics(timeline, title, language=language, workbook_id=book.id)
        count = len(timeline.dated_steps)
        what = f"{count} dated step{'s' if count != 1 else ''}"
        if not count:
            what += f". {timeline.message}"
        return ics, what

    return _write_for_workbook(args, make)


def _write_for_workbook(
    args: argparse.Namespace, make: Callable[[Workbook, Content], tuple[bytes, str]]
) -> int:
    out: Path = args.out
    try:
        with WorkbookStore.open(args.data, create=False) as store:
            book = store.load(args.workbook)
        # The sheet and the calendar come in the workbook's own language.
        content = load_content(args.content, language=book.summary.language)
        data, what = make(book, content)
        write_private(data, out)
    except (StoreError, OSError) as error:
        return _say_why_not(error, args, out)
    print(f"Saved {out}: {what}")
    return 0


def _say_why_not(error: StoreError | OSError, args: argparse.Namespace, out: Path) -> int:
    """Tell on standard error why nothing was written; the exit code 1."""
    if isinstance(error, NotFoundError):
        message = (
            f"There is no workbook with the id {_printable(str(args.workbook))!r}. "
            "Run 'python -m secondopinion workbooks' to list them."
        )
    elif isinstance(error, StoreError):
        message = error.full_message()
    else:
        message = f"Cannot write to {out}: {error.strerror or error}"
    print(message, file=sys.stderr)
    return 1


def workbooks_command(args: argparse.Namespace) -> int:
    """Print every workbook, most recently changed first; return 0, or 1 with a message."""
    try:
        with WorkbookStore.open(args.data, create=False) as store:
            summaries = store.workbooks()
            location = store.location
    except StoreError as error:
        print(error.full_message(), file=sys.stderr)
        return 1
    if not summaries:
        print(f"No workbooks yet in {location}.")
        return 0
    rows = [("id", "name", "started by", "created (UTC)", "last change (UTC)")]
    rows += [
        (
            s.id,
            _fit(_printable(s.display_name) or "(no name)", _NAME_WIDTH),
            s.created_by,
            s.created_at.strftime("%Y-%m-%d"),
            s.updated_at.strftime("%Y-%m-%d %H:%M"),
        )
        for s in summaries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    count = len(summaries)
    print(f"\n{count} workbook{'s' if count != 1 else ''} in {location}.")
    return 0


def _printable(text: str) -> str:
    """Text safe for a terminal: control and formatting characters shown as escapes."""
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch: str) -> str:
    code = ord(ch)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
