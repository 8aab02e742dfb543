"""The audit log as the administration page reads it: newest first, a page at a time."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.extensions import db
from tracker.models import AuditEvent


@dataclass(frozen=True)
class AuditPage:
    """One page of events, with where it lies among all that match."""

    events: list[AuditEvent]
    page: int
    pages: int
    total: int


def recorded_actions() -> set[str]:
    """Every action the log holds, so the filter offers old ones the code no longer writes."""
    return set(db.session.scalars(sa.select(AuditEvent.action).distinct()))


def audit_page(action: str, page: int, per_page: int) -> AuditPage:
    """Events of ``action`` (every action when empty); a page out of range shows the first."""
    query = sa.select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    if not 1 <= page <= pages:
        page = 1
    events = db.session.scalars(
        query.options(so.joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return AuditPage(events=list(events), page=page, pages=pages, total=total)
