"""Loading a plan from an uploaded file: what it would change, and then changing it.

The preview runs the real load (:func:`sync_plan`) and rolls it back, so what the admin is
shown is exactly what confirming will do, with no second set of rules to drift from it.
"""

from __future__ import annotations

from datetime import datetime

from tracker.domain.planfile import PlanSpec
from tracker.extensions import db
from tracker.models import User
from tracker.services.commands.plan_sync import SyncReport, sync_plan


def preview_sync(
    spec: PlanSpec, *, now: datetime, note: str, user: User | None = None
) -> SyncReport:
    """What loading ``spec`` would create and change, leaving the database as it was.

    Everything the session holds is rolled back afterwards: call it with nothing pending.
    """
    try:
        return sync_plan(spec, now=now, note=note, user=user)
    finally:
        db.session.rollback()
