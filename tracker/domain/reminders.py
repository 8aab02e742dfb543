"""Reminder rules (催办): what is overdue, what falls due within a week, what has gone stale.

Pure functions over plain milestone facts and the as-of day, so the rules are tested without
an app. A milestone is *open* unless its computed status is done on the as-of day.

* overdue: open and due before the as-of day (the due day itself is still on time);
* due soon: open and due from the as-of day to :data:`DUE_SOON_DAYS` days after it;
* stale: open, with no activity for more than :data:`STALE_AFTER_DAYS` days
  ("no update for 41 days");
* unsigned: open and still waiting for the department's receipt (签收) from the day after it
  was assigned (the day of the assignment is the department's to answer), with the days since
  ("待签收 3 项，最早已交办 6 天").

A milestone can be overdue (or due soon) and stale at the same time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from tracker.domain.closing import has_ended
from tracker.domain.status import Status

DUE_SOON_DAYS = 7
STALE_AFTER_DAYS = 30
# A receipt not signed by the end of the day it was assigned is a reminder from the next day.
UNSIGNED_AFTER_DAYS = 1


class ReminderKind(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    STALE = "stale"
    UNSIGNED = "unsigned"


@dataclass(frozen=True, slots=True)
class MilestoneFacts:
    """What the rules need of a milestone. ``status`` is computed at the as-of day;
    ``last_activity`` is the day it was last updated or reported on.
    """

    key: int
    code: str
    item_code: str
    title_zh: str
    title_en: str
    department_id: int
    due: date
    status: Status
    last_activity: date
    plan_end: date | None = None
    # The day its pending receipt was assigned; None when nothing waits for a signature.
    awaiting_receipt_since: date | None = None


@dataclass(frozen=True, slots=True)
class Reminder:
    """One reason to remind: ``days`` late (overdue), left (due soon) or idle (stale)."""

    milestone: MilestoneFacts
    kind: ReminderKind
    days: int

    # Templates read the milestone's fields straight from the reminder.
    @property
    def code(self) -> str:
        return self.milestone.code

    @property
    def item_code(self) -> str:
        return self.milestone.item_code

    @property
    def milestone_id(self) -> int:
        return self.milestone.key

    @property
    def title_zh(self) -> str:
        return self.milestone.title_zh

    @property
    def title_en(self) -> str:
        return self.milestone.title_en

    @property
    def due(self) -> date:
        return self.milestone.due

    @property
    def after_plan_end(self) -> bool:
        """An overdue reminder read after the plan's last day: "not done by the plan's end"
        says more than a count of days that only grows."""
        end = self.milestone.plan_end
        return (
            self.kind is ReminderKind.OVERDUE
            and end is not None
            and has_ended(end, self.due + timedelta(days=self.days))
        )


@dataclass(frozen=True, slots=True)
class Reminders:
    """A department's reminders, each list in the order to read it."""

    overdue: tuple[Reminder, ...] = ()
    due_soon: tuple[Reminder, ...] = ()
    stale: tuple[Reminder, ...] = ()
    unsigned: tuple[Reminder, ...] = ()

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.stale) + len(self.unsigned)

    def __bool__(self) -> bool:
        return self.count > 0


@dataclass
class _Collect:
    overdue: list[Reminder] = field(default_factory=list)
    due_soon: list[Reminder] = field(default_factory=list)
    stale: list[Reminder] = field(default_factory=list)
    unsigned: list[Reminder] = field(default_factory=list)


def is_open(facts: MilestoneFacts) -> bool:
    return facts.status is not Status.DONE


def days_idle(facts: MilestoneFacts, as_of: date) -> int:
    """Whole days since the last activity (0 on the day itself, or for activity after it)."""
    return max(0, (as_of - facts.last_activity).days)


def classify(facts: MilestoneFacts, as_of: date) -> list[Reminder]:
    """The reminders one milestone gives at ``as_of``: none, one or two."""
    if not is_open(facts):
        return []
    found = []
    if facts.due < as_of:
        found.append(Reminder(facts, ReminderKind.OVERDUE, (as_of - facts.due).days))
    elif facts.due <= as_of + timedelta(days=DUE_SOON_DAYS):
        found.append(Reminder(facts, ReminderKind.DUE_SOON, (facts.due - as_of).days))
    idle = days_idle(facts, as_of)
    if idle > STALE_AFTER_DAYS:
        found.append(Reminder(facts, ReminderKind.STALE, idle))
    if facts.awaiting_receipt_since is not None:
        waited = (as_of - facts.awaiting_receipt_since).days
        if waited >= UNSIGNED_AFTER_DAYS:
            found.append(Reminder(facts, ReminderKind.UNSIGNED, waited))
    return found


def remind(milestones: Iterable[MilestoneFacts], as_of: date) -> Reminders:
    """Every reminder of these milestones: overdue longest-late first, due soon earliest first,
    stale longest-idle first, unsigned longest-waiting first (then by code).
    """
    collected = _Collect()
    for facts in milestones:
        for reminder in classify(facts, as_of):
            getattr(collected, reminder.kind.value).append(reminder)
    return Reminders(
        overdue=tuple(sorted(collected.overdue, key=lambda r: (r.due, r.code))),
        due_soon=tuple(sorted(collected.due_soon, key=lambda r: (r.due, r.code))),
        stale=tuple(sorted(collected.stale, key=lambda r: (-r.days, r.code))),
        unsigned=tuple(sorted(collected.unsigned, key=lambda r: (-r.days, r.code))),
    )


def by_department(milestones: Iterable[MilestoneFacts], as_of: date) -> dict[int, Reminders]:
    """The reminders of each department the milestones are assigned to (empty ones included)."""
    grouped: dict[int, list[MilestoneFacts]] = {}
    for facts in milestones:
        grouped.setdefault(facts.department_id, []).append(facts)
    return {department_id: remind(group, as_of) for department_id, group in grouped.items()}


def last_activity(
    latest_update: date | None, last_reported_on: date | None, fallback: date, as_of: date
) -> date:
    """The day a milestone was last worked on as seen at ``as_of``: its latest update or
    report up to that day, else ``fallback`` (the plan's report date).
    """
    known = [day for day in (latest_update, last_reported_on) if day is not None and day <= as_of]
    return max(known) if known else fallback


def parse_day(text: str) -> date:
    """A day written YYYY-MM-DD (nothing else); ValueError otherwise."""
    value = text.strip()
    problem = ValueError(f"not a YYYY-MM-DD date: {text!r}")
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise problem
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise problem from None
