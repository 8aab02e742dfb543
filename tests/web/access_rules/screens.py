"""Screen links: admins make and revoke them; the big screen opens for anyone with a valid
token, signed in or not (the token is the credential).
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.web.access_rules.common import World, admin_only, answers
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.services.commands.screens import create_link

EXPECTED = {
    ("GET", "/admin/screens"): admin_only(),
    # An empty POST re-renders the form with a message (200) and writes nothing.
    ("POST", "/admin/screens"): admin_only(),
    ("POST", "/admin/screens/<int:link_id>/revoke"): admin_only(),
    ("GET", "/screen/<token>"): answers(200),
}


def placeholders(world: World) -> dict[str, str]:
    """One link for the screen, another one for admins to revoke."""
    who = Who(now=datetime(2020, 12, 1, 9, tzinfo=UTC), actor=world.admin)
    _shown, token = create_link(who, label="Meeting room 3")
    to_revoke, _token = create_link(who, label="Lobby")
    db.session.commit()
    return {"<token>": token, "<int:link_id>": str(to_revoke.id)}
