"""Route expectations for the board's own lists: a watch list in full, an item's milestones."""

from __future__ import annotations

from tests.web.access_rules.common import World, signed_in_only

EXPECTED = {
    ("GET", "/plans/<plan>/watch/<name>"): signed_in_only(200),
    ("GET", "/plans/<plan>/items/<code>/milestones"): signed_in_only(200),
}


def placeholders(world: World) -> dict[str, str]:
    """The overdue list (every list name answers alike)."""
    return {"<name>": "overdue"}
