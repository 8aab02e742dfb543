"""What a department has on its plate: its milestones with their flags, and its reports.

Read in a fixed number of queries whatever the department owns, for the "my department" page.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.postponements import State as PostponementState
from tracker.domain.reminders import STALE_AFTER_DAYS, last_activity
from tracker.domain.reporting import ReportState
from tracker.domain.status import Status, is_overdue, milestone_status
from tracker.extensions import db
from tracker.models import Department, Indicator, Item, Milestone, Plan, Postponement, Report
from tracker.models.plan import item_supporting_department
from tracker.services.commands.history import last_update_by_milestone
from tracker.services.queries.progress import milestone_state

DUE_SOON_DAYS = 30
MY_MILESTONES_SHOWN = 50  # per plan on "my department"; the rest on the plan's full list
# Returned and pending reports listed per plan on "my department": a department behind on
# hundreds of them gets the first ones and a count, not a page too long to load on a phone.
MY_REPORTS_SHOWN = 10


@dataclass(frozen=True)
class MilestoneRow:
    """One milestone on the department's page, with the flags the lead acts on."""

    milestone: Milestone
    relation: str  # "lead": the department leads the item; "assigned"; "supporting"
    status: Status
    overdue: bool
    days_to_due: int
    due_soon: bool
    days_idle: int
    stale: bool
    pending: Report | None
    returned: Report | None
    postponement_pending: bool = False


@dataclass(frozen=True)
class DepartmentWork:
    """A department's part of one plan. ``item_reports`` holds the latest report on each item
    it leads (summaries and indicator figures), by item id, when it waits for review or was
    returned: those count on the page as much as milestone reports do.
    """

    department: Department
    rows: list[MilestoneRow]
    items_led: list[Item]
    items_supported: list[Item]
    item_reports: dict[int, Report] = field(default_factory=dict)
    indicators: dict[int, list[Indicator]] = field(default_factory=dict)  # by item id
    # Each milestone's last update day (as of the page's day): the reminders use it too.
    activity: dict[int, date] = field(default_factory=dict)

    @property
    def returned(self) -> list[Report]:
        """Returned reports of both kinds: items' in plan order (only this page lists them),
        then milestones' by due date (the full milestone list flags them too).
        """
        on_milestones = [row.returned for row in self.rows if row.returned is not None]
        return self._item_reports(ReportState.RETURNED) + on_milestones

    @property
    def pending(self) -> list[Report]:
        """Reports of both kinds waiting for review, items' first as in :attr:`returned`."""
        on_milestones = [row.pending for row in self.rows if row.pending is not None]
        return self._item_reports(ReportState.SUBMITTED) + on_milestones

    @property
    def pending_count(self) -> int:
        return len(self.pending)

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.rows if row.overdue)

    def _item_reports(self, state: ReportState) -> list[Report]:
        return [
            self.item_reports[item.id]
            for item in self.items_led
            if item.id in self.item_reports and self.item_reports[item.id].state == state
        ]


def latest_reports(
    milestone_ids: list[int], item_ids: set[int] | None = None
) -> tuple[dict[int, Report], dict[int, Report]]:
    """Each milestone's most recent report that was not withdrawn, and each of ``item_ids``'
    most recent report of its own (not on a milestone): one query for both kinds.
    """
    chosen = []
    if milestone_ids:
        chosen.append(
            sa.select(sa.func.max(Report.id))
            .where(Report.milestone_id.in_(milestone_ids), Report.state != ReportState.WITHDRAWN)
            .group_by(Report.milestone_id)
        )
    if item_ids:
        chosen.append(
            sa.select(sa.func.max(Report.id))
            .where(
                Report.item_id.in_(item_ids),
                Report.milestone_id.is_(None),
                Report.state != ReportState.WITHDRAWN,
            )
            .group_by(Report.item_id)
        )
    if not chosen:
        return {}, {}
    reports = db.session.scalars(
        sa.select(Report)
        .where(Report.id.in_(sa.union_all(*chosen) if len(chosen) > 1 else chosen[0]))
        .options(so.joinedload(Report.reviewed_by), so.joinedload(Report.indicator))
    ).all()
    return (
        {r.milestone_id: r for r in reports if r.milestone_id is not None},
        {r.item_id: r for r in reports if r.milestone_id is None},
    )


