"""The plan list and the portfolio are for every signed-in user; moving a plan to another
state is an admin's (an empty POST is a 400 with a message, and moves nothing).
"""

from __future__ import annotations

from tests.web.access_rules.common import LOGIN, World, answers, signed_in_only

EXPECTED = {
    ("GET", "/plans"): signed_in_only(200),
    ("GET", "/portfolio"): signed_in_only(200),
    ("POST", "/plans/<plan>/state"): answers(403, anonymous=LOGIN, admin=400),
}


def placeholders(world: World) -> dict[str, str]:
    return {}
