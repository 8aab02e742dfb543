"""Reading plans as a portfolio: which plans a user sees, and each one's figures."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from datetime import date

import sqlalchemy as sa

from tracker.domain.league import DepartmentScore
from tracker.domain.plan_states import PlanState, figures_day
from tracker.domain.rollup import Summary
from tracker.domain.status import STATUSES, Status
from tracker.extensions import db
from tracker.models import Department, Plan
from tracker.services.queries.board import Filters, build_board
from tracker.snapshots import SnapshotKey, snapshots


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


@dataclass(frozen=True)
class PlanFigures:
    """A plan's headline figures as its board computes them, kept as a shared snapshot."""

    as_of: date
    summary: Summary
    items: int
    late_items: int
    overdue_milestones: int
    scores: tuple[DepartmentScore, ...]

    def dump(self) -> bytes:
        """JSON, so a shared store never holds anything but data."""
        summary = self.summary
        return json.dumps(
            {
                "as_of": self.as_of.isoformat(),
                "summary": [
                    summary.progress,
                    summary.expected,
                    summary.behind,
                    summary.status.value,
                    {status.value: n for status, n in summary.status_counts.items()},
                    summary.awaiting_close_out,
                ],
                "counts": [self.items, self.late_items, self.overdue_milestones],
                "scores": [astuple(score) for score in self.scores],
            }
        ).encode()

    @classmethod
    def load(cls, value: bytes) -> PlanFigures:
        data = json.loads(value)
        progress, expected, behind, status, counts, *awaiting = data["summary"]
        items, late_items, overdue = data["counts"]
        return cls(
            as_of=date.fromisoformat(data["as_of"]),
            summary=Summary(
                progress=progress,
                expected=expected,
                behind=behind,
                status=Status(status),
                status_counts={Status(k): n for k, n in counts.items()},
                awaiting_close_out=awaiting[0] if awaiting else 0,
            ),
            items=items,
            late_items=late_items,
            overdue_milestones=overdue,
            scores=tuple(DepartmentScore(*score) for score in data["scores"]),
        )


def plan_figures(plan: Plan, *, today: date, margin: float) -> PlanFigures:
    """The figures of ``plan``'s board at its figures' day: computed once per data version
    and shared, so a portfolio of many plans reads stored figures for all but the changed.
    """
    as_of = figures_day_of(plan, today)

    def compute() -> bytes:
        board = build_board(plan, as_of=as_of, today=today, margin=margin, filters=Filters())
        results = [row.result for s in board.progress.sections for row in s.rows]
        return PlanFigures(
            as_of=as_of,
            summary=board.progress.result.summary,
            items=len(results),
            late_items=sum(1 for r in results if r.status is Status.DELAYED),
            overdue_milestones=board.watch_totals.get("overdue", 0),
            scores=tuple(line.score for line in board.departments),
        ).dump()

    key = SnapshotKey(
        "figures", plan.id, plan.data_version, (as_of.isoformat(), today.isoformat(), str(margin))
    )
    return PlanFigures.load(snapshots().fetch(key, compute))


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
        figures = plan_figures(plan, today=today, margin=margin)
        if filters.status is not None and figures.summary.status is not filters.status:
            continue
        scores = {score.department_id: score for score in figures.scores}
        if wanted is not None and wanted.id not in scores:
            continue
        lines.append(
            PlanLine(
                plan=plan,
                as_of=figures.as_of,
                summary=figures.summary,
                items=figures.items,
                late_items=figures.late_items,
                overdue_milestones=figures.overdue_milestones,
                days_left=max(0, (plan.end - figures.as_of).days),
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
        done_date_unknown=total.done_date_unknown + score.done_date_unknown,
    )
