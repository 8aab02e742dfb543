"""Sub-tasks (多级分解): the department lead splits a milestone, its staff report on the parts.

Commands flush and never commit (the request boundary does). A report on a sub-task is one
conditional UPDATE on the version the reporter's form was based on, so of two reports sent at
once exactly one wins; the other is refused with a clear message and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tracker.domain.refusal import Refused, Who
from tracker.domain.status import Status
from tracker.domain.subtasks import (
    Assignee,
    ProgressMode,
    SubtaskDraft,
    SubtaskProblem,
    SubtaskReport,
    normalize_report,
    report_problems,
    subtask_problems,
)
from tracker.extensions import db
from tracker.models import Milestone, Subtask, SubtaskUpdate, User
from tracker.services.commands import audit
from tracker.services.commands.history import record_change


@dataclass(frozen=True)
class SubtaskInput:
    """A sub-task as the lead's form sends it (the assignee already looked up, or None)."""

    title: str
    due: date | None
    weight: float | None
    assignee: User | None


def _problems(milestone: Milestone, given: SubtaskInput) -> list[SubtaskProblem]:
    assignee = given.assignee
    draft = SubtaskDraft(
        title=given.title,
        due=given.due,
        weight=given.weight,
        assignee=(
            Assignee(assignee.department_id, assignee.role, assignee.active)
            if assignee is not None
            else None
        ),
    )
    return subtask_problems(
        draft,
        department_id=milestone.department_id,
        milestone_due=milestone.due,
        plan_start=milestone.item.plan.start,
    )


def _refuse_bad(milestone: Milestone, given: SubtaskInput) -> None:
    """Refuse with every problem, naming the dates the messages quote."""
    Refused.unless_clean(
        _problems(milestone, given),
        milestone_due=milestone.due.isoformat(),
        plan_start=milestone.item.plan.start.isoformat(),
    )


def create_subtask(who: Who, milestone: Milestone, given: SubtaskInput) -> Subtask:
    """Add a sub-task at the end of the milestone's list."""
    _refuse_bad(milestone, given)
    assert given.assignee is not None
    assert given.due is not None
    assert given.weight is not None
    last = db.session.scalar(
        sa.select(sa.func.max(Subtask.position)).where(Subtask.milestone_id == milestone.id)
    )
    subtask = Subtask(
        milestone_id=milestone.id,
        department_id=milestone.department_id,
        title=given.title.strip(),
        assignee_id=given.assignee.id,
        due=given.due,
        weight=given.weight,
        status=Status.NOT_STARTED,
        progress=0,
        position=(last or 0) + 1,
        created_by_id=who.actor.id if who.actor is not None else None,
        created_at=who.now,
    )
    db.session.add(subtask)
    db.session.flush()
    audit.note(
        who,
        "subtask_created",
        target=milestone,
        detail=f"{subtask.title} → {given.assignee.username}, {subtask.due.isoformat()}",
    )
    return subtask


def edit_subtask(
    who: Who,
    subtask: Subtask,
    given: SubtaskInput,
    *,
    version: int,
) -> None:
    """Change a sub-task's title, person, due date or weight; its reports stay as they are.

    Refused (as a lost race) when the form was based on an older version.
    """
    _refuse_bad(subtask.milestone, given)
    assert given.assignee is not None
    assert given.due is not None
    assert given.weight is not None
    if version != subtask.version:
        raise Refused([SubtaskProblem.REPORTED_MEANWHILE])
    before = _described(subtask)
    subtask.title = given.title.strip()
    subtask.assignee = given.assignee
    subtask.due = given.due
    subtask.weight = given.weight
    db.session.flush()
    after = _described(subtask)
    changed = [
        f"{name}: {before[name]} → {after[name]}" for name in before if before[name] != after[name]
    ]
    if changed:
        audit.note(
            who,
            "subtask_edited",
            target=subtask.milestone,
            detail=f"{before['title']}: " + "; ".join(changed),
        )


def _described(subtask: Subtask) -> dict[str, str]:
    """A sub-task's fields as the audit log names them (people by user name)."""
    return {
        "title": subtask.title,
        "assignee": subtask.assignee.username,
        "due": subtask.due.isoformat(),
        "weight": f"{subtask.weight:g}",
    }


def delete_subtask(who: Who, subtask: Subtask) -> None:
    """Remove a sub-task made by mistake. One that was reported on is part of the record
    (who said what, when): it is refused, to be kept or edited instead.
    """
    reported = db.session.scalar(
        sa.select(SubtaskUpdate.id).where(SubtaskUpdate.subtask_id == subtask.id).limit(1)
    )
    if reported is not None:
        raise Refused([SubtaskProblem.HAS_REPORTS])
    audit.note(who, "subtask_deleted", target=subtask.milestone, detail=subtask.title)
    db.session.delete(subtask)
    db.session.flush()


def set_progress_mode(
    who: Who, milestone: Milestone, mode: ProgressMode, *, today: date, version: int
) -> bool:
    """The lead's choice: report the milestone's progress directly, or roll it up from its
    sub-tasks. Recorded in the milestone's history; returns whether anything changed.
    """
    if version != milestone.version:
        raise Refused([SubtaskProblem.REPORTED_MEANWHILE])
    if mode == milestone.progress_mode:
        return False
    if mode is ProgressMode.SUBTASKS:
        has_parts = db.session.scalar(
            sa.select(Subtask.id).where(Subtask.milestone_id == milestone.id).limit(1)
        )
        if has_parts is None:
            raise Refused([SubtaskProblem.NO_SUBTASKS])
    record_change(
        milestone.item,
        "progress_mode",
        milestone.progress_mode,
        mode,
        now=who.now,
        effective_on=today,
        user=who.actor,
        milestone=milestone,
    )
    milestone.progress_mode = mode
    db.session.flush()
    return True


def report_subtask(
    who: Who, subtask: Subtask, report: SubtaskReport, *, version: int, today: date
) -> SubtaskUpdate:
    """An assignee's report on a sub-task: its status and progress now, and why.

    The sub-task changes only if it is still at ``version`` (one UPDATE decides, so of two
    reports at once exactly one wins, on SQLite and PostgreSQL alike); the report is kept as
    an append-only row.
    """
    Refused.unless_clean(report_problems(report))
    report = normalize_report(report)
    completed_on = today if report.status is Status.DONE else None
    changed = db.session.execute(
        sa.update(Subtask)
        .where(Subtask.id == subtask.id, Subtask.version == version)
        .values(
            status=report.status.value,
            progress=report.progress,
            completed_on=completed_on,
            version=Subtask.version + 1,
        )
        .execution_options(synchronize_session=False, changes_plan=subtask.milestone.plan_id)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise Refused([SubtaskProblem.REPORTED_MEANWHILE])
    db.session.expire(subtask)
    update = SubtaskUpdate(
        subtask_id=subtask.id,
        user_id=who.actor.id if who.actor is not None else None,
        created_at=who.now,
        status=report.status.value,
        progress=report.progress,
        note=report.note.strip(),
    )
    db.session.add(update)
    db.session.flush()
    return update
