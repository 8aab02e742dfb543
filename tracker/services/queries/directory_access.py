"""What the mapping would give someone the directory knows, without signing them in.

The ``users resolve`` dry run and ``directory sync`` ask this; the checks are those
:func:`tracker.services.commands.signin.sign_in_identity` makes, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tracker.domain.directory import DirectoryProblem, Identity, Resolution, resolve
from tracker.extensions import db
from tracker.models import Department, User
from tracker.services.commands.signin import mappings


@dataclass(frozen=True)
class Access:
    """The mapping's answer for an identity, and the account it signs in as (if any yet)."""

    resolution: Resolution
    problem: DirectoryProblem | None
    account: User | None

    @property
    def allowed(self) -> bool:
        return self.problem is None


def account_of(identity: Identity) -> User | None:
    """The account this identity signs in as: by its lasting id, else by name."""
    user = db.session.scalar(
        sa.select(User).where(User.source == identity.source, User.external_id == identity.subject)
    )
    return user or db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == identity.username.strip().lower())
    )


def access_of(identity: Identity) -> Access:
    """Role and department from the mapping, or why the person would be refused."""
    user = account_of(identity)
    resolution = resolve(identity, mappings())
    problem = resolution.problem
    if problem is None and user is not None and user.source != identity.source:
        problem = DirectoryProblem.NAME_TAKEN_LOCALLY
    if problem is None and resolution.department:
        known = db.session.scalar(
            sa.select(Department.id).where(
                Department.code == resolution.department, Department.active.is_(True)
            )
        )
        if known is None:
            problem = DirectoryProblem.DEPARTMENT_UNKNOWN
    if problem is None and user is not None and not user.active:
        problem = DirectoryProblem.ACCOUNT_INACTIVE
    return Access(resolution, problem, user)
