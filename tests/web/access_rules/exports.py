"""Exports: the 台账 ledger is for every signed-in role, like the board it copies."""

from __future__ import annotations

from tests.web.access_rules.common import World, signed_in_only

EXPECTED = {
    ("GET", "/plans/<plan>/ledger.xlsx"): signed_in_only(200),
}


def placeholders(world: World) -> dict[str, str]:
    """The ledger's URL has no placeholders."""
    return {}
