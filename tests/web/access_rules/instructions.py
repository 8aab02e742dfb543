"""Instructions (批示) and the focus flag: leadership writes, closes and flags; the lead
department replies and marks handled (leadership may reply too); everyone else is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from tests.web.access_rules.common import LOGIN, OK, World, answers, owner_only
from tracker.extensions import db
from tracker.models import Instruction, Item

LEADERSHIP = answers(403, anonymous=LOGIN, leader=OK, admin=OK)

EXPECTED: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/plans/<plan>/items/<code>/instructions"): LEADERSHIP,
    ("POST", "/plans/<plan>/items/<code>/focus"): LEADERSHIP,
    ("POST", "/instructions/<int:instruction_id>/reply"): answers(
        403, anonymous=LOGIN, dept_lead_own=OK, leader=OK, admin=OK
    ),
    ("POST", "/instructions/<int:instruction_id>/handled"): owner_only(),
    ("POST", "/instructions/<int:instruction_id>/close"): LEADERSHIP,
}


def placeholders(world: World) -> dict[str, str]:
    """An open instruction from the leader on T1 (led by gxj, the walk's own department)."""
    item = db.session.scalar(sa.select(Item).where(Item.code == "T1"))
    instruction = Instruction(
        item=item,
        author=world.leader,
        created_at=datetime(2020, 9, 26, 9, tzinfo=UTC),
        text="请加快推进",
        state="open",
    )
    db.session.add(instruction)
    db.session.commit()
    return {"<int:instruction_id>": str(instruction.id)}
