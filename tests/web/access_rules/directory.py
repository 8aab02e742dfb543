"""Directory sign-in settings: admins only. Empty POSTs are refused with the form's messages
(422) and write nothing; removing a mapping walks last."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.web.access_rules.common import LOGIN, World, admin_only, answers
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.services.commands.directory import map_group

EXPECTED = {
    ("GET", "/admin/directory"): admin_only(),
    ("POST", "/admin/directory/mappings"): answers(403, anonymous=LOGIN, admin=422),
    ("POST", "/admin/directory/mappings/<int:mapping_id>/delete"): admin_only(),
    ("POST", "/admin/directory/sign-in"): admin_only(),
}

LAST = {("POST", "/admin/directory/mappings/<int:mapping_id>/delete")}


def placeholders(world: World) -> dict[str, str]:
    """One mapped group: gxj's leads."""
    who = Who(now=datetime(2020, 12, 1, 9, tzinfo=UTC), actor=world.admin)
    mapping = map_group(who, "cn=gxj-leads,ou=groups,dc=shinan,dc=gov,dc=cn", "dept_lead", "gxj")
    db.session.commit()
    return {"<int:mapping_id>": str(mapping.id)}
