"""The facts of a month for its bulletin (督办通报), and the bulletins issued so far.

Every figure comes from the board itself: :func:`~tracker.services.queries.board.build_board`
rolled up at the month's last day (the past rebuilt from the history, exactly as
``/?as_of=`` and ``GET /api/v1/plan?as_of=`` rebuild it), its department table and its watch
lists. What the board does not show is read here: the reports approved during the month, the
leaders' instructions of the month and those still open, the department's last note on a late
milestone, the milestones due next month, and the plan a month earlier for the change since.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.bulletins import Figure, FigureChange, Month
from tracker.domain.instructions import InstructionState
from tracker.domain.reporting import ReportState
from tracker.domain.rollup import MilestoneResult
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import (
    Bulletin,
    Department,
    Instruction,
    InstructionReply,
    Item,
    Milestone,
    Plan,
    Report,
    Update,
)
from tracker.services.queries.board import Board, Filters, WatchEntry, build_board
from tracker.services.queries.charts import district_day
from tracker.services.queries.instructions import plan_instructions, state_on
from tracker.services.queries.progress import PlanProgress, load_progress

# A percentage as the board and the API state it: one decimal.
PERCENT_DIGITS = 1


def percent(value: float) -> float:
    """A percentage to one decimal, as ``GET /api/v1/plan`` answers it."""
    return round(float(value), PERCENT_DIGITS)


@dataclass(frozen=True)
class ApprovedReport:
    """A department's report approved during the month: what it moved, and the day it
    started to count."""

    report: Report
    approved_on: date


@dataclass(frozen=True)
class LateMilestone:
    """A milestone on the board's overdue or at-risk list at the month's end, with the last
    thing its department wrote about it by then (None when it wrote nothing)."""

    entry: WatchEntry
    overdue: bool
    last_note: Report | None

    @property
    def days_late(self) -> int:
        """Days past due (0 for an at-risk milestone not yet due)."""
        return self.entry.days if self.overdue else 0


@dataclass(frozen=True)
class InstructionLine:
    """A leader's instruction as it stood at the month's end, with the replies by then."""

    instruction: Instruction
    item: Item
    state: InstructionState
    replies: tuple[InstructionReply, ...]
    given_on: date


@dataclass(frozen=True)
class DueMilestone:
    """An open milestone falling due in the month after."""

    milestone: Milestone
    item: Item
    result: MilestoneResult


@dataclass
class BulletinFacts:
    """Everything a month's bulletin states, read once for the document and its preview."""

    plan: Plan
    month: Month
    as_of: date
    issuing_office: Department | None
    board: Board
    previous: PlanProgress | None  # the plan at the previous month's end (None before the plan)
    approved: list[ApprovedReport]
    late: list[LateMilestone]
    instructions_given: list[InstructionLine]
    instructions_open: list[InstructionLine]  # given before the month, not closed by its end
    due_next: list[DueMilestone]

    @property
    def progress(self) -> PlanProgress:
        return self.board.progress

    def approved_for(self, item: Item) -> list[ApprovedReport]:
        """The reports on ``item`` and its milestones approved during the month."""
        return [a for a in self.approved if a.report.item_id == item.id]

    def previous_item_progress(self, item: Item) -> float | None:
        """The item's progress at the previous month's end (None when not known then)."""
        if self.previous is None:
            return None
        for section in self.previous.sections:
            for row in section.rows:
                if row.item.id == item.id:
                    return row.result.progress
        return None

    def figures(self) -> dict[str, Figure]:
        """The figures the document states, keyed for comparing two bulletins of a month.

        Percentages to one decimal (as stated), counts, statuses, and each department's rank.
        """
        result = self.progress.result
        summary = result.summary
        figures: dict[str, Figure] = {
            "plan.progress": percent(summary.progress),
            "plan.expected": percent(summary.expected),
        }
        for status in Status:
            figures[f"plan.items.{status}"] = summary.status_counts.get(status, 0)
        for status in Status:
            figures[f"plan.milestones.{status}"] = result.milestone_counts.get(status, 0)
        for section, group in zip(self.progress.sections, result.groups, strict=True):
            figures[f"group.{section.group.code}.progress"] = percent(group.summary.progress)
        for section in self.progress.sections:
            for row in section.rows:
                code = row.item.code
                figures[f"item.{code}.progress"] = percent(row.result.progress)
                figures[f"item.{code}.status"] = str(row.result.status)
                codes = {m.id: m.code for m in row.item.milestones}
                for milestone in row.result.milestones:
                    key = f"milestone.{codes[int(milestone.key)]}"
                    figures[f"{key}.status"] = str(milestone.status)
                    figures[f"{key}.progress"] = percent(milestone.progress)
        figures["late.overdue"] = sum(1 for line in self.late if line.overdue)
        figures["late.at_risk"] = sum(1 for line in self.late if not line.overdue)
        figures["approved.count"] = len(self.approved)
        figures["instructions.given"] = len(self.instructions_given)
        figures["instructions.open"] = sum(
            1
            for line in (*self.instructions_given, *self.instructions_open)
            if line.state is not InstructionState.CLOSED
        )
        for rank, line in enumerate(self.board.departments, start=1):
            code = line.department.code
            figures[f"department.{code}.rank"] = rank
            rate = line.score.on_time_rate
            figures[f"department.{code}.on_time_rate"] = "" if rate is None else percent(rate * 100)
            figures[f"department.{code}.overdue"] = line.score.overdue
        figures["due_next.count"] = len(self.due_next)
        return figures


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first moment after ``day`` in the district: what was written before it counts."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def bulletin_facts(
    plan: Plan, month: Month, *, as_of: date, today: date, margin: float, zone: ZoneInfo
) -> BulletinFacts:
    """Read the month's facts; the figures are the board's at ``as_of`` (the month's last day,
    or today while the month is not over)."""
    board = build_board(
        plan, as_of=as_of, today=today, margin=margin, filters=Filters(), watch_limit=None
    )
    previous_end = month.previous.last
    previous = (
        load_progress(plan, previous_end, margin, today=today)
        if previous_end >= plan.start
        else None
    )
    late = _late_milestones(board, zone)
    given, still_open = _instructions(board, month, zone)
    return BulletinFacts(
        plan=plan,
        month=month,
        as_of=as_of,
        issuing_office=coordinating_office(),
        board=board,
        previous=previous,
        approved=_approved_during(plan, month.first, as_of),
        late=late,
        instructions_given=given,
        instructions_open=still_open,
        due_next=_due_next_month(board, month.next),
    )


