"""Postponements: the milestone's department asks (and admins), only admins decide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.web.access_rules.common import World, admin_only, owner_only
from tracker.extensions import db
from tracker.models import Postponement

EXPECTED = {
    # An empty POST re-renders the form with messages (200) and writes nothing.
    ("GET", "/milestones/<int:milestone_id>/postpone"): owner_only(200),
    ("POST", "/milestones/<int:milestone_id>/postpone"): owner_only(200),
    ("GET", "/postponements"): admin_only(),
    ("POST", "/postponements/<int:postponement_id>/approve"): admin_only(),
    ("POST", "/postponements/<int:postponement_id>/reject"): admin_only(),
}


def placeholders(world: World) -> dict[str, str]:
    """A pending request of gxj's lead to postpone T1-3 by three months."""
    milestone = world.milestone
    postponement = Postponement(
        milestone_id=milestone.id,
        requested_by_id=world.lead_own.id,
        requested_at=datetime(2020, 12, 1, 9, tzinfo=UTC),
        due_before=milestone.due,
        requested_due=milestone.due + timedelta(days=90),
        reason="Tower construction permits are late.",
        state="pending",
    )
    db.session.add(postponement)
    db.session.commit()
    return {"<int:postponement_id>": str(postponement.id)}
