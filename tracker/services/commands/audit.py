"""Writing the audit log: one row per event, never changed afterwards."""

from __future__ import annotations

from datetime import datetime

from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import AuditEvent, User


def record(
    action: str,
    *,
    now: datetime,
    actor: User | None = None,
    username: str | None = None,
    address: str = "",
    target: object | None = None,
    detail: str = "",
) -> AuditEvent:
    """Add an audit event; ``target`` is any model with an ``id`` (its type and label are kept).

    The label is copied, so the log still reads right after the target is renamed.
    """
    event = AuditEvent(
        at=now,
        action=action,
        actor_id=actor.id if actor is not None else None,
        username=(username if username is not None else (actor.username if actor else ""))[:64],
        address=(address or "")[:64],
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        target_label=_label(target)[:200],
        detail=detail,
    )
    db.session.add(event)
    return event


def note(who: Who, action: str, *, target: object | None = None, detail: str = "") -> AuditEvent:
    """Add an audit event done by ``who``: what most commands log (see :func:`record`)."""
    return record(
        action, now=who.now, actor=who.actor, address=who.address, target=target, detail=detail
    )


def _label(target: object | None) -> str:
    if target is None:
        return ""
    for attribute in ("username", "code"):
        value = getattr(target, attribute, None)
        if value:
            return str(value)
    return str(getattr(target, "id", ""))
