"""Assignment (admin): who leads and supports an item, and its milestones' owners and order.

The rules are the pure functions of :mod:`tracker.domain.assignment`. The commands here check
them, raise :class:`Refused` with the problem codes, write, flush, and leave the commit to the
request boundary. Every change is appended to the history through
:func:`~tracker.services.commands.history.record_change` with origin ``admin``, dated the
district day of ``who.now``; departments are named there by code and people by user name,
which stay meaningful if ids change.

Forms that edit an item or a milestone pass the version the user saw; a different current
version means someone changed it meanwhile, and the change is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from tracker.clock import district_day
from tracker.domain.assignment import (
    DIRECTIONS,
    AssignmentProblem,
    assignee_problems,
    code_problems,
    due_problems,
    moved_positions,
    supporting_problems,
    title_problems,
    weight_problems,
)
from tracker.domain.refusal import Refused, Who
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Department, Item, Milestone, Subtask, User
from tracker.services.commands.history import record_change
from tracker.services.commands.receipts import open_receipt
from tracker.services.queries.assignment import milestone_code_taken, ordered_milestones

ORIGIN = "admin"
# ``Milestone.source`` of a milestone an admin adds (neither the report nor sample data).
ADMIN_SOURCE = "admin"


def _department_problems(new: Department, old: Department | None) -> list[AssignmentProblem]:
    """A department newly given a role must be active; one keeping its role may be inactive."""
    if new.active or new == old:
        return []
    return [AssignmentProblem.DEPARTMENT_INACTIVE]


def _codes(departments: Sequence[Department]) -> str:
    return ",".join(sorted(d.code for d in departments))


def _flush_versioned() -> None:
    """Flush; a concurrent change to a versioned row shows as a stale version."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Refused([AssignmentProblem.STALE]) from None


def _history(
    who: Who,
    item: Item,
    field: str,
    old: object,
    new: object,
    *,
    milestone: Milestone | None = None,
    note: str = "",
) -> None:
    """One admin change in the item's history, effective on the district day it was made."""
    record_change(
        item,
        field,
        old,
        new,
        now=who.now,
        effective_on=district_day(who.now),
        user=who.actor,
        milestone=milestone,
        note=note,
        origin=ORIGIN,
    )


def set_item_departments(
    who: Who,
    item: Item,
    *,
    lead: Department,
    supporting: Sequence[Department],
    version: int | None,
) -> list[str]:
    """Change an item's lead and supporting departments; return the fields that changed.

    Newly named departments must be active; a lead cannot also support its item.
    """
    problems = []
    if version != item.version:
        problems.append(AssignmentProblem.STALE)
    supporting = sorted(set(supporting), key=lambda d: d.code)
    problems += supporting_problems(lead.id, [d.id for d in supporting])
    old_lead = item.lead_department
    old_supporting = list(item.supporting_departments)
    newly_named = [d for d in (lead, *supporting) if d not in (old_lead, *old_supporting)]
    if any(not d.active for d in newly_named):
        problems.append(AssignmentProblem.DEPARTMENT_INACTIVE)
    Refused.unless_clean(problems)

    changes = []
    if lead != old_lead:
        _history(who, item, "lead_department", old_lead.code, lead.code)
        item.lead_department = lead
        changes.append("lead_department")
    if _codes(old_supporting) != _codes(supporting):
        _history(who, item, "supporting_departments", _codes(old_supporting), _codes(supporting))
        item.supporting_departments = list(supporting)
        # The association table is not the item's row: mark the row so its version moves too.
        flag_modified(item, "lead_department_id")
        changes.append("supporting_departments")
    _flush_versioned()
    return changes


def _assignee_problems(
    department: Department, assignee: User | None, current_assignee_id: int | None
) -> list[AssignmentProblem]:
    """The assignee (if any) works in the milestone's department; a newly chosen one is active."""
    if assignee is None:
        return []
    return assignee_problems(
        department_id=department.id,
        assignee_department_id=assignee.department_id,
        assignee_active=assignee.active,
        assignee_changed=assignee.id != current_assignee_id,
    )


