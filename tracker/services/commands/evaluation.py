"""Saving a plan's evaluation scheme (考评办法): the points of each criterion from a day on."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.domain.evaluation import Scheme, check_scheme
from tracker.domain.refusal import Refused, StaleVersion, Who
from tracker.extensions import db
from tracker.models import EvaluationScheme, Plan
from tracker.services.commands.audit import record


def scheme_from(plan: Plan, valid_from: date) -> EvaluationScheme | None:
    """The scheme kept for ``plan`` from exactly ``valid_from``, if any."""
    return db.session.scalar(
        sa.select(EvaluationScheme).where(
            EvaluationScheme.plan_id == plan.id, EvaluationScheme.valid_from == valid_from
        )
    )


def save_scheme(
    who: Who, plan: Plan, valid_from: date, scheme: Scheme, *, version: int
) -> EvaluationScheme:
    """Keep ``scheme`` for ``plan`` from ``valid_from`` on; the scheme already kept for that
    day is replaced (one scheme a day; earlier ones stay for their periods). Flushes.

    ``version`` is that of the day's scheme the form was filled against (0: there was none):
    when someone saved the day's scheme since, :class:`StaleVersion` says so rather than
    overwrite it unseen; two saves at the same moment meet the row's version or the unique
    day, and the second is refused the same way.
    """
    Refused.unless_clean(check_scheme(scheme))
    row = scheme_from(plan, valid_from)
    if (row.version if row is not None else 0) != version:
        raise StaleVersion(row.version if row is not None else 0)
    if row is None:
        row = EvaluationScheme(plan_id=plan.id, valid_from=valid_from)
        db.session.add(row)
    row.on_time_points = scheme.on_time
    row.reporting_points = scheme.reporting
    row.receipt_points = scheme.receipt
    row.quality_points = scheme.quality
    row.instruction_points = scheme.instructions
    row.receipt_days = scheme.receipt_days
    row.overdue_deduction = scheme.overdue_deduction
    row.deduction_cap = scheme.deduction_cap
    row.saved_at = who.now
    row.saved_by_id = who.actor.id if who.actor is not None else None
    db.session.flush()
    record(
        "evaluation_scheme_saved",
        now=who.now,
        actor=who.actor,
        address=who.address,
        target=plan,
        detail=f"valid from {valid_from.isoformat()}",
    )
    return row
