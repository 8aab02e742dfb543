"""What the JSON API reads beyond the board's roll-up: report states, lists, the history pages.

The API's views stay free of queries, like the pages'; each function here answers one
endpoint's question in one or two statements, whatever the size of the plan.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.reporting import ReportState
from tracker.extensions import db
from tracker.models import Department, Fact, Item, Milestone, Plan, Report, Update

# A page of the history: each row with its item's code and its milestone's (None for the item).
UpdateRow = tuple[Update, str, str | None]


def last_item_report_states(plan: Plan, item: Item | None = None) -> dict[int, str]:
    """Per item (or for one), the review state of its latest own report (summary or figure)."""
    latest = (
        sa.select(sa.func.max(Report.id))
        .where(Report.plan_id == plan.id, Report.milestone_id.is_(None))
        .group_by(Report.item_id)
    )
    if item is not None:
        latest = latest.where(Report.item_id == item.id)
    rows = db.session.execute(sa.select(Report.item_id, Report.state).where(Report.id.in_(latest)))
    return {row_item: state for row_item, state in rows}  # noqa: C416  (Row to tuple)


def pending_report_count(item: Item) -> int:
    """How many reports on the item and its milestones wait for review."""
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(Report.item_id == item.id, Report.state == ReportState.SUBMITTED)
    )
    return count or 0


def all_departments() -> list[Department]:
    """Every department, active or not, by code."""
    return list(db.session.scalars(sa.select(Department).order_by(Department.code)))


def updates_page(
    plan: Plan,
    *,
    after: int,
    limit: int,
    item: Item | None = None,
    since: date | None = None,
) -> tuple[list[UpdateRow], bool]:
    """History rows with ids above ``after`` in id order, at most ``limit``, and whether more
    follow. Paging by id means rows written meanwhile land on later pages, never earlier ones.
    """
    query = (
        sa.select(Update, Item.code, Milestone.code)
        .join(Item, Item.id == Update.item_id)
        .outerjoin(Milestone, Milestone.id == Update.milestone_id)
        .where(Update.plan_id == plan.id, Update.id > after)
        .options(so.joinedload(Update.user), so.joinedload(Update.report))
        .order_by(Update.id)
        .limit(limit + 1)
    )
    if item is not None:
        query = query.where(Item.id == item.id)
    if since is not None:
        query = query.where(Update.effective_on >= since)
    rows: list[tuple[Update, str, str | None]] = [
        (update, code, milestone) for update, code, milestone in db.session.execute(query)
    ]
    return rows[:limit], len(rows) > limit


def plan_facts(plan: Plan) -> dict[int, list[Fact]]:
    """Every item's background facts, by item id, in one query."""
    facts: dict[int, list[Fact]] = {}
    for fact in db.session.scalars(
        sa.select(Fact)
        .join(Item, Item.id == Fact.item_id)
        .where(Item.plan_id == plan.id)
        .order_by(Fact.item_id, Fact.happened_on, Fact.position)
    ):
        facts.setdefault(fact.item_id, []).append(fact)
    return facts
