"""The big screen's read model: the board in large type for a meeting-room display."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from tracker.engines import quick_row
from tracker.models import Item, Milestone, Plan, ScreenLink
from tracker.models.plan import PLAN_HEADER_COLUMNS, PlanHeader
from tracker.services.commands.screens import TOKEN_SHAPE
from tracker.services.commands.tokens import hash_token
from tracker.services.queries.progress import PlanProgress, load_progress

# The screen lists at most this many overdue milestones, the longest overdue first.
OVERDUE_SHOWN = 8


@dataclass(frozen=True)
class ScreenOpening:
    """What opening a screen link needs first: whether it is valid, when it was last used,
    and the brief of its plan (None: the default plan).
    """

    link_id: int
    last_used_at: datetime | None
    plan: PlanHeader | None


_OPENING = (
    sa.select(
        ScreenLink.id,
        ScreenLink.token_hash,
        ScreenLink.revoked_at,
        ScreenLink.last_used_at,
        *PLAN_HEADER_COLUMNS,
    )
    .outerjoin(Plan, Plan.id == ScreenLink.plan_id)
    .where(ScreenLink.token_hash == sa.bindparam("digest"))
)


def open_link(token: str) -> ScreenOpening | None:
    """The link this token opens (one small query), or None when unknown or revoked: a
    display polling an unchanged screen is answered from this alone.
    """
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = hash_token(token)
    found = quick_row(_OPENING, {"digest": digest})
    if found is None:
        return None
    link_id, stored, revoked_at, last_used_at, *plan_fields = tuple(found)
    if not hmac.compare_digest(stored, digest) or revoked_at is not None:
        return None
    plan = PlanHeader(*plan_fields) if plan_fields[0] is not None else None
    return ScreenOpening(link_id=link_id, last_used_at=last_used_at, plan=plan)


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
