"""Step 2, "Questions to ask": the tailored list, by whom to ask and by topic.

Each question can be starred, ticked as asked and answered; the person can add their own.
Answers to questions that stop applying are kept and shown as not applying now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w

from secondopinion.content import Question
from secondopinion.language import N_, translator
from secondopinion.planning import PlannedItem
from secondopinion.store import OwnQuestion, StoreBusyError
from widgets.parts.feedback import ProblemMessage, busy_button, guarded
from widgets.parts.item_text import MORE, START_HERE, escaped, why_details
from widgets.parts.page_roles import FocusMover
from widgets.parts.typing import QUESTION_LIMIT, TypedText, too_long
from widgets.workbook_state import WorkbookState

Save = Callable[..., None]


class QuestionRow(w.VBox):  # type: ignore[misc]
    """One question with its star, its "asked" tick and the answer written down."""

    def __init__(
        self,
        item_id: str,
        text: str,
        saved: Any,
        save: Save,
        problem: ProblemMessage,
        state: WorkbookState | None = None,
    ):
        self.item_id = item_id
        self.state = state
        self.language = problem.language
        _ = translator(self.language).gettext
        self.text = w.HTML(f'<p class="workbook-question-text">{escaped(text)}</p>')
        self.why = w.HTML()
        self.note = w.HTML()
        self.star = w.ToggleButton(
            value=bool(saved and saved.starred), tooltip=_("Star this question")
        )
        self.asked = w.Checkbox(
            value=bool(saved and saved.asked), description=_("I asked this"), indent=False
        )
        self.answer = w.Textarea(
            value=(saved.answer if saved else "") or "",
            placeholder=_("Write the answer here"),
            description=_("Answer"),
            continuous_update=True,
            layout=w.Layout(width="100%"),
        )
        self._undoing = False
        self._label_star()
        self.status = w.HTML()
        controls = w.HBox([self.star, self.asked], layout=w.Layout(flex_flow="row wrap"))
        super().__init__([self.text, self.note, self.why, controls, self.answer, self.status])
        self.add_class("workbook-question")
        self.add_class(f"item-{item_id}")
        keep = guarded(problem)
        self.star.observe(keep(lambda _: self._star_changed(save)), "value")
        self.asked.observe(keep(lambda _: save(asked=self.asked.value)), "value")
        self.typed = TypedText(
            self.answer, keep(lambda text: save(answer=text)), problem, state=state
        )

    def _star_changed(self, save: Save) -> None:
        """Save the star, and show it as starred only once it is saved."""
        if self._undoing:
            return
        try:
            save(starred=self.star.value)
        except StoreBusyError:  # tried again later: say it is on its way
            saving = translator(self.language).gettext("Saving…")
            self.star.description = f"★ {saving}" if self.star.value else f"☆ {saving}"
            raise
        except Exception:
            self._undoing = True
            try:
                self.star.value = not self.star.value
            finally:
                self._undoing = False
            if self.state is not None:  # the page shows what is stored again
                self.state.take_back_failed()
            raise
        self._label_star()

    def _label_star(self) -> None:
        _ = translator(self.language).gettext
        self.star.description = _("★ Starred") if self.star.value else _("☆ Star")
        if self.star.value:
            self.star.add_class("workbook-starred")
        else:
            self.star.remove_class("workbook-starred")

    def mark_applies(self, applies: bool) -> None:
        """Say plainly when a question no longer fits the situation (its answers are kept)."""
        if applies:
            self.remove_class("workbook-not-applying")
            self.status.value = ""
        else:
            self.add_class("workbook-not-applying")
            words = translator(self.language).gettext(
                "This no longer fits your answers. What you wrote is kept."
            )
            self.status.value = f'<p class="workbook-note">{words}</p>'


class QuestionList(w.VBox):  # type: ignore[misc]
    """The tailored questions, regrouped as soon as the situation changes."""

    def __init__(self, state: WorkbookState) -> None:
        self.state = state
        _ = state.tr.gettext
        self.problem = ProblemMessage(state.language)
        self.rows: dict[str, QuestionRow] = {}
        self._headings: dict[str, w.HTML] = {}
        self.intro = w.HTML(
            "<h2>"
            + _("Questions to ask")
            + "</h2><p>"
            + _(
                "These questions fit what you told us. Star the ones that matter most, tick "
                "them off when you ask them, and write down the answers."
            )
            + "</p>"
        )
        self.summary = w.HTML()
        self.focus_mover = FocusMover()
        self.deleted: OwnQuestion | None = None
        """The question of the person's own deleted last, while its Undo is offered."""
        self._deleted_at = 0
        self._restored_id: str | None = None
        self.undo: w.Box | None = None
        self.own_text = w.Textarea(
            placeholder=_("Type a question of your own"),
            description=_("Your question"),
            layout=w.Layout(width="100%"),
        )
        self.own_text.add_class("workbook-add-question-text")
        self.add_problem = ProblemMessage(state.language)
        audiences = [(a.label, a.id) for a in state.content.audiences]
        self.own_audience = w.Dropdown(
            options=audiences, value=audiences[0][1], description=_("Ask")
        )
        self.add_own = w.Button(description=_("Add my question"), button_style="primary")
        self.add_own.add_class("workbook-add-question")
        busy_button(self.add_own, self.add_problem, self._add_own_question)
        self.own_form = w.VBox(
            [
                w.HTML("<h3>" + _("Add your own question") + "</h3>"),
                self.add_problem,
                self.own_text,
                self.own_audience,
                self.add_own,
            ]
        )
        super().__init__()
        self.add_class("workbook-questions")
        state.watch(lambda _: self.refresh(), names="plan")
        state.watch(lambda _: self._count(), names="workbook")
        self.refresh()

    def refresh(self) -> None:
        """Show the questions of the current plan; keep every row and what was written in it."""
        plan = self.state.plan
        workbook = self.state.workbook
        saved = workbook.questions if workbook else {}
        content = self.state.content
        _ = self.state.tr.gettext
        # The same widgets first, so that the page draws again only what changed.
        children: list[w.Widget] = [self.intro, self.summary, self.problem, self.focus_mover]
        first = plan.start_here.questions
        if first:
            children.append(self._heading("start", "h3", _(START_HERE)))
            for planned in first:
                row = self._row(planned, saved.get(planned.id))
                audience_label = escaped(content.label(planned.item.audience))
                ask = _("Ask: {whom}").format(whom=audience_label)
                row.note.value = f'<p class="workbook-note">{ask}</p>'
                row.add_class("workbook-start-here")
                children.append(row)
            children.append(self._heading("more", "h3", _(MORE)))
        for audience in content.audiences:
            questions = [
                q for q in plan.questions_for(audience.id) if q.id not in plan.start_here.item_ids
            ]
            if not questions:
                continue
            children.append(self._heading(audience.id, "h4", audience.label))
            topic = None
            for planned in questions:
                if planned.item.topic != topic:
                    topic = planned.item.topic
                    key = f"{audience.id}/{topic}"
                    children.append(self._heading(key, "h5", content.label(topic)))
                row = self._row(planned, saved.get(planned.id))
                row.note.value = ""
                row.remove_class("workbook-start-here")
                children.append(row)
        own = workbook.own_questions if workbook else ()
        if own or self.undo is not None:
            children.append(self._heading("own", "h3", _("Your own questions")))
            own_rows: list[w.Widget] = [self._own_row(question) for question in own]
            if self.undo is not None:  # where the deleted question was
                own_rows.insert(min(self._deleted_at, len(own_rows)), self.undo)
            children += own_rows
        earlier = [
            item_id
            for item_id, state in saved.items()
            if item_id not in plan.item_ids and _has_work(state)
        ]
        if earlier:
            children.append(self._heading("earlier", "h3", _("From your earlier answers")))
            for item_id in earlier:
                item = content.item(item_id) if _known(content, item_id) else None
                row = self._row_for(item_id, item.text if item else item_id, saved[item_id])
                row.mark_applies(False)
                row.why.value = ""
                children.append(row)
        children.append(self.own_form)
        self.children = children
        self._count()

    def _count(self) -> None:
        workbook = self.state.workbook
        saved = list(workbook.questions.values()) + list(workbook.own_questions) if workbook else []
        starred = sum(1 for s in saved if s.starred)
        asked = sum(1 for s in saved if s.asked)
        words = self.state.tr.gettext(
            "{count} questions for you. {starred} starred, {asked} asked."
        ).format(count=len(self.state.plan.questions), starred=starred, asked=asked)
        self.summary.value = f'<p role="status">{words}</p>'

    def _heading(self, key: str, tag: str, label: str) -> w.HTML:
        if key not in self._headings:
            self._headings[key] = w.HTML(f"<{tag}>{escaped(label)}</{tag}>")
        return self._headings[key]

    def _row(self, planned: PlannedItem[Question], saved: Any) -> QuestionRow:
        row = self._row_for(planned.id, planned.text, saved)
        item = planned.item
        row.why.value = why_details(item.why, planned.because, item.sources, self.state.content)
        row.mark_applies(True)
        return row

    def _row_for(self, item_id: str, text: str, saved: Any) -> QuestionRow:
        if item_id not in self.rows:

            def save(**changes: Any) -> None:
                self.state.set_question(item_id, **changes)

            self.rows[item_id] = QuestionRow(item_id, text, saved, save, self.problem, self.state)
        return self.rows[item_id]

    def _own_row(self, question: Any) -> QuestionRow:
        if question.id not in self.rows:
            own_id = question.id

            def save(**changes: Any) -> None:
                self.state.set_own_question(own_id, **changes)

            row = QuestionRow(own_id, question.text, question, save, self.problem, self.state)
            row.add_class("workbook-own-question")
            _ = self.state.tr.gettext
            edit = w.Textarea(
                value=question.text,
                description=_("Your question"),
                layout=w.Layout(width="100%"),
            )
            edit.add_class("workbook-own-question-text")
            row.own_text = TypedText(
                edit,
                guarded(self.problem)(lambda text: save(text=text) if text.strip() else None),
                self.problem,
                limit=QUESTION_LIMIT,
                what=_("Your question"),
                state=self.state,
            )
            delete = w.Button(description=_("Delete this question"))
            delete.add_class("workbook-delete-question")
            busy_button(delete, self.problem, lambda: self._delete_own(own_id))
            row.children = (edit, row.note, row.why, *row.children[3:], delete)
            self.rows[own_id] = row
        return self.rows[question.id]

    def _delete_own(self, own_id: str) -> None:
        """Delete one of the person's own questions, and offer to bring it back (``undo``)."""
        row = self.rows.get(own_id)
        if row is not None:  # what was typed a moment ago is part of what is deleted
            for typed in (row.typed, getattr(row, "own_text", None)):
                if typed is not None and typed.waiting:
                    typed.flush()
        workbook = self.state.workbook
        own = list(workbook.own_questions) if workbook else []
        place = next((i for i, q in enumerate(own) if q.id == own_id), len(own))
        self.state.delete_own_question(own_id)
        self.rows.pop(own_id, None)
        if place < len(own):
            self.deleted, self._deleted_at, self._restored_id = own[place], place, None
            self.undo = self._undo_box(own[place])
        self.refresh()
        if self.undo is not None:
            self.focus_mover.move_to(f".workbook-questions .workbook-undo-{own_id} button")

    def _undo_box(self, question: OwnQuestion) -> w.Box:
        _ = self.state.tr.gettext
        said = _("You deleted the question “{question}”.").format(question=escaped(question.text))
        undo = w.Button(description=_("Undo"), tooltip=_("Bring back the question you deleted"))
        undo.add_class("workbook-undo-button")
        box = w.Box(
            [w.HTML(f'<p class="workbook-note">{said}</p>'), undo],
            layout=w.Layout(flex_flow="row wrap", align_items="center"),
        )
        box.add_class("workbook-undo-delete")
        box.add_class(f"workbook-undo-{question.id}")
        busy_button(undo, self.add_problem, self._undo_delete)
        return box

    def _undo_delete(self) -> None:
        """Bring back the question deleted last: its words, whom to ask, star, tick and answer."""
        deleted = self.deleted
        if deleted is None:
            return
        if self._restored_id is None:  # a second try (the database was busy) adds it once
            self._restored_id = self.state.add_own_question(deleted.text, deleted.audience)
        kept = {"starred": deleted.starred, "asked": deleted.asked, "answer": deleted.answer}
        changes = {name: value for name, value in kept.items() if value}
        if changes:
            self.state.set_own_question(self._restored_id, **changes)
        restored = self._restored_id
        self.deleted, self._restored_id, self.undo = None, None, None
        self.refresh()
        self.focus_mover.move_to(f".workbook-questions .item-{restored} textarea")

    def _add_own_question(self) -> None:
        """Add the question typed in the box; the focus goes to it (or back to the box)."""
        text = self.own_text.value
        _ = self.state.tr.gettext
        try:
            if not text.strip():
                raise ValueError(N_("Type your question first, then press the button."))
            message = too_long(text, QUESTION_LIMIT, _("Your question"), self.state.language)
            if message:
                raise ValueError(message)
            added = self.state.add_own_question(text, self.own_audience.value)
        except Exception:
            self.focus_mover.move_to(".workbook-questions .workbook-add-question-text textarea")
            raise
        self.own_text.value = ""
        self.refresh()
        self.focus_mover.move_to(f".workbook-questions .item-{added} textarea")


def _has_work(state: Any) -> bool:
    return bool(state.starred or state.asked or state.answer)


def _known(content: Any, item_id: str) -> bool:
    try:
        content.item(item_id)
    except KeyError:
        return False
    return True
