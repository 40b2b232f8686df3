"""A plan as JSON-ready data and as plain text, for the command line."""

from __future__ import annotations

import textwrap

from secondopinion.content import Content, NextStep, Question, Record
from secondopinion.language import translator
from secondopinion.planning import Plan, PlannedItem


def _entry(
    planned: PlannedItem[Question] | PlannedItem[Record] | PlannedItem[NextStep],
) -> dict[str, object]:
    item = planned.item
    return {
        "id": item.id,
        "text": item.text,
        "category": item.topic if isinstance(item, Question) else item.category,
        "audience": item.audience if isinstance(item, Question) else None,
        "why": item.why,
        "because": list(planned.because),
        "sources": list(item.sources),
    }


def plan_as_data(plan: Plan) -> dict[str, object]:
    """The plan as plain data: each item's id, text, category, audience, why, because, sources.

    ``start_here`` lists the ids of the items to do first, by kind.
    """
    first = plan.start_here
    return {
        "start_here": {kind: [p.id for p in chosen] for kind, chosen in first.sections()},
        "questions": [_entry(p) for p in plan.questions],
        "records": [_entry(p) for p in plan.records],
        "next_steps": [_entry(p) for p in plan.next_steps],
    }


def plan_as_text(plan: Plan, content: Content) -> str:
    """The plan as plain text: "Start here" first, then everything grouped as the workbook does.

    The words are in the content's language, the fixed ones from the message catalogue.
    """
    _ = translator(content.language).gettext
    lines: list[str] = [_("START HERE")]
    first = plan.start_here
    headings = {
        "questions": _("Questions to ask first"),
        "records": _("Records to gather first"),
        "next_steps": _("Next steps to take first"),
    }
    for kind, chosen in first.sections():
        heading = headings[kind]
        if chosen:
            lines += ["", f"{heading}:"]
            for number, planned in enumerate(chosen, start=1):
                lines += textwrap.wrap(
                    f"{number}. {planned.item.text}",
                    width=96,
                    initial_indent="  ",
                    subsequent_indent="     ",
                )
    lines += ["", _("Everything else is below."), "", _("QUESTIONS TO ASK")]
    for audience in content.audiences:
        questions = plan.questions_for(audience.id)
        if not questions:
            continue
        lines += ["", f"== {audience.label} =="]
        topic = None
        for planned in questions:
            if planned.item.topic != topic:
                topic = planned.item.topic
                lines += ["", f"-- {content.label(topic)} --"]
            lines += _describe(planned, content)
    lines += ["", _("RECORDS TO GATHER")]
    for category in content.record_categories:
        for record in plan.records_in(category.id):
            lines += _describe(record, content, category.label)
            lines += _wrap(_("How to get it: {how}").format(how=record.item.how_to_get))
    lines += ["", _("NEXT STEPS")]
    for category in content.step_categories:
        steps = plan.steps_in(category.id)
        if steps:
            lines += ["", f"== {category.label} =="]
        for step in steps:
            lines += _describe(step, content)
            if step.item.detail:
                lines += _wrap(step.item.detail)
    lines += [
        "",
        _("This workbook is not medical advice. Talk over every choice with your doctors."),
    ]
    return "\n".join(lines) + "\n"


def _describe(
    planned: PlannedItem[Question] | PlannedItem[Record] | PlannedItem[NextStep],
    content: Content,
    group: str | None = None,
) -> list[str]:
    _ = translator(content.language).gettext
    heading = f"* {planned.item.text}" + (f"  [{group}]" if group else "")
    publishers = dict.fromkeys(content.sources[s].publisher for s in planned.item.sources)
    sources = ", ".join(publishers)
    return [
        "",
        *textwrap.wrap(heading, width=96, subsequent_indent="  "),
        *_wrap(_("Why: {why}").format(why=planned.item.why)),
        *_wrap(" ".join(planned.because)),
        *_wrap(_("Sources: {sources}").format(sources=sources)),
    ]


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, width=96, initial_indent="    ", subsequent_indent="    ")
