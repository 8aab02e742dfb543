"""Checking directory accounts against the directory between sign-ins (``directory sync``).

A session outlives the sign-in that started it; someone removed from the directory, or whose
groups no longer give what their account has, must not keep working with it. Their sessions
end here; the next sign-in applies what the directory and the mapping say then.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tracker.domain.directory import Identity, Mapping
from tracker.domain.refusal import Who
from tracker.models import User
from tracker.services.commands import audit
from tracker.services.queries.directory_access import access_of


class Verdict(StrEnum):
    """What the directory says of an account now."""

    CURRENT = "current"  # as the account has it
    CHANGED = "changed"  # another role or department at the next sign-in
    NO_ACCESS = "no_access"  # still in the directory, but may no longer come in
    GONE = "gone"  # no longer in the directory


@dataclass(frozen=True)
class AccountCheck:
    """One account, the verdict, and what the directory and mapping say instead."""

    user: User
    verdict: Verdict
    detail: str = ""
    sessions_ended: bool = False


def check_account(
    who: Who, user: User, identity: Identity | None, known: list[Mapping] | None = None
) -> AccountCheck:
    """Judge one directory account by what the directory said of it; end its sessions
    unless it is still what it was (an inactive account has none to end). ``known``: the
    mapping, read once for a whole sync rather than once an account."""
    if identity is None or identity.subject.lower() != (user.external_id or "").lower():
        check = AccountCheck(user, Verdict.GONE, "not in the directory")
    else:
        access = access_of(identity, known)
        department = user.department.code if user.department else None
        wanted = (access.resolution.role, access.resolution.department)
        if not access.allowed:
            check = AccountCheck(user, Verdict.NO_ACCESS, str(access.problem))
        elif wanted != (user.role, department):
            check = AccountCheck(user, Verdict.CHANGED, " ".join(filter(None, wanted)))
        else:
            return AccountCheck(user, Verdict.CURRENT)
    if not user.active:
        return check
    user.session_version += 1
    audit.note(
        who, "directory_sessions_ended", target=user, detail=f"{check.verdict}: {check.detail}"
    )
    return AccountCheck(user, check.verdict, check.detail, sessions_ended=True)
