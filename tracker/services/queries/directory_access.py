"""What the mapping would give someone the directory knows, without signing them in.

The ``users resolve`` dry run and ``directory sync`` ask this; the checks are those
:func:`tracker.services.commands.signin.sign_in_identity` makes, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tracker.domain.directory import DirectoryProblem, Identity, Mapping, Resolution, resolve
from tracker.extensions import db
from tracker.models import Department, DirectoryMapping, User
from tracker.services.queries.accounts import user_named


def mappings() -> list[Mapping]:
    """Every mapped group, as the pure rules take them."""
    rows = db.session.execute(
        sa.select(DirectoryMapping.group, DirectoryMapping.role, Department.code).outerjoin(
            Department, DirectoryMapping.department_id == Department.id
        )
    )
    return [Mapping(group, role, code) for group, role, code in rows]


@dataclass(frozen=True)
class Access:
    """The mapping's answer for an identity, the account it signs in as (if any yet) and
    the department the mapping gives (``None`` for roles without one)."""

    resolution: Resolution
    problem: DirectoryProblem | None
    account: User | None
    department: Department | None = None

    @property
    def allowed(self) -> bool:
        return self.problem is None


def account_of(identity: Identity) -> User | None:
    """The account this identity signs in as: by its lasting id, else by name."""
    user = db.session.scalar(
        sa.select(User).where(User.source == identity.source, User.external_id == identity.subject)
    )
    return user or user_named(identity.username)


def access_of(identity: Identity, known: list[Mapping] | None = None) -> Access:
    """Role and department from the mapping, or why the person would be refused: a name a
    local account holds, no mapped group or two departments, a department not active here,
    an account deactivated here (in that order)."""
    user = account_of(identity)
    resolution = resolve(identity, mappings() if known is None else known)
    if user is not None and user.source != identity.source:
        return Access(resolution, DirectoryProblem.NAME_TAKEN_LOCALLY, user)
    if resolution.problem is not None:
        return Access(resolution, resolution.problem, user)
    department = None
    if resolution.department:
        department = db.session.scalar(
            sa.select(Department).where(
                Department.code == resolution.department, Department.active.is_(True)
            )
        )
        if department is None:
            return Access(resolution, DirectoryProblem.DEPARTMENT_UNKNOWN, user)
    if user is not None and not user.active:
        return Access(resolution, DirectoryProblem.ACCOUNT_INACTIVE, user, department)
    return Access(resolution, None, user, department)
