"""Plans from files: only admins upload, preview, confirm, download the template or export.

An admin's bare POST (only a CSRF token, no file or no signed upload) is answered 400 with the
form and its message, and writes nothing.
"""

from __future__ import annotations

from tests.web.access_rules.common import LOGIN, World, admin_only, answers

EXPECTED = {
    ("GET", "/admin/plans/import"): admin_only(),
    ("POST", "/admin/plans/import"): answers(403, anonymous=LOGIN, admin=400),
    ("POST", "/admin/plans/import/confirm"): answers(403, anonymous=LOGIN, admin=400),
    ("GET", "/admin/plans/template.xlsx"): admin_only(),
    ("GET", "/admin/plans/<plan_code>/export.<fmt>"): admin_only(),
}


def placeholders(world: World) -> dict[str, str]:
    """The Shinan plan, exported as a plan file."""
    return {"<plan_code>": "shinan-2020", "<fmt>": "yaml"}
