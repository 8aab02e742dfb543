"""Assignment (admin): who leads and supports an item, and its milestones' owners and order.

The rules are plain functions of plain values (``*_problems``, :func:`moved_positions`), so
they are tested without a database. The service functions check them, raise
:class:`Refused` with problem codes the caller words in the user's language, write,
flush, and leave the commit to the caller. Every change is appended to the history through
:func:`~tracker.services.commands.history.record_change` with origin ``admin``; departments
are named there by code and people by user name, which stay meaningful if ids change.

Forms that edit an item or a milestone pass the version the user saw; a different current
version means someone changed it meanwhile, and the change is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

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
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.models import Department, Item, Milestone, User
from tracker.services.commands.history import record_change

ORIGIN = "admin"
# ``Milestone.source`` of a milestone an admin adds (neither the report nor sample data).
ADMIN_SOURCE = "admin"


# Rules: plain values in, problem codes out.


# Helpers


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


def milestone_code_taken(plan_id: int, code: str) -> bool:
    """Whether the plan has a milestone with this code, ignoring case (no look-alike codes)."""
    found = db.session.scalar(
        sa.select(Milestone.id).where(
            Milestone.plan_id == plan_id, sa.func.lower(Milestone.code) == code.strip().lower()
        )
    )
    return found is not None


def ordered_milestones(item: Item) -> list[Milestone]:
    """An item's milestones in the admin's order (position, then id)."""
    return list(
        db.session.scalars(
            sa.select(Milestone)
            .where(Milestone.item_id == item.id)
            .order_by(Milestone.position, Milestone.id)
        )
    )


# Writing


def set_item_departments(
    item: Item,
    *,
    lead: Department,
    supporting: Sequence[Department],
    version: int | None,
    user: User,
    now: datetime,
    today: date,
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
    if problems:
        raise Refused(problems)

    changes = []
    history = {"now": now, "effective_on": today, "user": user, "origin": ORIGIN}
    if lead != old_lead:
        record_change(item, "lead_department", old_lead.code, lead.code, **history)
        item.lead_department = lead
        changes.append("lead_department")
    if _codes(old_supporting) != _codes(supporting):
        record_change(
            item, "supporting_departments", _codes(old_supporting), _codes(supporting), **history
        )
        item.supporting_departments = list(supporting)
        # The association table is not the item's row: mark the row so its version moves too.
        flag_modified(item, "lead_department_id")
        changes.append("supporting_departments")
    _flush_versioned()
    return changes


def create_milestone(
    item: Item,
    *,
    code: str,
    title_zh: str,
    title_en: str,
    due: date,
    weight: float,
    department: Department,
    assignee: User | None,
    user: User,
    now: datetime,
    today: date,
) -> Milestone:
    """Add a milestone at the end of the item's order; its baseline is its due date."""
    code = code.strip()
    plan = item.plan
    problems = [
        *code_problems(code, taken=bool(code) and milestone_code_taken(plan.id, code)),
        *title_problems(title_zh, title_en),
        *due_problems(due, plan_start=plan.start, plan_end=plan.end),
        *weight_problems(weight),
        *_department_problems(department, None),
    ]
    if assignee is not None:
        problems += assignee_problems(
            department_id=department.id,
            assignee_department_id=assignee.department_id,
            assignee_active=assignee.active,
            assignee_changed=True,
        )
    if problems:
        raise Refused(problems)
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
        reported_status="not_started",
        progress=0,
        source=ADMIN_SOURCE,
        postponement_count=0,
    )
    db.session.add(milestone)
    db.session.flush()
    record_change(
        item,
        "created",
        None,
        code,
        now=now,
        effective_on=today,
        user=user,
        milestone=milestone,
        note=milestone.title_zh,
        origin=ORIGIN,
    )
    db.session.flush()
    return milestone


def update_milestone(
    milestone: Milestone,
    *,
    title_zh: str,
    title_en: str,
    due: date,
    weight: float,
    department: Department,
    assignee: User | None,
    version: int | None,
    user: User,
    now: datetime,
    today: date,
) -> list[str]:
    """Change a milestone's titles, due date, weight, department or assignee.

    Changing the due date here re-plans the milestone: its baseline follows (a postponement
    moves only the due date). Returns the history fields that changed.
    """
    plan = milestone.item.plan
    problems = []
    if version != milestone.version:
        problems.append(AssignmentProblem.STALE)
    problems += title_problems(title_zh, title_en)
    if due != milestone.due:
        problems += due_problems(due, plan_start=plan.start, plan_end=plan.end)
    problems += weight_problems(weight)
    problems += _department_problems(department, milestone.department)
    if assignee is not None:
        problems += assignee_problems(
            department_id=department.id,
            assignee_department_id=assignee.department_id,
            assignee_active=assignee.active,
            assignee_changed=assignee.id != milestone.assignee_id,
        )
    if problems:
        raise Refused(problems)

    old_assignee = milestone.assignee
    new = {
        "title_zh": title_zh.strip(),
        "title_en": title_en.strip(),
        "due": due,
        "baseline_due": due if due != milestone.due else milestone.baseline_due,
        "weight": weight,
    }
    changes = []
    for name, value in new.items():
        old = getattr(milestone, name)
        if old != value:
            _history(milestone, name, old, value, user=user, now=now, today=today)
            setattr(milestone, name, value)
            changes.append(name)
    if department != milestone.department:
        old_code = milestone.department.code
        _history(
            milestone, "department", old_code, department.code, user=user, now=now, today=today
        )
        milestone.department = department
        changes.append("department")
    if assignee != old_assignee:
        _history(
            milestone,
            "assignee",
            old_assignee.username if old_assignee else None,
            assignee.username if assignee else None,
            user=user,
            now=now,
            today=today,
        )
        milestone.assignee = assignee
        changes.append("assignee")
    _flush_versioned()
    return changes


def move_milestone(
    milestone: Milestone, direction: str, *, user: User, now: datetime, today: date
) -> bool:
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
                sibling,
                "position",
                sibling.position,
                changed[sibling.id],
                user=user,
                now=now,
                today=today,
            )
            sibling.position = changed[sibling.id]
    _flush_versioned()
    return True


def _history(
    milestone: Milestone,
    field: str,
    old: object,
    new: object,
    *,
    user: User,
    now: datetime,
    today: date,
) -> None:
    record_change(
        milestone.item,
        field,
        old,
        new,
        now=now,
        effective_on=today,
        user=user,
        milestone=milestone,
        origin=ORIGIN,
    )
