"""Signing in, with throttling kept in the database so it holds across worker processes.

Every way in ends here: a local password, the organisation's directory (LDAP) and its sign-in
provider (OpenID Connect). So throttling, the audit log, deactivation and the session rules
are the same for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Protocol

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.domain.directory import DirectoryProblem, Identity, Source
from tracker.domain.policy import Role
from tracker.domain.refusal import Who
from tracker.domain.throttle import is_throttled, window_start
from tracker.extensions import db
from tracker.models import AuditEvent, Department, User
from tracker.services.commands import audit
from tracker.services.queries.accounts import user_named
from tracker.services.queries.directory import directory_only
from tracker.services.queries.directory_access import access_of


class Outcome(StrEnum):
    """How a sign-in attempt ended; the page words the last two alike."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    THROTTLED = "throttled"
    # The directory or provider vouched for the person, but they may not come in: no mapped
    # group, two departments, a deactivated account (``problem`` says which).
    NO_ACCESS = "no_access"
    # The directory did not answer; nothing else is tried in its place.
    UNAVAILABLE = "unavailable"
    # The admin requires directory sign-in for everyone but local admins.
    DIRECTORY_REQUIRED = "directory_required"


@dataclass(frozen=True)
class SignInResult:
    """The outcome, and the user when it is ``OK``."""

    outcome: Outcome
    user: User | None = None
    problem: DirectoryProblem | None = None


class DirectoryUnavailable(Exception):  # noqa: N818  (reads as what happened)
    """The directory could not be asked (down, refused the search account, timed out)."""


class PasswordDirectory(Protocol):
    """A directory that checks passwords itself (LDAP); the password is never kept here."""

    def authenticate(self, username: str, password: str) -> Identity | None:
        """The identity when the password is right, ``None`` for a wrong name or password;
        raises :class:`DirectoryUnavailable` when the directory cannot be asked."""
        ...


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


def throttled(who: Who, key: str) -> bool:
    """Count attempts one at a time, and log a refused one; the window is the same for all."""
    _one_at_a_time(f"sign-in account {key}", f"sign-in address {who.address}")
    account_failures, address_failures = recent_failures(key, who.address, who.now)
    if is_throttled(account_failures, address_failures):
        audit.record("login_throttled", now=who.now, username=key, address=who.address)
        return True
    return False


def _failed(who: Who, key: str, user: User | None, reason: str) -> None:
    audit.record(
        "login_failed", now=who.now, actor=user, username=key, address=who.address, detail=reason
    )


def _signed_in(who: Who, key: str, user: User, detail: str = "") -> SignInResult:
    user.last_login_at = who.now
    audit.record("login", now=who.now, actor=user, username=key, address=who.address, detail=detail)
    return SignInResult(Outcome.OK, user)


def sign_in(
    who: Who, username: str, password: str, directory: PasswordDirectory | None = None
) -> SignInResult:
    """Check a sign-in attempt and log it. Nothing tells a wrong name from a wrong password.

    A local account's password is checked here; any other name goes to the directory when
    one is configured. Once the account or the address has failed too often in the window,
    even the right password is refused until the window passes; refused attempts are logged
    but do not extend the window. ``who`` is the visitor: nobody yet, at an address.
    """
    key = username.strip().lower()[:64]
    if throttled(who, key):
        return SignInResult(Outcome.THROTTLED)
    user = user_named(key)
    if directory is not None and (user is None or user.source == Source.LDAP):
        return _sign_in_through(who, key, password, directory, user)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        reason = "unknown user"
    elif user.source != Source.LOCAL or not user.check_password(password):
        reason = "wrong password"
    elif not user.active:
        reason = "inactive account"
    elif user.role != Role.ADMIN and directory_only():
        _failed(who, key, user, "directory sign-in required")
        return SignInResult(Outcome.DIRECTORY_REQUIRED)
    else:
        return _signed_in(who, key, user)
    _failed(who, key, user, reason)
    return SignInResult(Outcome.BAD_CREDENTIALS)


