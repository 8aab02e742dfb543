"""The department evaluation of a plan for a period, read from the history.

A fixed number of statements whatever the number of departments, milestones and reports:
the milestones (rebuilt as they stood at the period's end, :func:`replayed_states`, when that
day is past), the reports, receipts and instructions of the period, the departments, the
scheme in force and the calendar. The rules are :mod:`tracker.domain.evaluation`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from tracker.clock import district_day
from tracker.domain.evaluation import (
    DepartmentResult,
    Facts,
    InstructionFact,
    MilestoneFact,
    ReceiptFact,
    ReportFact,
    Scheme,
    evaluate,
)
from tracker.domain.status import MilestoneState, Status, is_done, is_overdue, timeliness
from tracker.domain.workdays import DayKind, WorkCalendar
from tracker.extensions import db
from tracker.models import (
    CalendarDay,
    Department,
    EvaluationScheme,
    Instruction,
    Item,
    Milestone,
    Plan,
    Receipt,
    Report,
)
from tracker.services.queries.progress import replayed_states


@dataclass(frozen=True)
class Evaluation:
    """A plan's evaluation for ``start``..``end``, judged at ``as_of`` (the end, or today
    while the period runs), with the scheme used and the departments by id.
    """

    plan: Plan
    start: date
    end: date
    as_of: date
    scheme: Scheme
    scheme_valid_from: date | None
    results: list[DepartmentResult]
    departments: dict[int, Department]


def work_calendar() -> WorkCalendar:
    """The loaded calendar (a few dozen rows a year: read whole)."""
    rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind)).all()
    return WorkCalendar(
        holidays=frozenset(day for day, kind in rows if kind == DayKind.HOLIDAY),
        workdays=frozenset(day for day, kind in rows if kind == DayKind.WORKDAY),
    )


def scheme_row(plan: Plan, day: date) -> EvaluationScheme | None:
    """The newest scheme of ``plan`` valid on ``day``, if an admin configured one."""
    return db.session.scalar(
        sa.select(EvaluationScheme)
        .where(EvaluationScheme.plan_id == plan.id, EvaluationScheme.valid_from <= day)
        .order_by(EvaluationScheme.valid_from.desc())
        .limit(1)
    )


def scheme_of(row: EvaluationScheme | None) -> Scheme:
    """The domain's scheme of a stored one; the default without one."""
    if row is None:
        return Scheme()
    return Scheme(
        on_time=row.on_time_points,
        reporting=row.reporting_points,
        receipt=row.receipt_points,
        quality=row.quality_points,
        instructions=row.instruction_points,
        receipt_days=row.receipt_days,
        overdue_deduction=row.overdue_deduction,
        deduction_cap=row.deduction_cap,
    )


def _moment(day: date) -> datetime:
    """A UTC moment safely before the district's ``day`` begins (a day's margin either way
    keeps the SQL bounds loose; the district day of each row decides exactly).
    """
    return datetime.combine(day - timedelta(days=1), time.min, tzinfo=UTC)


def load_evaluation(plan: Plan, start: date, end: date, *, today: date) -> Evaluation:
    """Evaluate ``plan``'s departments for ``start``..``end`` (inclusive)."""
    as_of = min(end, today)
    row = scheme_row(plan, start)
    scheme = scheme_of(row)
    facts = Facts(
        start=start,
        end=end,
        as_of=as_of,
        plan_start=plan.start,
        plan_end=plan.end,
        milestones=_milestones(plan, as_of, today),
        reports=_reports(plan, start, as_of),
        receipts=_receipts(plan, start, end),
        instructions=_instructions(plan, start, end),
    )
    departments = _departments(plan)
    results = evaluate(list(departments), facts, scheme, work_calendar())
    return Evaluation(
        plan, start, end, as_of, scheme, row.valid_from if row else None, results, departments
    )


def _milestones(plan: Plan, as_of: date, today: date) -> list[MilestoneFact]:
    rows = db.session.execute(
        sa.select(
            Milestone.id,
            Milestone.code,
            Milestone.department_id,
            Milestone.due,
            Milestone.weight,
            Milestone.reported_status,
            Milestone.progress,
            Milestone.completed_on,
            Milestone.completed_on_exact,
        ).where(Milestone.plan_id == plan.id)
    ).all()
    past = replayed_states(plan, as_of) if as_of < today else None
    facts = []
    for mid, code, department_id, due, weight, status, progress, done_on, exact in rows:
        if past is None:
            state: MilestoneState | None = MilestoneState(
                due, weight, Status(status), progress, done_on, exact
            )
        else:
            state = past.get(mid)
        if state is None:
            continue  # created after the period
        done = is_done(state, as_of)
        facts.append(
            MilestoneFact(
                department_id=department_id,
                code=code,
                due=state.due,
                timeliness=timeliness(state, as_of),
                overdue=is_overdue(state, as_of),
                done_from=(state.completed_on or date.min) if done else None,
                completed_on=state.completed_on,
            )
        )
    return facts


