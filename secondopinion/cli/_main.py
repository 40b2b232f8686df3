"""The command line: ``python -m secondopinion COMMAND``.

Commands: ``check-content``, ``plan``, ``serve``, ``fhir``, and those of the workbook store.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from secondopinion.cli._plan_output import plan_as_data, plan_as_text
from secondopinion.content import ContentError, load_content, translation_languages
from secondopinion.content.situation_map import COVERAGE_HEADER, coverage, coverage_table
from secondopinion.language import DEFAULT_LANGUAGE, LANGUAGES
from secondopinion.planning import Situation, SituationError, tailor


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m secondopinion", description="The second-opinion workbook."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check-content",
        help="check the content files and every translation in content/translations/",
    )
    _content_option(check)
    check.add_argument(
        "--language",
        action="append",
        choices=LANGUAGES,
        help="check only these languages (default: English and every translation found)",
    )
    check.add_argument(
        "--coverage",
        type=Path,
        metavar="FILE",
        help="also write the situation map's coverage table (Markdown) to FILE",
    )
    check.set_defaults(handler=_check_content)

    plan = commands.add_parser("plan", help="print the tailored plan for a situation file")
    plan.add_argument("situation", type=Path, help="a JSON file of intake answers ({} is fine)")
    plan.add_argument("--format", choices=("text", "json"), default="text")
    plan.add_argument("--language", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    _content_option(plan)
    plan.set_defaults(handler=_plan)

    serve = commands.add_parser("serve", help="serve the patient dashboard with Voilà")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8866)
    serve.add_argument(
        "--base-url", default="/", help="the path it is served under, behind a proxy or a hub"
    )
    serve.set_defaults(handler=_serve)

    from secondopinion.cli import _workbooks as _cli_sessions

    _cli_sessions.register(commands)
    _register_fhir(commands)
    return parser


def _register_fhir(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fhir`` command (``secondopinion.cli._fhir``)."""
    from secondopinion.cli import _fhir

    _fhir.register(commands)


def _content_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--content", type=Path, default=None, help="content folder to use")


def _check_content(args: argparse.Namespace) -> int:
    content = load_content(args.content)
    counts = (len(content.questions), len(content.records), len(content.next_steps))
    print("Content is sound: {} questions, {} records, {} next steps.".format(*counts))
    table = coverage_table(
        coverage(content.situation_map, (content.questions, content.records, content.next_steps))
    )
    print(f"\nHow many items serve each value of the situation map:\n\n{table}\n")
    if args.coverage is not None:
        args.coverage.write_text(COVERAGE_HEADER + table + "\n", encoding="utf-8")
    languages = args.language or translation_languages(args.content)
    failed = 0
    for language in languages:
        if language == DEFAULT_LANGUAGE:
            continue
        try:
            load_content(args.content, language=language)
        except ContentError as error:
            print(f"[{language}] {error}", file=sys.stderr)
            failed += 1
            continue
        if language not in LANGUAGES:
            print(f"[{language}] sound, but the workbook does not offer it yet (LANGUAGES)")
        else:
            print(f"[{language}] Translation is sound: every text has one, none is left over.")
    return 1 if failed else 0


def _plan(args: argparse.Namespace) -> int:
    content = load_content(args.content, language=args.language)
    try:
        raw = json.loads(args.situation.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        print(f"Cannot read the situation file {args.situation}: {error}", file=sys.stderr)
        return 2
    if not isinstance(raw, dict):
        print(f"{args.situation}: a situation is a JSON object of answers", file=sys.stderr)
        return 2
    try:
        situation = Situation.from_answers(raw, content.intake)
    except SituationError as error:
        for problem in error.problems:
            print(f"{args.situation}: {problem}", file=sys.stderr)
        return 2
    plan = tailor(situation, content)
    if args.format == "json":
        print(json.dumps(plan_as_data(plan), indent=2, ensure_ascii=False))
    else:
        print(plan_as_text(plan, content), end="")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from secondopinion.serving import serve_dashboard

    return serve_dashboard(host=args.host, port=args.port, base_url=args.base_url)