def _sign_in_through(
    who: Who, key: str, password: str, directory: PasswordDirectory, user: User | None
) -> SignInResult:
    """The directory checks the password of ``key`` (``user``: its account here, if any yet);
    an empty one is never sent (it would be an anonymous bind, which a directory accepts
    without checking anything)."""
    if not password:
        _failed(who, key, user, "empty password")
        return SignInResult(Outcome.BAD_CREDENTIALS)
    try:
        identity = directory.authenticate(key, password)
    except DirectoryUnavailable as error:
        audit.record(
            "login_unavailable", now=who.now, username=key, address=who.address, detail=str(error)
        )
        return SignInResult(Outcome.UNAVAILABLE)
    if identity is None:
        _failed(who, key, user, "wrong password or unknown to the directory")
        return SignInResult(Outcome.BAD_CREDENTIALS)
    return sign_in_identity(who, identity)


def sign_in_identity(who: Who, identity: Identity) -> SignInResult:
    """Let in someone the directory or provider vouched for, with what the mapping gives them.

    The account is made on the first sign-in and brought up to date on each one: name,
    e-mail, role and department follow the directory. Someone the mapping no longer lets in
    is refused, and any session they still have is ended.
    """
    key = identity.username.strip().lower()[:64]
    # Two first sign-ins at once (a double click, two tabs) must make one account, not fail.
    _one_at_a_time(f"sign-in account {key}")
    access = access_of(identity)
    user, resolution, department = access.account, access.resolution, access.department
    if access.problem is DirectoryProblem.NAME_TAKEN_LOCALLY:
        _failed(who, key, user, f"name taken by a {user.source if user else '?'} account")
        return SignInResult(Outcome.NO_ACCESS, problem=access.problem)
    if access.problem is not None:
        if user is not None:
            user.session_version += 1  # whatever let them in before no longer does
        _failed(who, key, user, f"{identity.source}: {access.problem}")
        return SignInResult(Outcome.NO_ACCESS, user, access.problem)
    if user is None:
        user = User(
            username=identity.username.strip()[:64],
            source=identity.source,
            created_at=who.now,
            password_hash="",
        )
        db.session.add(user)
        audit.record(
            "account_provisioned",
            now=who.now,
            username=key,
            address=who.address,
            detail=f"{identity.source}: {resolution.role} {resolution.department or ''}".strip(),
        )
    elif (user.role, user.department_id) != (resolution.role, department and department.id):
        audit.record(
            "account_mapping_changed",
            now=who.now,
            actor=user,
            username=key,
            address=who.address,
            target=user,
            detail=f"{user.role} → {resolution.role} {resolution.department or ''}".strip(),
        )
    _apply(user, identity, resolution.role or Role.VIEWER, department, resolution.groups)
    db.session.flush()
    return _signed_in(who, key, user, detail=str(identity.source))


def _apply(
    user: User,
    identity: Identity,
    role: str,
    department: Department | None,
    groups: tuple[str, ...],
) -> None:
    """Bring the account up to date with the directory; a name another account holds stays."""
    name = identity.username.strip()[:64]
    if user.username != name and user_named(name) in (None, user):
        user.username = name
    user.external_id = identity.subject[:500]
    user.display_name = (identity.display_name or user.display_name or name)[:120]
    user.email = identity.email[:200]
    user.role = role
    user.department = department
    user.directory_groups = "\n".join(groups)
    user.password_hash = ""
    user.must_change_password = False


def sign_out(who: Who) -> None:
    """End every session of ``who`` on the server and log it; the caller clears the cookie.

    The session cookie is signed, not stored: a copy of it would stay valid after sign-out.
    Moving the user's session version on makes every cookie issued before now worthless.
    """
    if who.actor is not None:
        who.actor.session_version += 1
    audit.note(who, "logout")
