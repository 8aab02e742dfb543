"""Reminders (催办): each department's overdue, due-soon and stale milestones.

The lists are built in a fixed number of queries (milestones, the latest update of each,
departments) and classified by :mod:`tracker.domain.reminders`; the department page shows
them and :mod:`tracker.services.commands.reminders` mails them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from tracker.clock import district_day
from tracker.domain.receipts import ReceiptState
from tracker.domain.reminders import (
    DUE_SOON_DAYS,
    STALE_AFTER_DAYS,
    MilestoneFacts,
    Reminder,
    Reminders,
    by_department,
    last_activity,
    remind,
)
from tracker.domain.status import MilestoneState, Status, milestone_status
from tracker.extensions import db
from tracker.models import Department, Item, Milestone, Plan, Receipt
from tracker.services.commands.history import last_update_by_milestone


@dataclass(frozen=True)
class DepartmentReminders:
    """One department's reminders at ``as_of`` (what ``templates/reminders/_notice.html``
    shows, and what its e-mail says).
    """

    department: Department
    as_of: date
    overdue: tuple[Reminder, ...] = ()
    due_soon: tuple[Reminder, ...] = ()
    stale: tuple[Reminder, ...] = ()
    unsigned: tuple[Reminder, ...] = ()

    due_soon_days: int = DUE_SOON_DAYS
    stale_after_days: int = STALE_AFTER_DAYS

    @property
    def count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.stale) + len(self.unsigned)

    @property
    def oldest_unsigned_days(self) -> int:
        """How long the longest-waiting receipt has waited (0 when none waits)."""
        return self.unsigned[0].days if self.unsigned else 0

    @classmethod
    def of(cls, department: Department, as_of: date, found: Reminders) -> DepartmentReminders:
        return cls(department, as_of, found.overdue, found.due_soon, found.stale, found.unsigned)


def _milestone_facts(
    plan: Plan,
    as_of: date,
    department_id: int | None,
    latest: Mapping[int, date] | None = None,
) -> list[MilestoneFacts]:
    """The plan's milestones as the rules see them at ``as_of``: two queries, one when the
    caller has read ``latest`` (:func:`last_update_by_milestone` of these milestones) already.
    """
    query = (
        sa.select(
            Milestone.id,
            Milestone.code,
            Item.code,
            Milestone.title_zh,
            Milestone.title_en,
            Milestone.department_id,
            Milestone.due,
            Milestone.weight,
            Milestone.reported_status,
            Milestone.progress,
            Milestone.completed_on,
            Milestone.last_reported_on,
            Receipt.assigned_at,
        )
        .join(Item, Milestone.item_id == Item.id)
        # At most one pending receipt per milestone (a unique index): no row is repeated.
        .outerjoin(
            Receipt,
            sa.and_(
                Receipt.milestone_id == Milestone.id,
                Receipt.state == ReceiptState.PENDING,
            ),
        )
        .where(Milestone.plan_id == plan.id)
        .order_by(Milestone.due, Milestone.code)
    )
    if department_id is not None:
        query = query.where(Milestone.department_id == department_id)
    rows = db.session.execute(query).all()
    if latest is None:
        latest = last_update_by_milestone(plan.id, as_of, [row[0] for row in rows])
    facts = []
    for row in rows:
        (key, code, item_code, title_zh, title_en, owner, due, weight) = row[:8]
        (reported, progress, completed_on, last_reported_on, assigned_at) = row[8:]
        state = MilestoneState(
            due=due,
            weight=weight,
            reported_status=Status(reported),
            progress=progress,
            completed_on=completed_on,
        )
        facts.append(
            MilestoneFacts(
                key=key,
                code=code,
                item_code=item_code,
                title_zh=title_zh,
                title_en=title_en,
                department_id=owner,
                due=due,
                status=milestone_status(state, as_of),
                last_activity=last_activity(
                    latest.get(key), last_reported_on, plan.report_date, as_of
                ),
                plan_end=plan.end,
                awaiting_receipt_since=_waiting_since(assigned_at, as_of),
            )
        )
    return facts


def _waiting_since(assigned_at: datetime | None, as_of: date) -> date | None:
    """The district day a pending receipt was assigned; None when none waits or it was
    assigned after ``as_of`` (it was not waiting yet).
    """
    if assigned_at is None:
        return None
    day = district_day(assigned_at)
    return day if day <= as_of else None


def reminders_by_department(plan: Plan, as_of: date) -> list[DepartmentReminders]:
    """Every department with milestones in the plan, by code, with its reminders at ``as_of``
    (also departments with nothing to report, so a listing can say so). Three queries.
    """
    grouped = by_department(_milestone_facts(plan, as_of, None), as_of)
    if not grouped:
        return []
    departments = db.session.scalars(
        sa.select(Department).where(Department.id.in_(grouped)).order_by(Department.code)
    ).all()
    return [DepartmentReminders.of(d, as_of, grouped[d.id]) for d in departments]


def reminders_for_department(
    plan: Plan, department_id: int, as_of: date, latest: Mapping[int, date] | None = None
) -> DepartmentReminders:
    """One department's reminders at ``as_of`` (for its own page). Three queries; two when
    the page has read ``latest`` (each of the department's milestones' last update day, as
    :func:`last_update_by_milestone` answers) already, and one more when the department is
    not loaded yet.

    Raises LookupError for an unknown department.
    """
    department = db.session.get(Department, department_id)
    if department is None:
        raise LookupError(f"no department {department_id}")
    found = remind(_milestone_facts(plan, as_of, department_id, latest), as_of)
    return DepartmentReminders.of(department, as_of, found)


# E-mail


# The department's mailbox (set by the admin on the department form)


# The command line's listing (for the operator, in plain English with the Chinese names)