def coordinating_office() -> Department | None:
    """The department that issues bulletins: the coordinating one (the first, by code)."""
    return db.session.scalar(
        sa.select(Department)
        .where(Department.is_coordinating, Department.active)
        .order_by(Department.code)
        .limit(1)
    )


def _approved_during(plan: Plan, first: date, last: date) -> list[ApprovedReport]:
    """Reports approved from ``first`` to ``last``, in the order they were approved: the day
    of the review row is the day the report's values started to count on the board."""
    rows = db.session.execute(
        sa.select(Report, Update.effective_on)
        .join(Update, Update.report_id == Report.id)
        .where(
            Report.plan_id == plan.id,
            Update.plan_id == plan.id,
            Update.field == "review",
            Update.new_value == ReportState.APPROVED.value,
            Update.effective_on >= first,
            Update.effective_on <= last,
        )
        .options(
            so.joinedload(Report.milestone),
            so.joinedload(Report.department),
            so.joinedload(Report.indicator),
        )
        .order_by(Update.effective_on, Report.id)
    ).all()
    return [ApprovedReport(report, day) for report, day in rows]


def _late_milestones(board: Board, zone: ZoneInfo) -> list[LateMilestone]:
    """The board's overdue list (most days late first), then its at-risk list (soonest due
    first), each with its department's last note written by the end of the as-of day."""
    overdue = board.watch["overdue"]
    at_risk = board.watch["at_risk"]
    ids = [entry.milestone.id for entry in (*overdue, *at_risk)]
    notes = _last_notes(ids, end_of_day(board.as_of, zone))
    return [LateMilestone(entry, True, notes.get(entry.milestone.id)) for entry in overdue] + [
        LateMilestone(entry, False, notes.get(entry.milestone.id)) for entry in at_risk
    ]


