"""Screen links (大屏): read-only links for the meeting-room display, and what the screen shows.

An admin makes a link for a display; the random token in it is the credential, shown once
and stored only as its SHA-256 hash (like one-time passwords, it cannot be displayed again).
Revoking a link keeps its row, so the list still says who made and who revoked it; both are
audited. Opening the screen notes when the link was last used, at most once a minute, so a
display refreshing itself does not write on every refresh.

A link's token is hashed and its use noted like an API token's (:func:`hash_token` and
:func:`needs_touch` are those of :mod:`tracker.services.commands.tokens`); its label rule is
:func:`tracker.domain.screens.label_problems`. The service functions check the rules, raise
:class:`Refused` with problem codes the caller words in the user's language, write, flush,
and leave the commit to the caller.
"""

from __future__ import annotations

import hmac
import re
import secrets

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.refusal import Refused, Who
from tracker.domain.screens import label_problems
from tracker.extensions import db
from tracker.models import Plan, ScreenLink
from tracker.services.commands import audit
from tracker.services.commands.tokens import hash_token

TOKEN_BYTES = 32
# A token as new_token() makes it; anything else cannot name a link and is not even looked up.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")


def new_token() -> str:
    """A random, URL-safe token of 256 bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def create_link(who: Who, *, label: str, plan: Plan | None = None) -> tuple[ScreenLink, str]:
    """Make a link for a display of ``plan`` (None: the default plan); return it with its
    token, which is never available again.
    """
    Refused.unless_clean(label_problems(label))
    token = new_token()
    link = ScreenLink(
        label=label.strip(),
        plan_id=plan.id if plan is not None else None,
        token_hash=hash_token(token),
        created_by_id=who.actor.id if who.actor is not None else None,
        created_at=who.now,
    )
    db.session.add(link)
    db.session.flush()
    audit.note(who, "screen_link_created", target=link, detail=link.label)
    return link, token


def revoke_link(who: Who, link: ScreenLink) -> bool:
    """Revoke a link for good; False when it already was revoked (nothing is written)."""
    if not link.active:
        return False
    link.revoked_at = who.now
    link.revoked_by_id = who.actor.id if who.actor is not None else None
    audit.note(who, "screen_link_revoked", target=link, detail=link.label)
    db.session.flush()
    return True


def find_active_link(token: str) -> ScreenLink | None:
    """The link this token opens, or None when it is unknown or revoked (the caller says 404
    for both, so a revoked token tells nothing more than a made-up one).
    """
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = hash_token(token)
    link = db.session.scalar(
        sa.select(ScreenLink)
        .where(ScreenLink.token_hash == digest)
        .options(so.joinedload(ScreenLink.plan))  # the screen shows it: one query, not two
    )
    if link is None or not hmac.compare_digest(link.token_hash, digest) or not link.active:
        return None
    return link


def list_links() -> list[ScreenLink]:
    """Every link, the active ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ScreenLink)
            .options(so.joinedload(ScreenLink.created_by), so.joinedload(ScreenLink.revoked_by))
            .order_by(ScreenLink.revoked_at.is_not(None), ScreenLink.id.desc())
        )
    )
