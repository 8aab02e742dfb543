"""Each plan's data version changes in the same transaction as every write that changes it.

Snapshots of computed pages and the ETags of conditional requests are keyed by
``plan.data_version``. They are only as correct as that version, so it is not left to each
service to remember: session events see every row a transaction writes, find the plans those
rows belong to, and give each a new random version just before the commit (random, so a
version is never reused: see :func:`tracker.models.plan.new_data_version`). Taking that row lock
last, just before the commit, keeps it out of any lock-order cycle with the row locks the
services take (a report's milestone, a plan's state).

The ORM's bulk INSERT, UPDATE and DELETE statements do not pass through a flush; they name
their plan with ``.execution_options(changes_plan=plan_id)``, and one that does not is taken
to change every plan (never stale, only less cached).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.models import (
    ApiToken,
    AuditEvent,
    Bulletin,
    Department,
    Indicator,
    Instruction,
    Item,
    Milestone,
    Plan,
    ScreenLink,
    Snapshot,
    User,
)
from tracker.models.plan import new_data_version

CHANGES_PLAN = "changes_plan"
EVERY_PLAN = 0  # stands for "all plans" in a transaction's set

# Rows that no plan's pages show: sign-in bookkeeping, tokens, the audit log, the cache itself,
# the bulletins issued (their own page reads them afresh).
_UNSHOWN = (ApiToken, AuditEvent, Bulletin, ScreenLink, Snapshot)
# A user's row changes on every sign-in; pages show only these of its columns.
_SHOWN_USER_COLUMNS = ("display_name", "role", "department_id", "active")
# Rows that name their plan through a parent: (attribute, parent model).
_PARENTS: tuple[tuple[str, type[Any]], ...] = (
    ("item_id", Item),
    ("milestone_id", Milestone),
    ("indicator_id", Indicator),
    ("instruction_id", Instruction),
)
_PENDING = "tracker.changed_plans"


def mark_changed(session: so.Session, plan_id: int) -> None:
    """Count a change to ``plan_id`` in this transaction (for writes the events cannot see)."""
    session.info.setdefault(_PENDING, set()).add(plan_id)


def _shows(session: so.Session, row: object) -> bool:
    if isinstance(row, _UNSHOWN):
        return False
    if isinstance(row, User) and row not in session.new:
        state: so.InstanceState[User] = sa.inspect(row)
        return any(state.attrs[name].history.has_changes() for name in _SHOWN_USER_COLUMNS)
    return row in session.new or row in session.deleted or session.is_modified(row)


def _plans_of(session: so.Session, rows: Iterable[object]) -> set[int]:
    """The plans whose pages show these rows (``EVERY_PLAN`` for shared ones)."""
    plans: set[int] = set()
    through: dict[type[Any], set[int]] = {}
    for row in rows:
        if isinstance(row, Department | User):
            plans.add(EVERY_PLAN)
        elif isinstance(row, Plan):
            plans.add(row.id)
        elif (plan_id := getattr(row, "plan_id", None)) is not None:
            plans.add(plan_id)
        else:
            for attribute, parent in _PARENTS:
                if (parent_id := getattr(row, attribute, None)) is not None:
                    through.setdefault(parent, set()).add(parent_id)
                    break
    connection = session.connection()
    for parent, ids in through.items():
        if parent is Instruction:
            query = (
                sa.select(Item.plan_id)
                .join(Instruction, Instruction.item_id == Item.id)
                .where(Instruction.id.in_(ids))
            )
        else:
            query = sa.select(parent.plan_id).where(parent.id.in_(ids))
        plans.update(connection.execute(query).scalars())
    return plans


def _after_flush(session: so.Session, _context: object) -> None:
    rows = [row for row in (*session.new, *session.dirty, *session.deleted) if _shows(session, row)]
    if rows:
        session.info.setdefault(_PENDING, set()).update(_plans_of(session, rows))


def _on_orm_execute(state: so.ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    if mapper is None or issubclass(mapper.class_, _UNSHOWN):
        return
    plan_id = state.execution_options.get(CHANGES_PLAN)
    mark_changed(state.session, EVERY_PLAN if plan_id is None else plan_id)


def _before_commit(session: so.Session) -> None:
    session.flush()  # so the rows of this last flush are counted too
    plans = session.info.pop(_PENDING, None)
    if not plans:
        return
    statement = sa.update(Plan).values(data_version=new_data_version())
    if EVERY_PLAN not in plans:
        statement = statement.where(Plan.id.in_(sorted(plans)))
    session.connection().execute(statement)


def _forget(session: so.Session, *_args: object) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Listen on every session (idempotent): the web app, commands and tests alike."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _on_orm_execute),
        ("before_commit", _before_commit),
        ("after_rollback", _forget),
    ):
        if not sa.event.contains(so.Session, name, listener):
            sa.event.listen(so.Session, name, listener)
