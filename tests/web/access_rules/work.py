"""Route expectations for department work: my page, reports, the review queue."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.web.access_rules.common import LOGIN, OK, World, answers, owner_only, signed_in_only
from tracker.extensions import db
from tracker.models import Report

REVIEWERS = answers(403, anonymous=LOGIN, admin=OK)

EXPECTED = {
    ("GET", "/my"): signed_in_only(200),
    ("GET", "/plans/<plan>/my/milestones"): signed_in_only(200),
    ("GET", "/milestones/<int:milestone_id>/report"): owner_only(200),
    ("POST", "/milestones/<int:milestone_id>/report"): owner_only(200),
    ("GET", "/plans/<plan>/items/<code>/report"): owner_only(200),
    ("POST", "/plans/<plan>/items/<code>/report"): owner_only(200),
    ("GET", "/reviews"): REVIEWERS,
    ("POST", "/reports/<int:report_id>/approve"): REVIEWERS,
    ("POST", "/reports/<int:report_id>/return"): REVIEWERS,
    # Close-out (销号): the coordinating office (not among the walk's department leads; see
    # tests/web/test_close_out.py) and admins.
    ("POST", "/milestones/<int:milestone_id>/close-out"): REVIEWERS,
    ("POST", "/milestones/<int:milestone_id>/reopen"): REVIEWERS,
}


def placeholders(world: World) -> dict[str, str]:
    """A pending report by the owning department on T1-3."""
    report = Report(
        plan_id=world.milestone.plan_id,
        item_id=world.milestone.item_id,
        milestone_id=world.milestone.id,
        author_id=world.lead_own.id,
        department_id=world.lead_own.department_id,
        submitted_at=datetime(2020, 10, 1, tzinfo=UTC),
        base_version=world.milestone.version,
        state="submitted",
        status="on_track",
        progress=50,
        note="",
    )
    db.session.add(report)
    db.session.commit()
    return {"<int:report_id>": str(report.id)}
