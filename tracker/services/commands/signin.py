"""Signing in, with throttling kept in the database so it holds across worker processes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.domain.refusal import Who
from tracker.domain.throttle import is_throttled, window_start
from tracker.extensions import db
from tracker.models import AuditEvent, User
from tracker.services.commands import audit


class Outcome(StrEnum):
    """How a sign-in attempt ended; the page words the last two alike."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class SignInResult:
    """The outcome, and the user when it is ``OK``."""

    outcome: Outcome
    user: User | None = None


@cache
def _dummy_hash() -> str:
    """Checked against for unknown names, so a wrong name takes as long as a wrong password."""
    return generate_password_hash("not a real password")


def recent_failures(key: str, address: str, now: datetime) -> tuple[int, int]:
    """Failures in the window for this account (since its last success) and this address."""
    since = window_start(now)
    last_success = db.session.scalar(
        sa.select(sa.func.max(AuditEvent.at)).where(
            AuditEvent.action == "login", AuditEvent.username == key, AuditEvent.at >= since
        )
    )
    account_since = max(since, last_success) if last_success else since
    failures = sa.select(sa.func.count()).select_from(AuditEvent)
    account = db.session.scalar(
        failures.where(
            AuditEvent.action == "login_failed",
            AuditEvent.username == key,
            AuditEvent.at > account_since if last_success else AuditEvent.at >= since,
        )
    )
    by_address = db.session.scalar(
        failures.where(
            AuditEvent.action == "login_failed",
            AuditEvent.address == address,
            AuditEvent.at >= since,
        )
    )
    return account or 0, by_address or 0


def _one_at_a_time(*keys: str) -> None:
    """Attempts on one account, or from one address, are counted and logged one at a time.

    Otherwise thirty attempts sent at once would all count the same four failures and all
    go on to check a password. PostgreSQL takes a lock per key until the commit (in a fixed
    order, so two attempts never wait on each other crosswise); SQLite has one write lock
    for the whole database, taken here by a write that changes nothing.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        for key in sorted(keys):
            db.session.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key}
            )
    else:
        db.session.execute(sa.text("UPDATE audit_event SET id = id WHERE 1 = 0"))


def sign_in(who: Who, username: str, password: str) -> SignInResult:
    """Check a sign-in attempt and log it. Nothing tells a wrong name from a wrong password.

    Once the account or the address has failed too often in the window, even the right
    password is refused until the window passes; refused attempts are logged but do not
    extend the window. ``who`` is the visitor: nobody yet, at an address.
    """
    now, address = who.now, who.address
    key = username.strip().lower()[:64]
    _one_at_a_time(f"sign-in account {key}", f"sign-in address {address}")
    account_failures, address_failures = recent_failures(key, address, now)
    if is_throttled(account_failures, address_failures):
        audit.record("login_throttled", now=now, username=key, address=address)
        return SignInResult(Outcome.THROTTLED)

    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == key))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        reason = "unknown user"
    elif not user.check_password(password):
        reason = "wrong password"
    elif not user.active:
        reason = "inactive account"
    else:
        user.last_login_at = now
        audit.record("login", now=now, actor=user, username=key, address=address)
        return SignInResult(Outcome.OK, user)
    audit.record("login_failed", now=now, actor=user, username=key, address=address, detail=reason)
    return SignInResult(Outcome.BAD_CREDENTIALS)


def sign_out(who: Who) -> None:
    """End every session of ``who`` on the server and log it; the caller clears the cookie.

    The session cookie is signed, not stored: a copy of it would stay valid after sign-out.
    Moving the user's session version on makes every cookie issued before now worthless.
    """
    if who.actor is not None:
        who.actor.session_version += 1
    audit.note(who, "logout")
