"""Evidence downloads: a file of gxj's pending report, readable by its department, the
reviewers and leadership; everyone else gets 404 as if it did not exist.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from flask import current_app
from werkzeug.datastructures import FileStorage

from tests.web.access_rules.common import LOGIN, OK, World, answers
from tracker.extensions import db
from tracker.models import Report
from tracker.services.exports.attachment_storage import attachment_storage
from tracker.services.exports.attachments import store_attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

EXPECTED = {
    ("GET", "/attachments/<int:attachment_id>"): answers(
        404, anonymous=LOGIN, dept_lead_own=OK, leader=OK, admin=OK
    ),
}


def placeholders(world: World) -> dict[str, str]:
    milestone = world.milestone
    now = datetime(2020, 12, 20, 9, tzinfo=UTC)
    report = Report(
        plan_id=milestone.plan_id,
        item_id=milestone.item_id,
        milestone_id=milestone.id,
        author_id=world.lead_own.id,
        department_id=world.lead_own.department_id,
        submitted_at=now,
        base_version=milestone.version,
        state="submitted",
        note="",
    )
    db.session.add(report)
    db.session.flush()
    attachment = store_attachment(
        FileStorage(io.BytesIO(PNG), filename="基站.png"),
        item=milestone.item,
        milestone=milestone,
        report=report,
        user=world.lead_own,
        now=now,
        storage=attachment_storage(current_app),
    )
    db.session.commit()
    return {"<int:attachment_id>": str(attachment.id)}
