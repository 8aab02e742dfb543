"""Sign-in through the OpenID Connect provider: offered only when a provider is configured.

The walk's app has none, so both routes answer 404 to everyone; tests/auth/test_oidc_signin.py
walks them against a real provider.
"""

from __future__ import annotations

from tests.web.access_rules.common import World, answers

EXPECTED = {
    ("GET", "/login/oidc"): answers(404),
    ("GET", "/login/oidc/callback"): answers(404),
}


def placeholders(world: World) -> dict[str, str]:
    return {}
