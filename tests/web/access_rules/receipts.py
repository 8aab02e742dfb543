"""Receipts: the assigned department's lead (and admins) answer; the coordinating office and
admins watch; only admins assign a declined milestone again.
"""

from __future__ import annotations

from tests.web.access_rules.common import LOGIN, OK, World, admin_only, answers, owner_only
from tracker.services.commands.receipts import current_receipt

WATCHERS = answers(403, anonymous=LOGIN, admin=OK)

EXPECTED = {
    # An empty answer is refused with a message and a redirect back; nothing is written.
    ("POST", "/receipts/<int:receipt_id>/sign"): owner_only(),
    ("POST", "/receipts/<int:receipt_id>/decline"): owner_only(),
    ("GET", "/receipts"): WATCHERS,
    ("POST", "/milestones/<int:milestone_id>/assign-again"): admin_only(),
}


def placeholders(world: World) -> dict[str, str]:
    """T1-3's receipt, opened for gxj when the plan was loaded."""
    receipt = current_receipt(world.milestone.id)
    assert receipt is not None
    return {"<int:receipt_id>": str(receipt.id)}
