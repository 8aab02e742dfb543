"""How a plan whose period has ended is read: what was done on time, done late, or not done.

Once the plan's last day has passed, "overdue by 2,160 days" says nothing a reader can act
on: an open milestone is simply not done by the plan's end. The counts here use the one
on-time rule, :func:`tracker.domain.status.timeliness`, so the closing view, the department
table and the portfolio never disagree about what "on time" means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.domain.status import Timeliness


def has_ended(plan_end: date, as_of: date) -> bool:
    """Whether ``as_of`` lies after the plan's last day."""
    return as_of > plan_end


def half_year_ends(start: date, end: date) -> list[date]:
    """Each 30 June and 31 December within the plan's period, and its last day: the days a
    reader of a closed plan travels back to."""
    days = [
        day
        for year in range(start.year, end.year + 1)
        for day in (date(year, 6, 30), date(year, 12, 31))
        if start <= day <= end
    ]
    return days if days and days[-1] == end else [*days, end]


@dataclass(frozen=True, slots=True)
class Outcomes:
    """How many were done on time, done late, done on a day nobody stated, and not done."""

    on_time: int = 0
    late: int = 0
    date_unknown: int = 0
    not_done: int = 0

    @property
    def total(self) -> int:
        """Everything counted."""
        return self.on_time + self.late + self.date_unknown + self.not_done

    @property
    def done(self) -> int:
        """Done, whenever it was."""
        return self.on_time + self.late + self.date_unknown

    def plus(self, outcome: Timeliness) -> Outcomes:
        """These counts with one more of ``outcome``."""
        return Outcomes(
            self.on_time + (outcome is Timeliness.ON_TIME),
            self.late + (outcome is Timeliness.LATE),
            self.date_unknown + (outcome is Timeliness.DATE_UNKNOWN),
            self.not_done + (outcome is Timeliness.NOT_DONE),
        )


def item_outcome(milestones: Sequence[Timeliness], *, item_done: bool) -> Timeliness:
    """An item's outcome from its milestones': its worst.

    Not done while any milestone is not done (or, without milestones, while the item is not
    done); late when any was late; on time when any was on time and the rest on days nobody
    stated; otherwise done on an unknown day.
    """
    if not milestones:
        return Timeliness.DATE_UNKNOWN if item_done else Timeliness.NOT_DONE
    for worst in (Timeliness.NOT_DONE, Timeliness.LATE, Timeliness.ON_TIME):
        if worst in milestones:
            return worst
    return Timeliness.DATE_UNKNOWN


@dataclass(frozen=True, slots=True)
class Closing:
    """The closing view of an ended plan."""

    ended_on: date
    items: Outcomes
    milestones: Outcomes
    # Milestones by owning department (its id), in the order first met.
    by_department: dict[int, Outcomes] = field(default_factory=dict)


def close_plan(
    ended_on: date,
    items: Iterable[tuple[Sequence[Timeliness], bool]],
    milestones: Iterable[tuple[int, Timeliness]],
) -> Closing:
    """Count ``items`` (each its milestones' outcomes and whether the item is done) and
    ``milestones`` (each its owning department's id and its outcome)."""
    item_counts = Outcomes()
    for outcomes, done in items:
        item_counts = item_counts.plus(item_outcome(outcomes, item_done=done))
    milestone_counts = Outcomes()
    by_department: dict[int, Outcomes] = {}
    for department_id, outcome in milestones:
        milestone_counts = milestone_counts.plus(outcome)
        by_department[department_id] = by_department.get(department_id, Outcomes()).plus(outcome)
    return Closing(ended_on, item_counts, milestone_counts, by_department)