def _last_notes(milestone_ids: list[int], before: datetime) -> dict[int, Report]:
    """Per milestone, the latest report with a note written before ``before`` that was not
    replaced or returned: what the department last said about it."""
    if not milestone_ids:
        return {}
    reports = db.session.scalars(
        sa.select(Report)
        .where(
            Report.milestone_id.in_(milestone_ids),
            Report.submitted_at < before,
            Report.note != "",
            Report.state.in_([ReportState.SUBMITTED.value, ReportState.APPROVED.value]),
        )
        .order_by(Report.submitted_at.desc(), Report.id.desc())
    )
    latest: dict[int, Report] = {}
    for report in reports:
        if report.milestone_id is not None:
            latest.setdefault(report.milestone_id, report)
    return latest


def _instructions(
    board: Board, month: Month, zone: ZoneInfo
) -> tuple[list[InstructionLine], list[InstructionLine]]:
    """The instructions given during the month, and those given before it still not closed
    at its end; each with its state and the replies written by then, in plan order."""
    items = {row.item.id: row.item for s in board.progress.sections for row in s.rows}
    position = {item_id: index for index, item_id in enumerate(items)}
    given: list[InstructionLine] = []
    still_open: list[InstructionLine] = []
    for instruction in plan_instructions(board.plan.id):
        day = district_day(instruction.created_at, zone)
        if day > board.as_of or instruction.item_id not in items:
            continue
        state = state_on(instruction, board.as_of, zone)
        replies = tuple(
            reply
            for reply in instruction.replies
            if district_day(reply.created_at, zone) <= board.as_of
        )
        line = InstructionLine(instruction, items[instruction.item_id], state, replies, day)
        if day >= month.first:
            given.append(line)
        elif state is not InstructionState.CLOSED:
            still_open.append(line)
    # Stable sorts: oldest first within an item.
    given.sort(key=lambda line: position[line.item.id])
    still_open.sort(key=lambda line: position[line.item.id])
    return given, still_open


def _due_next_month(board: Board, month: Month) -> list[DueMilestone]:
    """Open milestones (at the as-of day) due during ``month``, soonest first."""
    due: list[DueMilestone] = []
    for section in board.progress.sections:
        for row in section.rows:
            milestones = {m.id: m for m in row.item.milestones}
            for result in row.result.milestones:
                if result.status is Status.DONE or not month.first <= result.due <= month.last:
                    continue
                due.append(DueMilestone(milestones[int(result.key)], row.item, result))
    due.sort(key=lambda line: (line.result.due, line.item.position, line.milestone.position))
    return due


# ---- bulletins issued ---------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedBulletin:
    """A kept bulletin with its number among its plan's bulletins of that month (第N版)."""

    bulletin: Bulletin
    number: int

    @property
    def changes(self) -> list[FigureChange]:
        """What changed against the previous bulletin of the month (empty for the first)."""
        return [FigureChange(*change) for change in json.loads(self.bulletin.changes)]


def issued_bulletins(plan_ids: list[int], *, limit: int = 100) -> list[IssuedBulletin]:
    """The bulletins of these plans, newest first, numbered within their plan and month
    (the file itself is not loaded)."""
    if not plan_ids:
        return []
    numbers = (
        sa.select(
            Bulletin.id,
            sa.func.row_number()
            .over(partition_by=(Bulletin.plan_id, Bulletin.month), order_by=Bulletin.id)
            .label("number"),
        )
        .where(Bulletin.plan_id.in_(plan_ids))
        .subquery("numbers")
    )
    rows = db.session.execute(
        sa.select(Bulletin, numbers.c.number)
        .join(numbers, numbers.c.id == Bulletin.id)
        .options(so.joinedload(Bulletin.plan), so.joinedload(Bulletin.created_by))
        .order_by(Bulletin.id.desc())
        .limit(limit)
    ).all()
    return [IssuedBulletin(bulletin, number) for bulletin, number in rows]


def issued_bulletin(bulletin_id: int) -> IssuedBulletin | None:
    """One kept bulletin with its number, or None."""
    found = db.session.get(Bulletin, bulletin_id)
    if found is None:
        return None
    number = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Bulletin)
        .where(
            Bulletin.plan_id == found.plan_id,
            Bulletin.month == found.month,
            Bulletin.id <= found.id,
        )
    )
    return IssuedBulletin(found, number or 1)


def latest_bulletin(plan: Plan, month: Month) -> Bulletin | None:
    """The last bulletin kept for the plan's month: the one a new generation is compared to."""
    return db.session.scalar(
        sa.select(Bulletin)
        .where(Bulletin.plan_id == plan.id, Bulletin.month == str(month))
        .order_by(Bulletin.id.desc())
        .limit(1)
    )