def create_milestone(
    who: Who,
    item: Item,
    *,
    code: str,
    title_zh: str,
    title_en: str,
    due: date,
    weight: float,
    department: Department,
    assignee: User | None,
) -> Milestone:
    """Add a milestone at the end of the item's order; its baseline is its due date."""
    code = code.strip()
    plan = item.plan
    Refused.unless_clean(
        [
            *code_problems(code, taken=bool(code) and milestone_code_taken(plan.id, code)),
            *title_problems(title_zh, title_en),
            *due_problems(due, plan_start=plan.start, plan_end=plan.end),
            *weight_problems(weight),
            *_department_problems(department, None),
            *_assignee_problems(department, assignee, None),
        ]
    )
    last = db.session.scalar(
        sa.select(sa.func.max(Milestone.position)).where(Milestone.item_id == item.id)
    )
    milestone = Milestone(
        plan_id=plan.id,
        item_id=item.id,
        code=code,
        position=0 if last is None else last + 1,
        title_zh=title_zh.strip(),
        title_en=title_en.strip(),
        due=due,
        baseline_due=due,
        department_id=department.id,
        assignee_id=assignee.id if assignee is not None else None,
        weight=weight,
        reported_status=Status.NOT_STARTED,
        progress=0,
        source=ADMIN_SOURCE,
        postponement_count=0,
    )
    db.session.add(milestone)
    db.session.flush()
    _history(who, item, "created", None, code, milestone=milestone, note=milestone.title_zh)
    open_receipt(milestone, now=who.now, by=who.actor)
    db.session.flush()
    return milestone


def update_milestone(
    who: Who,
    milestone: Milestone,
    *,
    title_zh: str,
    title_en: str,
    due: date,
    weight: float,
    department: Department,
    assignee: User | None,
    version: int | None,
) -> list[str]:
    """Change a milestone's titles, due date, weight, department or assignee.

    Changing the due date here re-plans the milestone: its baseline follows (a postponement
    moves only the due date). Returns the history fields that changed.
    """
    plan = milestone.item.plan
    problems = [] if version == milestone.version else [AssignmentProblem.STALE]
    problems += title_problems(title_zh, title_en)
    if due != milestone.due:
        problems += due_problems(due, plan_start=plan.start, plan_end=plan.end)
    problems += weight_problems(weight)
    problems += _department_problems(department, milestone.department)
    problems += _assignee_problems(department, assignee, milestone.assignee_id)
    Refused.unless_clean(problems)
    new: dict[str, object] = {
        "title_zh": title_zh.strip(),
        "title_en": title_en.strip(),
        "due": due,
        "baseline_due": due if due != milestone.due else milestone.baseline_due,
        "weight": weight,
        "department": department,
        "assignee": assignee,
    }
    changes = []
    for name, value in new.items():
        old = getattr(milestone, name)
        if old != value:
            _history(who, milestone.item, name, _named(old), _named(value), milestone=milestone)
            setattr(milestone, name, value)
            changes.append(name)
    _flush_versioned()
    if "department" in changes:
        # Reassignment resets the receipt: the new department signs anew.
        open_receipt(milestone, now=who.now, by=who.actor)
        _move_subtasks(milestone, department)
    return changes


def _move_subtasks(milestone: Milestone, department: Department) -> None:
    """Sub-tasks go with their milestone: the new department's lead manages them and gives
    each to one of their own people; the old department's staff can no longer report on them.
    Their versions move on, so a form opened before the move is refused as stale.
    """
    db.session.execute(
        sa.update(Subtask)
        .where(Subtask.milestone_id == milestone.id)
        .values(department_id=department.id, version=Subtask.version + 1)
        .execution_options(synchronize_session=False)
    )


def _named(value: object) -> object:
    """How the history names a value: departments by code, people by user name."""
    if isinstance(value, Department):
        return value.code
    if isinstance(value, User):
        return value.username
    return value


def move_milestone(who: Who, milestone: Milestone, direction: str) -> bool:
    """Move a milestone one place up or down among its item's milestones.

    False when it is already first or last (nothing changes).
    """
    if direction not in DIRECTIONS:
        raise Refused([AssignmentProblem.UNKNOWN_DIRECTION])
    siblings = ordered_milestones(milestone.item)
    changed = moved_positions([(m.id, m.position) for m in siblings], milestone.id, direction)
    if changed is None:
        return False
    for sibling in siblings:
        if sibling.id in changed:
            _history(
                who,
                sibling.item,
                "position",
                sibling.position,
                changed[sibling.id],
                milestone=sibling,
            )
            sibling.position = changed[sibling.id]
    _flush_versioned()
    return True
