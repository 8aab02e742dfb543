"""Rebuild a milestone's state as it stood at the end of a past day, from its history.

Each recorded change counts from a day: a change a department reported counts from the day the
coordinating office approved it (never, if it was not approved); any other change (the plan
file, an admin, an approved postponement) from its own effective day. Replaying the changes
that count by the as-of day, in order, gives the state the board showed then.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tracker.domain.status import MilestoneState, Status

REPLAYED_FIELDS = frozenset(
    {"status", "progress", "completed_on", "completed_on_exact", "due", "close_out"}
)


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change of a milestone field, with the day it counts from."""

    counts_from: date
    order: int
    field: str
    old_value: str | None
    new_value: str | None


def initial_due(changes: Iterable[Change], current_due: date) -> date:
    """The due date before any recorded change of it: the first change's old value."""
    due_changes = sorted((c for c in changes if c.field == "due"), key=lambda c: c.order)
    if due_changes and due_changes[0].old_value:
        return date.fromisoformat(due_changes[0].old_value)
    return current_due


def state_at(
    changes: Iterable[Change], *, current_due: date, weight: float, as_of: date
) -> MilestoneState:
    """The milestone's state at the end of ``as_of``: nothing reported until a change counts."""
    changes = list(changes)
    status = Status.NOT_STARTED
    progress = 0
    completed_on: date | None = None
    completed_on_exact = True
    close_out: str | None = None
    due = initial_due(changes, current_due)
    for change in sorted(changes, key=lambda c: (c.counts_from, c.order)):
        if change.counts_from > as_of or change.field not in REPLAYED_FIELDS:
            continue
        value = change.new_value
        if change.field == "status":
            status = Status(value) if value else Status.NOT_STARTED
        elif change.field == "progress":
            progress = int(float(value)) if value else 0
        elif change.field == "completed_on":
            completed_on = date.fromisoformat(value) if value else None
        elif change.field == "completed_on_exact":
            completed_on_exact = value != "False"
        elif change.field == "due" and value:
            due = date.fromisoformat(value)
        elif change.field == "close_out":
            close_out = value or None
    return MilestoneState(
        due=due,
        weight=weight,
        reported_status=status,
        progress=progress,
        completed_on=completed_on,
        completed_on_exact=completed_on_exact,
        close_out=close_out,
    )
