"""Changing the mapping of directory groups to roles, and the site's sign-in setting; audited."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.domain.directory import DirectoryProblem, mapping_problems, normalize_group
from tracker.domain.refusal import Refused, Who
from tracker.extensions import db
from tracker.models import Department, DirectoryMapping, SiteSetting
from tracker.services.commands import audit
from tracker.services.queries.directory import DIRECTORY_ONLY


def map_group(who: Who, group: str, role: str, department: str | None = None) -> DirectoryMapping:
    """Map a group (or change what it gives): members get it at their next sign-in.

    Mapping an already mapped group changes it, so the command line can be run again with a
    new role; the page's :func:`add_mapping` refuses a second row for one group instead.
    """
    return _save(who, group, role, department, replace=True)


def add_mapping(who: Who, group: str, role: str, department: str | None = None) -> DirectoryMapping:
    """The page's add: a group already mapped is refused rather than silently changed.

    Only ever inserts, so of two admins mapping one group at once the second meets the
    unique group and is told it lost the race; neither overwrites the other.
    """
    return _save(who, group, role, department, replace=False)


def _save(
    who: Who, group: str, role: str, department: str | None, *, replace: bool
) -> DirectoryMapping:
    key = normalize_group(group)
    # Read whole: a result left open keeps SQLite's read snapshot, and the write below would
    # then fail at once ("database is locked") if another writer committed meanwhile.
    codes = list(db.session.scalars(sa.select(Department.code).where(Department.active.is_(True))))
    Refused.unless_clean(mapping_problems(key, role, department or None, codes), group=group)
    found = (
        db.session.scalar(sa.select(Department).where(Department.code == department))
        if department
        else None
    )
    mapping = db.session.scalar(sa.select(DirectoryMapping).where(DirectoryMapping.group == key))
    if mapping is not None and not replace:
        raise Refused([DirectoryProblem.MAPPING_EXISTS], group=key)
    if mapping is None:
        mapping = DirectoryMapping(group=key, created_at=who.now)
        db.session.add(mapping)
    mapping.role = role
    mapping.department = found
    db.session.flush()
    audit.note(who, "directory_mapped", detail=f"{key} → {role} {department or ''}".strip())
    return mapping


def unmap_group(who: Who, group: str) -> None:
    """Remove the mapping of a group named on the command line."""
    key = normalize_group(group)
    mapping = db.session.scalar(sa.select(DirectoryMapping).where(DirectoryMapping.group == key))
    if mapping is None:
        raise Refused([DirectoryProblem.MAPPING_UNKNOWN], group=key)
    remove_mapping(who, mapping)


def remove_mapping(who: Who, mapping: DirectoryMapping) -> None:
    """Remove a mapping: its members lose what it gave at their next sign-in.

    Removed with a conditional DELETE, so of two admins removing it at once one removes it
    and the other is told it is gone, rather than both succeeding.
    """
    removed = db.session.execute(
        sa.delete(DirectoryMapping).where(DirectoryMapping.id == mapping.id)
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused([DirectoryProblem.MAPPING_UNKNOWN], group=mapping.group)
    db.session.expunge(mapping)
    audit.note(who, "directory_unmapped", detail=mapping.group)


def set_directory_only(who: Who, required: bool, *, configured: bool) -> None:
    """Require sign-in through the directory for everyone but local admins (break-glass).

    Refused while no directory or provider is configured: it would leave only admins a way in.
    """
    if required and not configured:
        raise Refused([DirectoryProblem.NO_DIRECTORY_CONFIGURED])
    setting = db.session.get(SiteSetting, DIRECTORY_ONLY)
    if setting is None:
        setting = SiteSetting(key=DIRECTORY_ONLY)
        db.session.add(setting)
    setting.value = "1" if required else "0"
    db.session.flush()
    audit.note(who, "directory_only_on" if required else "directory_only_off")
