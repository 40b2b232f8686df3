"""Places the timeline's chosen steps on days, forward from today (see ``timeline``'s notes).

Days are numbered from today (0) by a ``DayCounter``: working days, or every day for a timeline
counted day by day. A chain of steps ends on an anchor: the decision, or the person's other date.

The order steps are placed in is the critical path first: the steps marked ``critical`` (calling
the plan, booking the visit) before all others, and no records request on a day before them;
then the most pressed steps first. Each is placed as early as it can keep its usual wait before
the step it comes before; when that no longer fits, its wait shrinks, never below the fewest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from secondopinion.content import (
    ANCHORS,
    DECISION,
    RecordStepSpec,
    StatusId,
    TimelineContent,
    TimelineStepSpec,
)
from secondopinion.planning.working_days import DayCounter

MOST_A_DAY: Final = 3
"""No more than this many steps on one day."""


@dataclass(frozen=True)
class Chosen:
    """A step chosen for this person, in their words, with the records it asks for (if any)."""

    id: str
    spec: TimelineStepSpec
    text: str
    why: str
    if_late: str | None
    if_no_time: str | None
    records: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    """The pages it cites: the step's, less those whose premises the answers contradict."""

    @property
    def asks_for_records(self) -> bool:
        """A step about records (asking for them, or checking on them)."""
        return isinstance(self.spec, RecordStepSpec)


@dataclass(frozen=True)
class Placed:
    """Where the schedule put a step: its day (None: it does not fit), status and days."""

    entry: Chosen
    day: int | None
    status: StatusId
    instead: str | None
    planned: int
    latest: int


def chains(
    specs: Mapping[str, TimelineStepSpec], after: Mapping[str, str], gap: str
) -> tuple[dict[str, int], dict[str, str]]:
    """For each step: the days before the anchor it leads to (its ``gap`` waits), and the anchor.

    ``after`` is each step's ``before`` as it stands (stand-ins in place).
    """
    total: dict[str, int] = {anchor: 0 for anchor in ANCHORS}
    anchor: dict[str, str] = {a: a for a in ANCHORS}

    def walk(step_id: str) -> int:
        if step_id not in total:
            nxt = after[step_id]
            total[step_id] = walk(nxt) + int(getattr(specs[step_id], gap))
            anchor[step_id] = anchor[nxt]
        return total[step_id]

    for step_id in after:
        walk(step_id)
    return total, anchor


