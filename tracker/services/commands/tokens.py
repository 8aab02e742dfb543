"""Personal API tokens: make, list, revoke, and find the one a request carries.

A user makes a token for a program (on the profile page or with ``flask tokens create``); the
token is shown once and stored only as its SHA-256 hash, with its first 8 characters so the
user can tell tokens apart. A request with the token acts as its user, with the user's role and
nothing more; a revoked token, or one whose user is deactivated, opens nothing. Using a token
notes the time, at most once a minute. Making and revoking tokens is audited.

The service functions check the rules, raise :class:`Refused` with problem codes the caller
words in the user's language, write, flush, and leave the commit to the caller.
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
from tracker.domain.tokens import LABEL_MAX, TokenProblem
from tracker.extensions import db
from tracker.models import ApiToken, ScreenLink, User
from tracker.services.commands import audit

TOKEN_BYTES = 32
PREFIX_LENGTH = 8
# Tokens start with this, so a leaked one is easy to recognise (and to search for in code).
TOKEN_MARK = "pt_"  # noqa: S105  (a marker, not a secret)
# A token as new_token() makes it; anything else is not even looked up.
TOKEN_SHAPE = re.compile(r"pt_[A-Za-z0-9_-]{20,128}")
TOUCH_INTERVAL = timedelta(minutes=1)


def new_token() -> str:
    """A random token of 256 bits, marked ``pt_``."""
    return TOKEN_MARK + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest kept in place of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def label_problems(label: str) -> list[TokenProblem]:
    """A label says what the token is for (for example the program using it): 1–100 characters."""
    label = label.strip()
    if not label:
        return [TokenProblem.LABEL_REQUIRED]
    if len(label) > LABEL_MAX:
        return [TokenProblem.LABEL_TOO_LONG]
    return []


def needs_touch(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at ``now`` should be written: first use, or a minute after the last."""
    return last_used_at is None or now - last_used_at >= TOUCH_INTERVAL


def create_token(who: Who, user: User, *, label: str) -> tuple[ApiToken, str]:
    """Make a token for ``user``; return it with the token text, which is never shown again."""
    problems = label_problems(label)
    if not user.active:
        problems.append(TokenProblem.USER_INACTIVE)
    Refused.unless_clean(problems)
    token = new_token()
    row = ApiToken(
        user_id=user.id,
        label=label.strip(),
        token_hash=hash_token(token),
        prefix=token[:PREFIX_LENGTH],
        created_at=who.now,
    )
    db.session.add(row)
    db.session.flush()
    audit.note(who, "api_token_created", target=user, detail=_described(row))
    return row, token


def revoke_token(who: Who, token: ApiToken) -> bool:
    """Revoke a token for good; False when it already was revoked (nothing is written)."""
    if not token.active:
        return False
    token.revoked_at = who.now
    audit.note(who, "api_token_revoked", target=token.user, detail=_described(token))
    db.session.flush()
    return True


def revoke_tokens_of(who: Who, user: User) -> int:
    """Revoke every active token of ``user`` (their password changed, or they left); how many."""
    active = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in active:
        revoke_token(who, token)
    return len(active)


def _described(token: ApiToken) -> str:
    """A token as the audit log names it: never the token itself, only what tells it apart."""
    return f"token {token.id} {token.prefix}… {token.label}"


def find_active_token(token: str) -> ApiToken | None:
    """The token's row with its user, or None when it is malformed, unknown, revoked, or its
    user is deactivated (the caller answers 401 for all of them alike).
    """
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    digest = hash_token(token)
    row = db.session.scalar(
        sa.select(ApiToken)
        .where(ApiToken.token_hash == digest)
        .options(so.joinedload(ApiToken.user).joinedload(User.department))
    )
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if not row.active or not row.user.active:
        return None
    return row


def mark_used(secret: ApiToken | ScreenLink, now: datetime) -> bool:
    """Note that an API token or a screen link was used; True when this was written.

    Written at most once a minute, so a polling client does not write on every request.
    """
    if not needs_touch(secret.last_used_at, now):
        return False
    secret.last_used_at = now
    db.session.flush()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, the active ones first, newest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def all_tokens() -> list[ApiToken]:
    """Every token with its user, for the command line, oldest first."""
    return list(
        db.session.scalars(
            sa.select(ApiToken).options(so.joinedload(ApiToken.user)).order_by(ApiToken.id)
        )
    )
