"""The ``fhir`` command: one workbook's answers, or the intake, as FHIR R4 JSON.

    python -m secondopinion fhir --workbook ID --out FILE.json [--data DIR] [--content DIR]
    python -m secondopinion fhir --questionnaire [--workbook ID | --language es] --out FILE.json

Without ``--questionnaire`` it writes the workbook's answers as a ``QuestionnaireResponse``; with
it, the intake as a ``Questionnaire``, in the workbook's language (or ``--language`` without a
workbook). The file is owner-only (0o600). See ``secondopinion.documents.fhir``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from secondopinion.cli._workbooks import _data_option, _say_why_not, _write_for_workbook
from secondopinion.content import Content, load_content
from secondopinion.documents.exports import write_private
from secondopinion.language import DEFAULT_LANGUAGE, LANGUAGES
from secondopinion.store import Workbook


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fhir`` command."""
    fhir = subparsers.add_parser(
        "fhir",
        help="write one workbook's answers (or the intake) as FHIR R4 JSON",
        description="Write a workbook's answers as a FHIR R4 QuestionnaireResponse, or with "
        "--questionnaire the intake as a FHIR R4 Questionnaire, for a hospital's system. The "
        "file can only be read by you.",
    )
    fhir.add_argument("--workbook", metavar="ID", help="the workbook (see 'workbooks')")
    fhir.add_argument("--out", type=Path, required=True, metavar="FILE.json", help="file to write")
    fhir.add_argument(
        "--questionnaire",
        action="store_true",
        help="write the intake as a Questionnaire instead (in the workbook's language)",
    )
    fhir.add_argument(
        "--language",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help="the Questionnaire's language when no --workbook is given",
    )
    _data_option(fhir)
    fhir.add_argument(
        "--content", type=Path, default=None, metavar="DIR", help="content folder to use"
    )
    fhir.set_defaults(handler=fhir_command)


def fhir_command(args: argparse.Namespace) -> int:
    """Write the FHIR file; return 0, or 1 (2 for a missing --workbook) with a message."""
    # Imported here: the FHIR models take a moment to load, and the other commands need none.
    from secondopinion.documents.fhir import (
        intake_questionnaire,
        resource_json,
        workbook_response,
    )

    if args.workbook is None:
        if not args.questionnaire:
            print("Say which workbook with --workbook ID (see 'workbooks').", file=sys.stderr)
            return 2
        out: Path = args.out
        try:
            content = load_content(args.content, language=args.language)
            write_private(resource_json(intake_questionnaire(content.intake)), out)
        except OSError as error:
            return _say_why_not(error, args, out)
        print(f"Saved {out}: the intake as a FHIR Questionnaire ({args.language})")
        return 0

    def make(book: Workbook, content: Content) -> tuple[bytes, str]:
        if args.questionnaire:
            questionnaire = intake_questionnaire(content.intake)
            return resource_json(questionnaire), "the intake as a FHIR Questionnaire"
        response = workbook_response(book, content)
        count = len(response.item or ())
        what = f"{count} answer{'s' if count != 1 else ''} as a FHIR QuestionnaireResponse"
        return resource_json(response), f"{what} ({response.status})"

    return _write_for_workbook(args, make)
