"""Route expectations for the department evaluation (考评).

The ranked table is public inside the government (a 通报): leaders, admins and every
department lead see it and its workbook; viewers do not. The scheme and the holiday calendar
are the admins'. The walk posts only the CSRF token: the forms answer 400 and write nothing.
"""

from __future__ import annotations

from tests.web.access_rules.api import TOKEN_ONLY
from tests.web.access_rules.common import LOGIN, OK, World, admin_only, answers


def evaluation_readers(ok: object = OK) -> dict[str, object]:
    return answers(ok, anonymous=LOGIN, viewer=403)


EXPECTED = {
    ("GET", "/evaluation"): evaluation_readers(),
    ("GET", "/plans/<plan>/evaluation"): evaluation_readers(200),
    ("GET", "/plans/<plan>/evaluation.xlsx"): evaluation_readers(200),
    ("GET", "/plans/<plan>/evaluation/scheme"): admin_only(),
    ("POST", "/plans/<plan>/evaluation/scheme"): answers(403, anonymous=LOGIN, admin=400),
    ("GET", "/admin/calendar"): admin_only(),
    ("POST", "/admin/calendar"): answers(403, anonymous=LOGIN, admin=400),
    ("GET", "/api/v1/evaluation"): TOKEN_ONLY,
    ("GET", "/api/v1/plans/<plan>/evaluation"): TOKEN_ONLY,
}


def placeholders(world: World) -> dict[str, str]:
    """The evaluation's URLs have no placeholders of their own."""
    return {}
