"""Group robots for reminders: admins only. Empty POSTs re-render the form with messages
(200) and write nothing; the test button posts to a local port nobody listens on, so it
fails at once and says so (a redirect). Deleting walks last, after the robot's other routes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import department
from tests.local_servers import free_port
from tests.web.access_rules.common import World, admin_only
from tracker.domain.refusal import Who
from tracker.domain.webhooks import RobotKind
from tracker.extensions import db
from tracker.services.commands.webhooks import create_webhook

EXPECTED = {
    ("GET", "/admin/webhooks"): admin_only(),
    ("GET", "/admin/webhooks/new"): admin_only(),
    ("POST", "/admin/webhooks/new"): admin_only(),
    ("GET", "/admin/webhooks/<int:webhook_id>"): admin_only(),
    ("POST", "/admin/webhooks/<int:webhook_id>"): admin_only(),
    ("POST", "/admin/webhooks/<int:webhook_id>/test"): admin_only(),
    ("POST", "/admin/webhooks/<int:webhook_id>/delete"): admin_only(),
}

LAST = {("POST", "/admin/webhooks/<int:webhook_id>/delete")}


def placeholders(world: World) -> dict[str, str]:
    """A robot of gxj at an address that refuses (nothing listens on the port)."""
    who = Who(now=datetime(2020, 12, 1, 9, tzinfo=UTC), actor=world.admin)
    webhook = create_webhook(
        who,
        kind=RobotKind.WECOM,
        label="工信局工作群",
        url=f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=walk-key-0123456789",
        department=department("gxj"),
    )
    db.session.commit()
    return {"<int:webhook_id>": str(webhook.id)}
