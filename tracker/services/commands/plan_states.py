"""Moving a plan through its life (draft → active → closed → archived): an admin's recorded act.

The move is one conditional UPDATE on the state the admin saw, so when two admins press two
buttons at once exactly one move happens and the other is told the plan moved meanwhile.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.domain.plan_states import PlanState, move_problems
from tracker.domain.refusal import Refused, StaleVersion, Who
from tracker.domain.reporting import ReportState
from tracker.extensions import db
from tracker.models import Milestone, Plan, Postponement, Report
from tracker.services.commands import audit


def pending_work(plan: Plan) -> int:
    """Reports waiting for review and postponements waiting for a decision, in ``plan``."""
    reports = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(Report.plan_id == plan.id, Report.state == ReportState.SUBMITTED)
    )
    postponements = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Postponement)
        .join(Milestone, Milestone.id == Postponement.milestone_id)
        .where(Milestone.plan_id == plan.id, Postponement.state == "pending")
    )
    return int(reports or 0) + int(postponements or 0)


def move_plan(who: Who, plan: Plan, *, seen: PlanState, wanted: PlanState, today: date) -> None:
    """Move ``plan`` from the state the admin saw to ``wanted``; refused with every reason.

    Closing keeps the day (its figures are rolled up at that day from then on); reopening
    forgets it. Flushes; the caller's unit of work commits.
    """
    current = PlanState(plan.state)
    if current is not seen:
        raise StaleVersion(None)
    Refused.unless_clean(
        move_problems(current, wanted, pending_work=pending_work(plan)), plan=plan.code
    )
    closed_on = plan.closed_on
    if wanted is PlanState.CLOSED and current is PlanState.ACTIVE:
        closed_on = today
    elif wanted is PlanState.ACTIVE:
        closed_on = None
    moved = db.session.execute(
        sa.update(Plan)
        .where(Plan.id == plan.id, Plan.state == current.value)
        .values(state=wanted.value, closed_on=closed_on)
        .execution_options(synchronize_session=False, changes_plan=plan.id)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion(None)
    db.session.refresh(plan)
    audit.note(who, "plan_state", target=plan, detail=f"{current.value} → {wanted.value}")
