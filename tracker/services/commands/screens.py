"""Screen links (大屏): read-only links for the meeting-room display, and what the screen shows.

An admin makes a link for a display; the random token in it is the credential, shown once
and stored only as its SHA-256 hash (like one-time passwords, it cannot be displayed again).
Revoking a link keeps its row, so the list still says who made and who revoked it; both are
audited. Opening the screen notes when the link was last used, at most once a minute, so a
display refreshing itself does not write on every refresh.

The rules (:func:`label_problems`, :func:`needs_touch`, :func:`days_left`,
:func:`overdue_milestones`) take plain values. The service functions check them, raise
:class:`Refused` with problem codes the caller words in the user's language, write, flush,
and leave the commit to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.refusal import Refused, Who
from tracker.domain.screens import label_problems
from tracker.extensions import db
from tracker.models import ScreenLink
from tracker.services.commands import audit

TOKEN_BYTES = 32
# A token as new_token() makes it; anything else cannot name a link and is not even looked up.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")
# Opening the screen records the use at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)


# Rules: plain values in, plain values out.


def new_token() -> str:
    """A random, URL-safe token of 256 bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest kept in place of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def needs_touch(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at ``now`` should be written: first use, or a minute after the last."""
    return last_used_at is None or now - last_used_at >= TOUCH_INTERVAL


# Services.


def create_link(who: Who, *, label: str) -> tuple[ScreenLink, str]:
    """Make a link for a display; return it with its token, which is never available again."""
    problems = label_problems(label)
    if problems:
        raise Refused(problems)
    token = new_token()
    link = ScreenLink(
        label=label.strip(),
        token_hash=hash_token(token),
        created_by_id=who.actor.id if who.actor is not None else None,
        created_at=who.now,
    )
    db.session.add(link)
    db.session.flush()
    audit.record(
        "screen_link_created",
        now=who.now,
        actor=who.actor,
        address=who.address,
        target=link,
        detail=link.label,
    )
    return link, token


def revoke_link(who: Who, link: ScreenLink) -> bool:
    """Revoke a link for good; False when it already was revoked (nothing is written)."""
    if not link.active:
        return False
    link.revoked_at = who.now
    link.revoked_by_id = who.actor.id if who.actor is not None else None
    audit.record(
        "screen_link_revoked",
        now=who.now,
        actor=who.actor,
        address=who.address,
        target=link,
        detail=link.label,
    )
    db.session.flush()
    return True


def find_active_link(token: str) -> ScreenLink | None:
    """The link this token opens, or None when it is unknown or revoked (the caller says 404
    for both, so a revoked token tells nothing more than a made-up one).
    """
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = hash_token(token)
    link = db.session.scalar(sa.select(ScreenLink).where(ScreenLink.token_hash == digest))
    if link is None or not hmac.compare_digest(link.token_hash, digest) or not link.active:
        return None
    return link


def mark_used(link: ScreenLink, now: datetime) -> bool:
    """Note that the screen was opened; True when this was written (at most once a minute)."""
    if not needs_touch(link.last_used_at, now):
        return False
    link.last_used_at = now
    db.session.flush()
    return True


def list_links() -> list[ScreenLink]:
    """Every link, the active ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ScreenLink)
            .options(so.joinedload(ScreenLink.created_by), so.joinedload(ScreenLink.revoked_by))
            .order_by(ScreenLink.revoked_at.is_not(None), ScreenLink.id.desc())
        )
    )
