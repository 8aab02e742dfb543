"""Who a person from the organisation's directory is here: group membership → role, department.

The directory (LDAP) or the sign-in provider (OpenID Connect) says who someone is and which
groups they belong to; an admin's mapping says what each group is worth here. The rules are
pure so the sign-in, the ``users resolve`` dry run and the provisioning page agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tracker.domain.policy import DEPARTMENT_ROLES, ROLES, Role


class Source(StrEnum):
    """Where an account comes from: who checks its password."""

    LOCAL = "local"
    LDAP = "ldap"
    OIDC = "oidc"


class DirectoryProblem(StrEnum):
    """Why a directory identity may not sign in, or a mapping may not be saved."""

    NO_MAPPED_GROUP = "no_mapped_group"
    TWO_DEPARTMENTS = "two_departments"
    NAME_TAKEN_LOCALLY = "name_taken_locally"
    ACCOUNT_INACTIVE = "account_inactive"
    DEPARTMENT_UNKNOWN = "department_unknown"
    GROUP_REQUIRED = "group_required"
    GROUP_TOO_LONG = "group_too_long"
    MAPPING_ROLE_UNKNOWN = "mapping_role_unknown"
    MAPPING_DEPARTMENT_REQUIRED = "mapping_department_required"
    MAPPING_DEPARTMENT_UNKNOWN = "mapping_department_unknown"
    MAPPING_EXISTS = "mapping_exists"
    MAPPING_UNKNOWN = "mapping_unknown"
    NO_DIRECTORY_CONFIGURED = "no_directory_configured"


GROUP_MAX = 500
# The most powerful role wins when someone is in several mapped groups.
_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}


def normalize_group(group: str) -> str:
    """Groups compare as the directory compares DNs: case and spaces around commas aside."""
    return ",".join(part.strip() for part in group.strip().split(",")).lower()


@dataclass(frozen=True)
class Identity:
    """A person as the directory or provider describes them at sign-in.

    ``subject`` is what stays when names change (an LDAP DN, an OIDC ``sub``);
    ``department_hint`` is the directory's own department attribute, which decides between
    two mapped departments.
    """

    source: Source
    subject: str
    username: str
    display_name: str = ""
    email: str = ""
    department_hint: str = ""
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mapping:
    """One mapped group: members get ``role`` (and, for department roles, ``department``)."""

    group: str
    role: str
    department: str | None = None


@dataclass(frozen=True)
class Resolution:
    """What the mapping gives an identity: a role and department, or the problem."""

    role: str | None
    department: str | None
    groups: tuple[str, ...]
    problem: DirectoryProblem | None = None
    departments: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.problem is None and self.role is not None


def mapping_problems(
    group: str, role: str, department: str | None, known_departments: Iterable[str]
) -> list[DirectoryProblem]:
    """Check a mapping before it is saved: a department role must name a known department."""
    problems: list[DirectoryProblem] = []
    if not normalize_group(group):
        problems.append(DirectoryProblem.GROUP_REQUIRED)
    elif len(normalize_group(group)) > GROUP_MAX:
        problems.append(DirectoryProblem.GROUP_TOO_LONG)
    if role not in ROLES:
        problems.append(DirectoryProblem.MAPPING_ROLE_UNKNOWN)
    elif department and department not in set(known_departments):
        problems.append(DirectoryProblem.MAPPING_DEPARTMENT_UNKNOWN)
    elif Role(role) in DEPARTMENT_ROLES and not department:
        problems.append(DirectoryProblem.MAPPING_DEPARTMENT_REQUIRED)
    return problems


def resolve(identity: Identity, mappings: Sequence[Mapping]) -> Resolution:
    """The role and department an identity's groups give it.

    The most powerful mapped role wins. A department role needs exactly one department among
    the groups that gave that role; when two do, the directory's own department attribute
    decides, and without it nobody guesses: the person is refused until the directory or the
    mapping is put right.
    """
    by_group = {normalize_group(m.group): m for m in mappings}
    matched = [
        by_group[g] for g in dict.fromkeys(map(normalize_group, identity.groups)) if g in by_group
    ]
    if not matched:
        return Resolution(None, None, (), DirectoryProblem.NO_MAPPED_GROUP)
    role = min((m.role for m in matched), key=lambda r: _RANK.get(r, len(_RANK)))
    giving = [m for m in matched if m.role == role]
    groups = tuple(m.group for m in giving)
    departments = tuple(dict.fromkeys(m.department for m in giving if m.department))
    if len(departments) > 1:
        hint = identity.department_hint.strip().lower()
        chosen = [d for d in departments if d.lower() == hint]
        if len(chosen) != 1:
            return Resolution(
                role, None, groups, DirectoryProblem.TWO_DEPARTMENTS, departments=departments
            )
        departments = (chosen[0],)
        groups = tuple(m.group for m in giving if m.department == chosen[0])
    department = departments[0] if departments else None
    return Resolution(role, department, groups, departments=departments)
