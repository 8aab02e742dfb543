"""The addresses of the time of a single plan: each redirects (308) to the default plan's page,
which then decides who may see it; anonymous visitors are sent to sign in first.
"""

from __future__ import annotations

from tests.web.access_rules.common import World, signed_in_only
from tracker.plan_scope import OLD_PATHS

EXPECTED = {
    (method, path): signed_in_only() for path, _endpoint, methods in OLD_PATHS for method in methods
}


def placeholders(world: World) -> dict[str, str]:
    return {}
