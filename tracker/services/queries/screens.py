"""The big screen's read model: the board in large type for a meeting-room display."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.models import Item, Milestone, Plan
from tracker.services.queries.progress import PlanProgress, load_progress

# The screen lists at most this many overdue milestones, the longest overdue first.
OVERDUE_SHOWN = 8


def days_left(end: date, as_of: date) -> int:
    """Whole days from ``as_of`` to the plan's end day; 0 on the last day and afterwards."""
    return max(0, (end - as_of).days)


@dataclass(frozen=True)
class OverdueMilestone:
    """An open milestone past its due date, with its item and how many days late it is."""

    milestone: Milestone
    item: Item
    days_overdue: int


@dataclass(frozen=True)
class Screen:
    """Everything the big screen shows, computed at ``progress.as_of``.

    ``overdue`` holds every overdue milestone, the longest overdue first; the page shows
    ``overdue_shown`` of them and says how many more there are.
    """

    progress: PlanProgress
    days_left: int
    overdue: tuple[OverdueMilestone, ...]

    @property
    def overdue_shown(self) -> tuple[OverdueMilestone, ...]:
        """The overdue milestones that fit on the screen."""
        return self.overdue[:OVERDUE_SHOWN]

    @property
    def overdue_hidden(self) -> int:
        """How many more are overdue than the screen shows."""
        return max(0, len(self.overdue) - OVERDUE_SHOWN)


def overdue_milestones(progress: PlanProgress) -> tuple[OverdueMilestone, ...]:
    """The plan's overdue milestones at its as-of date: earliest due first, then by code."""
    as_of = progress.as_of
    found = []
    for section in progress.sections:
        for row in section.rows:
            for milestone, result in zip(row.item.milestones, row.result.milestones, strict=True):
                if result.overdue:
                    found.append(
                        OverdueMilestone(
                            milestone=milestone,
                            item=row.item,
                            days_overdue=(as_of - milestone.due).days,
                        )
                    )
    found.sort(key=lambda o: (o.milestone.due, o.milestone.code))
    return tuple(found)


def load_screen(plan: Plan, as_of: date, margin: float) -> Screen:
    """The plan rolled up at ``as_of`` with what the big screen adds to the board's figures."""
    progress = load_progress(plan, as_of, margin)
    return Screen(
        progress=progress,
        days_left=days_left(plan.end, as_of),
        overdue=overdue_milestones(progress),
    )
