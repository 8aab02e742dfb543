"""Route expectations for the monthly bulletin: the coordinating office, leaders and admins.

The walk's department leads (gxj, swj) are not the coordinating office, so they are refused
like viewers; tests/web/test_bulletins.py signs the coordinating office (kjj) in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tests.web.access_rules.common import LOGIN, OK, World, answers
from tracker.domain.bulletins import Month
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.loaders import find_plan
from tracker.services.commands.bulletins import issue_bulletin


def bulletin_readers(ok: object = OK) -> dict[str, object]:
    return answers(403, anonymous=LOGIN, leader=ok, admin=ok)


EXPECTED = {
    ("GET", "/bulletins"): bulletin_readers(200),
    # The walk posts only the CSRF token: no month, a clear 400 and nothing kept.
    ("POST", "/bulletins"): bulletin_readers(400),
    ("GET", "/bulletins/<int:bulletin_id>"): bulletin_readers(200),
    ("GET", "/bulletins/<int:bulletin_id>/download"): bulletin_readers(200),
}


def placeholders(world: World) -> dict[str, str]:
    """December 2020's bulletin, issued by the leader."""
    plan = find_plan()
    assert plan is not None
    issued = issue_bulletin(
        Who(now=datetime(2021, 1, 5, 2, tzinfo=UTC), actor=world.leader),
        plan,
        Month(2020, 12),
        "zh",
        today=date(2021, 1, 5),
        margin=10.0,
        zone=ZoneInfo("Asia/Shanghai"),
    )
    db.session.commit()
    return {"<int:bulletin_id>": str(issued.bulletin.id)}
