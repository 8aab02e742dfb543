"""Reading plans as a portfolio: which plans a user sees, and each one's figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tracker.domain.league import DepartmentScore
from tracker.domain.plan_states import PlanState, figures_day
from tracker.domain.rollup import Summary
from tracker.domain.status import STATUSES, Status
from tracker.extensions import db
from tracker.models import Department, Plan
from tracker.services.queries.board import Filters, build_board


def figures_day_of(plan: Plan, today: date) -> date:
    """The day ``plan``'s figures are rolled up at: today, or the day it closed."""
    return figures_day(PlanState(plan.state), today, plan.closed_on)


def visible_plans(*, include_drafts: bool) -> list[Plan]:
    """Every plan, active first, then closed, archived (and drafts for admins), by code."""
    order = sa.case(
        {PlanState.ACTIVE: 0, PlanState.DRAFT: 1, PlanState.CLOSED: 2, PlanState.ARCHIVED: 3},
        value=Plan.state,
        else_=4,
    )
    query = sa.select(Plan).order_by(order, Plan.code)
    if not include_drafts:
        query = query.where(Plan.state != PlanState.DRAFT)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class PortfolioFilters:
    """The portfolio's filters: a plan's overall status, a department, a year of its period."""

    status: Status | None = None
    department: str | None = None
    year: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PortfolioFilters:
        """Read the query string; a value that names nothing is ignored, never an error."""
        status = args.get("status", "")
        year = args.get("year", "")
        return cls(
            status=Status(status) if status in STATUSES else None,
            department=args.get("department") or None,
            year=int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None,
        )

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.status, self.department, self.year))


@dataclass(frozen=True)
class PlanLine:
    """One plan on the portfolio: its board's headline figures."""

    plan: Plan
    as_of: date
    summary: Summary
    items: int
    late_items: int
    overdue_milestones: int
    days_left: int


@dataclass(frozen=True)
class Portfolio:
    """Every plan a user sees, with the departments furthest behind across all of them."""

    lines: list[PlanLine]
    departments: list[tuple[Department, DepartmentScore]]
    all_departments: list[Department]
    years: list[int]
    filters: PortfolioFilters


def build_portfolio(
    plans: list[Plan], *, today: date, margin: float, filters: PortfolioFilters
) -> Portfolio:
    """Each plan's board at its figures' day (the same figures as its own board), filtered;
    departments summed over the plans shown, the most behind first.
    """
    lines: list[PlanLine] = []
    totals: dict[int, DepartmentScore] = {}
    departments = list(db.session.scalars(sa.select(Department).order_by(Department.code)))
    by_id = {d.id: d for d in departments}
    wanted = next((d for d in departments if d.code == filters.department), None)
    years = sorted({y for p in plans for y in range(p.start.year, p.end.year + 1)})
    for plan in plans:
        if filters.year is not None and not plan.start.year <= filters.year <= plan.end.year:
            continue
        as_of = figures_day_of(plan, today)
        board = build_board(plan, as_of=as_of, today=today, margin=margin, filters=Filters())
        summary = board.progress.result.summary
        if filters.status is not None and summary.status is not filters.status:
            continue
        scores = {line.department.id: line.score for line in board.departments}
        if wanted is not None and wanted.id not in scores:
            continue
        results = [row.result for s in board.progress.sections for row in s.rows]
        lines.append(
            PlanLine(
                plan=plan,
                as_of=as_of,
                summary=summary,
                items=len(results),
                late_items=sum(1 for r in results if r.status is Status.DELAYED),
                overdue_milestones=board.watch_totals.get("overdue", 0),
                days_left=max(0, (plan.end - as_of).days),
            )
        )
        for department_id, score in scores.items():
            if wanted is None or department_id == wanted.id:
                totals[department_id] = _add(totals.get(department_id), score)
    ranked = sorted(
        totals.values(),
        key=lambda s: (-s.overdue, s.on_time_rate if s.on_time_rate is not None else 2.0),
    )
    return Portfolio(
        lines=lines,
        departments=[(by_id[s.department_id], s) for s in ranked],
        all_departments=[d for d in departments if d.active],
        years=years,
        filters=filters,
    )


def _add(total: DepartmentScore | None, score: DepartmentScore) -> DepartmentScore:
    if total is None:
        return score
    return DepartmentScore(
        department_id=score.department_id,
        owned=total.owned + score.owned,
        done=total.done + score.done,
        done_on_time=total.done_on_time + score.done_on_time,
        overdue=total.overdue + score.overdue,
        stale=total.stale + score.stale,
    )