def indicators_by_item(item_ids: set[int]) -> dict[int, list[Indicator]]:
    """The items' indicators in their order: each one a shortcut to report its figure."""
    found: dict[int, list[Indicator]] = {}
    if not item_ids:
        return found
    for indicator in db.session.scalars(
        sa.select(Indicator)
        .where(Indicator.item_id.in_(item_ids))
        .order_by(Indicator.item_id, Indicator.position)
    ):
        if indicator.item_id is not None:
            found.setdefault(indicator.item_id, []).append(indicator)
    return found


def _postponement_pending() -> sa.Exists:
    """Whether the milestone has a postponement request waiting for a decision (read as a
    column of the milestone's row)."""
    return sa.exists().where(
        Postponement.milestone_id == Milestone.id,
        Postponement.state == PostponementState.PENDING,
    )


def department_work(plan: Plan, department: Department, as_of: date) -> DepartmentWork:
    """Everything the department leads, supports or is assigned: open milestones first, then
    the done ones, each by due date."""
    items_led, items_supported = _department_items(plan, department)
    led_ids = {item.id for item in items_led}
    supported_ids = {item.id for item in items_supported}
    # With each milestone its current receipt and whether a postponement waits: one query.
    found = db.session.execute(
        sa.select(Milestone, _postponement_pending())
        .where(
            Milestone.plan_id == plan.id,
            sa.or_(
                Milestone.item_id.in_(led_ids | supported_ids),
                Milestone.department_id == department.id,
            ),
        )
        .options(
            so.joinedload(Milestone.item).joinedload(Item.lead_department),
            so.joinedload(Milestone.department),
            so.joinedload(Milestone.current_receipt),
        )
        .order_by(Milestone.due, Milestone.position)
    ).all()
    milestones = [milestone for milestone, _ in found]
    postponed = {milestone.id for milestone, pending in found if pending}
    ids = [m.id for m in milestones]
    activity = last_update_by_milestone(plan.id, as_of, ids)
    reports, item_reports = latest_reports(ids, led_ids)
    rows = []
    for milestone in milestones:
        if milestone.item_id in led_ids:
            relation = "lead"
        elif milestone.department_id == department.id:
            relation = "assigned"
        else:
            relation = "supporting"
        last = last_activity(
            activity.get(milestone.id), milestone.last_reported_on, plan.report_date, as_of
        )
        row = _row(milestone, relation, reports.get(milestone.id), last, as_of)
        if milestone.id in postponed:
            row = replace(row, postponement_pending=True)
        rows.append(row)
    # Open ones first (the overdue are the earliest of them), then the done; each by due date.
    rows.sort(key=lambda row: row.status is Status.DONE)
    return DepartmentWork(
        department,
        rows,
        items_led,
        items_supported,
        item_reports,
        indicators_by_item(led_ids),
        activity,
    )


def _department_items(plan: Plan, department: Department) -> tuple[list[Item], list[Item]]:
    """The items the department leads, and those it supports, each in plan order (one query)."""
    supports = sa.exists().where(
        item_supporting_department.c.item_id == Item.id,
        item_supporting_department.c.department_id == department.id,
    )
    found = db.session.execute(
        sa.select(Item, supports)
        .where(
            Item.plan_id == plan.id,
            sa.or_(Item.lead_department_id == department.id, supports),
        )
        .order_by(Item.position)
    ).all()
    items_led = [item for item, _ in found if item.lead_department_id == department.id]
    items_supported = [item for item, supported in found if supported]
    return items_led, items_supported


def _row(
    milestone: Milestone, relation: str, report: Report | None, last: date, as_of: date
) -> MilestoneRow:
    """The milestone's flags at ``as_of``; ``last`` is the last day anything happened on it."""
    state = milestone_state(milestone)
    status = milestone_status(state, as_of)
    is_open = status is not Status.DONE
    days_to_due = (milestone.due - as_of).days
    days_idle = (as_of - last).days
    return MilestoneRow(
        milestone=milestone,
        relation=relation,
        status=status,
        overdue=is_overdue(state, as_of),
        days_to_due=days_to_due,
        due_soon=is_open and 0 <= days_to_due <= DUE_SOON_DAYS,
        days_idle=days_idle,
        stale=is_open and days_idle > STALE_AFTER_DAYS,
        pending=report if report and report.state == ReportState.SUBMITTED else None,
        returned=report if report and report.state == ReportState.RETURNED else None,
    )
