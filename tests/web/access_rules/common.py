"""Shared vocabulary of the route × role walk."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.models import Milestone, User

ROLES = (
    "anonymous",
    "viewer",
    "dept_lead_own",
    "staff_own",
    "dept_lead_other",
    "leader",
    "admin",
)
OK = "ok"  # 200, or a redirect that is not to the sign-in page
LOGIN = "login"  # sent to the sign-in page to come back afterwards (?next=...)


@dataclass(frozen=True)
class World:
    """What the walk's URLs point at. ``lead_own`` leads T1 (department gxj); ``staff_own`` is
    staff of gxj (it reads, and reports only on sub-tasks assigned to it); ``lead_other``
    (department swj) has nothing to do with it. ``milestone`` is T1-3, assigned to gxj.

    A helper's ``default`` is the staff account's answer too: refused (403) wherever only the
    owning department's lead may act, like a viewer.
    """

    viewer: User
    leader: User
    admin: User
    lead_own: User
    lead_other: User
    target: User
    milestone: Milestone
    staff_own: User


def answers(default: object, **by_role: object) -> dict[str, object]:
    """The expected answer per role: ``default`` unless given for a role."""
    return {role: by_role.get(role, default) for role in ROLES}


def signed_in_only(ok: object = OK) -> dict[str, object]:
    return answers(ok, anonymous=LOGIN)


def admin_only() -> dict[str, object]:
    return answers(403, anonymous=LOGIN, admin=OK)


def owner_only(ok: object = OK) -> dict[str, object]:
    """Only the department that owns the target (and admins) may."""
    return answers(403, anonymous=LOGIN, dept_lead_own=ok, admin=ok)
