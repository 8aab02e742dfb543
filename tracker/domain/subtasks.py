"""Sub-tasks (多级分解): what a sub-task and a report on it must hold, and the roll-up.

A department lead splits a milestone among the department's own people; the milestone's
progress may then be rolled up from the parts (the lead's choice, ``ProgressMode``). Pure
rules: the caller gathers the facts (the milestone's due date, the assignee's department).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.domain.status import Status

TITLE_MAX = 200
NOTE_MAX = 4000
WEIGHT_MAX = 1000.0  # a share of a milestone, not a budget: a larger figure is a typo


class ProgressMode(StrEnum):
    """How a milestone's progress is kept: typed by its lead, or rolled up from sub-tasks."""

    DIRECT = "direct"
    SUBTASKS = "subtasks"


class SubtaskProblem(StrEnum):
    """Why a sub-task, a report on one, or a change of mode is refused."""

    TITLE_REQUIRED = "subtask_title_required"
    TITLE_TOO_LONG = "subtask_title_too_long"
    DUE_REQUIRED = "subtask_due_required"
    DUE_AFTER_MILESTONE = "subtask_due_after_milestone"
    DUE_BEFORE_PLAN = "subtask_due_before_plan"
    WEIGHT = "subtask_weight"
    ASSIGNEE_REQUIRED = "subtask_assignee_required"
    ASSIGNEE_OTHER_DEPARTMENT = "subtask_assignee_other_department"
    ASSIGNEE_INACTIVE = "subtask_assignee_inactive"
    PROGRESS_RANGE = "subtask_progress_range"
    NOTE_TOO_LONG = "subtask_note_too_long"
    NOTE_REQUIRED = "subtask_note_required"
    HAS_REPORTS = "subtask_has_reports"
    REPORTED_MEANWHILE = "subtask_reported_meanwhile"
    NO_SUBTASKS = "subtask_none_to_roll_up"


@dataclass(frozen=True, slots=True)
class Assignee:
    """The facts about a chosen person that decide whether a sub-task may be theirs."""

    department_id: int | None
    role: str
    active: bool


@dataclass(frozen=True, slots=True)
class SubtaskDraft:
    """A sub-task as typed in the lead's form."""

    title: str
    due: date | None
    weight: float | None
    assignee: Assignee | None


def subtask_problems(
    draft: SubtaskDraft, *, department_id: int, milestone_due: date, plan_start: date
) -> list[SubtaskProblem]:
    """Every rule the draft breaks (empty when it may be saved).

    A sub-task ends no later than its milestone (the department answers for the milestone's
    date) and not before the plan starts; it is for an active person of the milestone's own
    department (its staff or one of its leads).
    """
    problems = []
    title = draft.title.strip()
    if not title:
        problems.append(SubtaskProblem.TITLE_REQUIRED)
    elif len(title) > TITLE_MAX:
        problems.append(SubtaskProblem.TITLE_TOO_LONG)
    if draft.due is None:
        problems.append(SubtaskProblem.DUE_REQUIRED)
    elif draft.due > milestone_due:
        problems.append(SubtaskProblem.DUE_AFTER_MILESTONE)
    elif draft.due < plan_start:
        problems.append(SubtaskProblem.DUE_BEFORE_PLAN)
    if draft.weight is None or not 0 < draft.weight <= WEIGHT_MAX:
        problems.append(SubtaskProblem.WEIGHT)
    problems.extend(_assignee_problems(draft.assignee, department_id))
    return problems


def _assignee_problems(assignee: Assignee | None, department_id: int) -> list[SubtaskProblem]:
    if assignee is None:
        return [SubtaskProblem.ASSIGNEE_REQUIRED]
    if assignee.department_id != department_id or assignee.role not in {"staff", "dept_lead"}:
        return [SubtaskProblem.ASSIGNEE_OTHER_DEPARTMENT]
    if not assignee.active:
        return [SubtaskProblem.ASSIGNEE_INACTIVE]
    return []


@dataclass(frozen=True, slots=True)
class SubtaskReport:
    """What an assignee says about a sub-task."""

    status: Status
    progress: int
    note: str


def normalize_report(report: SubtaskReport) -> SubtaskReport:
    """A sub-task reported done is complete: its progress is 100 whatever was typed."""
    if report.status is Status.DONE:
        return SubtaskReport(report.status, 100, report.note)
    return report


def report_problems(report: SubtaskReport) -> list[SubtaskProblem]:
    """Every rule the report breaks: the range of progress, the note's length, and a reason
    for bad news (at risk or delayed), as for a milestone report.
    """
    problems = []
    if not 0 <= report.progress <= 100:
        problems.append(SubtaskProblem.PROGRESS_RANGE)
    note = report.note.strip()
    if len(note) > NOTE_MAX:
        problems.append(SubtaskProblem.NOTE_TOO_LONG)
    if report.status in {Status.AT_RISK, Status.DELAYED} and not note:
        problems.append(SubtaskProblem.NOTE_REQUIRED)
    return problems


@dataclass(frozen=True, slots=True)
class Part:
    """A sub-task as the roll-up sees it."""

    weight: float
    progress: int
    status: Status


@dataclass(frozen=True, slots=True)
class Rollup:
    """A milestone's progress rolled up from its sub-tasks.

    ``progress`` is the weighted mean, rounded to a whole percent (a done sub-task counts
    100); ``all_done`` says the milestone can be reported done. None without sub-tasks.
    """

    progress: int
    count: int
    done: int

    @property
    def all_done(self) -> bool:
        return self.count > 0 and self.done == self.count


def rollup(parts: Iterable[Part]) -> Rollup | None:
    """The weighted mean of the parts' progress; None when there is nothing to roll up."""
    total_weight = 0.0
    weighted = 0.0
    count = done = 0
    for part in parts:
        progress = 100 if part.status is Status.DONE else part.progress
        total_weight += part.weight
        weighted += part.weight * progress
        count += 1
        done += part.status is Status.DONE
    if count == 0 or total_weight <= 0:
        return None
    # Half up, not Python's half to even: 62.5% is shown as 63%, as people round; 100% only
    # when every part is done (99.6% of open work is not finished work).
    progress = int(weighted / total_weight + 0.5)
    if done < count:
        progress = min(progress, 99)
    return Rollup(progress, count, done)