def _reports(plan: Plan, start: date, as_of: date) -> list[ReportFact]:
    """Reports submitted from the first month the period judges, or decided in the period."""
    since = _moment(date(start.year, start.month, 1))
    until = _moment(as_of + timedelta(days=2))
    rows = db.session.execute(
        sa.select(
            Report.department_id,
            Item.code,
            Milestone.code,
            Report.submitted_at,
            Report.state,
            Report.reviewed_at,
        )
        .join(Item, Item.id == Report.item_id)
        .outerjoin(Milestone, Milestone.id == Report.milestone_id)
        .where(
            Report.plan_id == plan.id,
            Report.department_id.is_not(None),
            Report.submitted_at < until,
            sa.or_(Report.submitted_at >= since, Report.reviewed_at >= since),
        )
    ).all()
    return [
        ReportFact(
            department_id=department_id,
            code=milestone_code or item_code,
            submitted_on=district_day(submitted_at),
            state=state,
            reviewed_on=district_day(reviewed_at) if reviewed_at else None,
            milestone_code=milestone_code,
        )
        for department_id, item_code, milestone_code, submitted_at, state, reviewed_at in rows
        if department_id is not None  # (the query keeps these only; for the type checker)
    ]


def _receipts(plan: Plan, start: date, end: date) -> list[ReceiptFact]:
    rows = db.session.execute(
        sa.select(
            Receipt.department_id,
            Milestone.code,
            Receipt.assigned_at,
            Receipt.state,
            Receipt.answered_at,
        )
        .join(Milestone, Milestone.id == Receipt.milestone_id)
        .where(
            Receipt.plan_id == plan.id,
            Receipt.assigned_at >= _moment(start),
            Receipt.assigned_at < _moment(end + timedelta(days=2)),
        )
    ).all()
    return [
        ReceiptFact(
            department_id=department_id,
            code=code,
            assigned_on=district_day(assigned_at),
            state=state,
            answered_on=district_day(answered_at) if answered_at else None,
        )
        for department_id, code, assigned_at, state, answered_at in rows
    ]


def _instructions(plan: Plan, start: date, end: date) -> list[InstructionFact]:
    rows = db.session.execute(
        sa.select(
            Item.lead_department_id,
            Item.code,
            Instruction.due_on,
            Instruction.handled_at,
            Instruction.closed_at,
        )
        .join(Item, Item.id == Instruction.item_id)
        .where(Item.plan_id == plan.id, Instruction.due_on.between(start, end))
    ).all()
    facts = []
    for department_id, code, due_on, handled_at, closed_at in rows:
        if due_on is None:
            continue  # (the query keeps dated ones only; for the type checker)
        answered = handled_at or closed_at
        facts.append(
            InstructionFact(
                department_id=department_id,
                code=code,
                due_on=due_on,
                handled_on=district_day(answered) if answered else None,
            )
        )
    return facts


def _departments(plan: Plan) -> dict[int, Department]:
    """The active departments with work in the plan (a milestone, or an item they lead), in
    code order.
    """
    owning = sa.union(
        sa.select(Milestone.department_id).where(Milestone.plan_id == plan.id),
        sa.select(Item.lead_department_id).where(Item.plan_id == plan.id),
    ).subquery()
    rows = db.session.scalars(
        sa.select(Department)
        .where(Department.active.is_(True), Department.id.in_(sa.select(owning.c[0])))
        .order_by(Department.code)
    ).all()
    return {d.id: d for d in rows}


@dataclass(frozen=True)
class CalendarYear:
    """What the calendar holds for a year: its holidays and make-up working days."""

    year: int
    holidays: int
    workdays: int


def calendar_summary() -> list[CalendarYear]:
    """The loaded calendar, year by year, for the admin's page."""
    calendar = work_calendar()
    years = sorted({d.year for d in calendar.holidays | calendar.workdays})
    return [
        CalendarYear(
            year,
            sum(d.year == year for d in calendar.holidays),
            sum(d.year == year for d in calendar.workdays),
        )
        for year in years
    ]
