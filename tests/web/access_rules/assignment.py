"""Assignment: only admins change who leads, supports and owns what, and the order."""

from __future__ import annotations

from tests.web.access_rules.common import World, admin_only

EXPECTED = {
    ("GET", "/admin/plans/<plan>/items/<code>"): admin_only(),
    ("POST", "/admin/plans/<plan>/items/<code>"): admin_only(),
    ("GET", "/admin/plans/<plan>/items/<code>/milestones/new"): admin_only(),
    ("POST", "/admin/plans/<plan>/items/<code>/milestones/new"): admin_only(),
    ("GET", "/admin/milestones/<int:milestone_id>"): admin_only(),
    ("POST", "/admin/milestones/<int:milestone_id>"): admin_only(),
    ("POST", "/admin/milestones/<int:milestone_id>/move"): admin_only(),
}


def placeholders(world: World) -> dict[str, str]:
    """Only shared placeholders: ``<code>`` is T1 and ``<int:milestone_id>`` is T1-3."""
    return {}