class Schedule:
    """Places the chosen steps on days; ``placed()`` gives each one, in the order to do them."""

    def __init__(
        self,
        knowledge: TimelineContent,
        chosen: Sequence[Chosen],
        counter: DayCounter,
        anchors: Mapping[str, int],
        after: Mapping[str, str],
    ) -> None:
        self.chosen = list(chosen)
        self.counter = counter
        self.after = after
        every = (*knowledge.steps, *knowledge.record_steps)
        specs = {spec.id: spec for spec in every}
        usual, self.anchor_of = chains(specs, after, "working_days")
        fewest, _ = chains(specs, after, "fewest_working_days")
        self.horizon = max(anchors.values())
        kinds = {entry.spec.id for entry in self.chosen}
        self.usual_total = usual
        self.usual_latest = {k: anchors[self.anchor_of[k]] - usual[k] for k in kinds}
        self.fewest_latest = {k: anchors[self.anchor_of[k]] - fewest[k] for k in kinds}
        depth = _depths(after)
        rank = {spec.id: n for n, spec in enumerate(every)}

        def pressed(n: int) -> tuple[bool, int, int, int, int, int]:
            kind = self.chosen[n].spec.id
            return (
                not self.chosen[n].spec.critical,
                self.usual_latest[kind],
                self.fewest_latest[kind],
                -depth[kind],
                rank[kind],
                n,
            )

        self.order = sorted(range(len(self.chosen)), key=pressed)
        self.sort_key = {
            n: (
                not entry.spec.critical,
                -usual[entry.spec.id],
                -depth[entry.spec.id],
                rank[entry.spec.id],
                n,
            )
            for n, entry in enumerate(self.chosen)
        }
        self.days: dict[int, int] = {}  # chosen entry -> day
        self.used: Counter[int] = Counter()
        self.floor = 0  # no records request before the critical steps
        self.short = any(day < 0 for day in self.usual_latest.values())
        """Time is short: the usual waits do not all fit. The critical steps go first of all."""

    def placed(self) -> list[Placed]:
        """Every chosen step, dated or not, in the order to do them."""
        self._plan(core_first=False)
        if any(
            n not in self.days and self.fewest_latest[entry.spec.id] >= 0
            for n, entry in enumerate(self.chosen)
            if not entry.asks_for_records
        ):
            # So many steps that the days the main steps need are full: plan those first.
            self._plan(core_first=True)
        keyed = []
        for n, entry in enumerate(self.chosen):
            day = self.days.get(n, self.fewest_latest[entry.spec.id])
            keyed.append(((day, *self.sort_key[n]), self._result(n)))
        return [result for _, result in sorted(keyed, key=lambda pair: pair[0])]

    def _plan(self, *, core_first: bool) -> None:
        """Place every step: the anchors' own steps, the critical path, then the rest.

        With ``core_first``, the other steps that lead to the decision and are not about records
        are placed next, each as late as it can be, and the rest then fit around them.
        """
        self.days.clear()
        self.used.clear()
        self.floor = 0
        for n in self.order:
            if self.after[self.chosen[n].spec.id] in ANCHORS:
                _, _, latest = self._window(n)
                self._place(n, range(latest, -1, -1))
        rest = [n for n in self.order if n not in self.days]
        for n in [n for n in rest if self.chosen[n].spec.critical]:
            if self.short:  # the critical path: as soon as it can be
                soonest, _, latest = self._window(n)
                self._place(n, range(soonest, latest + 1))
            else:
                self._place(n, self._days_for(n))
        critical_days = [d for n, d in self.days.items() if self.chosen[n].spec.critical]
        self.floor = max(critical_days, default=0)
        rest = [n for n in rest if not self.chosen[n].spec.critical]
        if core_first:
            core = [
                n
                for n in rest
                if not self.chosen[n].asks_for_records
                and self.anchor_of[self.chosen[n].spec.id] == DECISION
            ]
            for n in reversed(core):
                soonest, _, latest = self._window(n)
                self._place(n, range(latest, soonest - 1, -1))
            rest = [n for n in rest if n not in core]
        for n in rest:
            self._place(n, self._days_for(n))

    def _window(self, n: int) -> tuple[int, int, int]:
        """The soonest, the best and the latest day for step ``n``, given the steps placed."""
        entry = self.chosen[n]
        kind = entry.spec.id
        soonest = preferred = self.floor if entry.asks_for_records else 0
        for m, day in self.days.items():
            before = self.chosen[m].spec
            if self.after[before.id] == kind:
                soonest = max(soonest, day + before.fewest_working_days)
                preferred = max(preferred, day + before.working_days)
        latest, usual_latest = self.fewest_latest[kind], self.usual_latest[kind]
        nxt = self._next_day(self.after[kind])
        if nxt is not None:
            latest = min(latest, nxt - entry.spec.fewest_working_days)
            usual_latest = min(usual_latest, nxt - entry.spec.working_days)
        best = max(soonest, min(preferred, usual_latest))
        return soonest, best, latest

    def _days_for(self, n: int) -> Iterator[int]:
        """The days step ``n`` may go on, best first: as early as it can keep its usual time."""
        soonest, best, latest = self._window(n)
        yield from range(best, latest + 1)
        yield from range(min(best, latest + 1) - 1, soonest - 1, -1)

    def _place(self, n: int, days: Iterable[int]) -> None:
        any_day = self.chosen[n].spec.any_day
        for day in days:
            if not 0 <= day <= self.horizon or self.used[day] >= MOST_A_DAY:
                continue
            if any_day or self.counter.is_open(day):
                self.days[n] = day
                self.used[day] += 1
                return

    def _next_day(self, kind: str) -> int | None:
        """The day of the soonest placed step of ``kind`` (the step a step must come before)."""
        days = [day for m, day in self.days.items() if self.chosen[m].spec.id == kind]
        return min(days) if days else None

    def _result(self, n: int) -> Placed:
        entry, spec = self.chosen[n], self.chosen[n].spec
        day = self.days.get(n)
        status: StatusId
        if day is None:
            status, instead = "past", entry.if_no_time
        else:
            nxt = self._next_day(self.after[spec.id])
            if nxt is not None:
                pressed = nxt - day < spec.working_days
            else:
                pressed = day > self.usual_latest[spec.id]
            status, instead = ("tight", entry.if_late) if pressed else ("ok", None)
        return Placed(
            entry=entry,
            day=day,
            status=status,
            instead=instead,
            planned=self.usual_latest[spec.id],
            latest=self.fewest_latest[spec.id],
        )


def _depths(after: Mapping[str, str]) -> dict[str, int]:
    """How many steps lie between each step and its anchor (the last step has 1)."""
    found: dict[str, int] = {anchor: 0 for anchor in ANCHORS}

    def depth(step_id: str) -> int:
        if step_id not in found:
            found[step_id] = depth(after[step_id]) + 1
        return found[step_id]

    for step_id in after:
        depth(step_id)
    return found
