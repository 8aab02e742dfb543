"""What makes a department's report acceptable, before anything is stored.

Leadership reads the reasons behind bad news, so a report that says "at risk" or "delayed", or
that lowers progress, must say why; a milestone reported done must say when, and not in the
future.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.domain.status import Status

NOTE_MAX = 4000
# A figure beyond any indicator of a district plan (a trillion): a typo, not a measurement.
MEASUREMENT_MAX = 10**12


class ReportProblem(StrEnum):
    """Why a report is refused; the caller words it in the user's language."""

    PROGRESS_RANGE = "progress_range"
    NOTE_REQUIRED_FOR_STATUS = "note_required_for_status"
    NOTE_REQUIRED_FOR_DECREASE = "note_required_for_decrease"
    NOTE_TOO_LONG = "note_too_long"
    COMPLETION_DATE_REQUIRED = "completion_date_required"
    COMPLETION_DATE_IN_FUTURE = "completion_date_in_future"
    COMPLETION_DATE_WITHOUT_DONE = "completion_date_without_done"
    NOTHING_TO_REPORT = "nothing_to_report"
    SUMMARY_REQUIRED = "summary_required"
    MEASUREMENT_INCOMPLETE = "measurement_incomplete"
    MEASUREMENT_VALUE = "measurement_value"
    MEASUREMENT_DATE_IN_FUTURE = "measurement_date_in_future"


# Problems found by comparing a report with the milestone as it is now, not in the report
# alone: the same report is fine against another state. The API answers them as a conflict
# (409), since no description of the request could have warned of them.
STATE_PROBLEMS = frozenset(
    {ReportProblem.NOTE_REQUIRED_FOR_DECREASE, ReportProblem.NOTHING_TO_REPORT}
)


@dataclass(frozen=True, slots=True)
class MilestoneReport:
    """What a department says about a milestone."""

    status: Status
    progress: int
    completed_on: date | None
    note: str


@dataclass(frozen=True, slots=True)
class CurrentState:
    """The milestone's approved state the report is compared with."""

    status: Status
    progress: int
    completed_on: date | None = None


def normalize(report: MilestoneReport) -> MilestoneReport:
    """A milestone reported done is complete: its progress is 100 whatever was typed."""
    if report.status is Status.DONE and report.progress != 100:
        return MilestoneReport(report.status, 100, report.completed_on, report.note)
    return report


def milestone_report_problems(
    report: MilestoneReport, current: CurrentState, today: date
) -> list[ReportProblem]:
    """Every rule the report breaks (empty when it may be submitted).

    The range is checked on the progress as sent: a done milestone counts as 100, but a
    value no milestone can have is refused whatever the status says.
    """
    problems = []
    if not 0 <= report.progress <= 100:
        problems.append(ReportProblem.PROGRESS_RANGE)
    report = normalize(report)
    note = report.note.strip()
    if len(report.note) > NOTE_MAX:
        problems.append(ReportProblem.NOTE_TOO_LONG)
    if report.status in {Status.AT_RISK, Status.DELAYED} and not note:
        problems.append(ReportProblem.NOTE_REQUIRED_FOR_STATUS)
    if report.progress < current.progress and not note:
        problems.append(ReportProblem.NOTE_REQUIRED_FOR_DECREASE)
    if report.status is Status.DONE:
        if report.completed_on is None:
            problems.append(ReportProblem.COMPLETION_DATE_REQUIRED)
        elif report.completed_on > today:
            problems.append(ReportProblem.COMPLETION_DATE_IN_FUTURE)
    elif report.completed_on is not None:
        problems.append(ReportProblem.COMPLETION_DATE_WITHOUT_DONE)
    unchanged = (report.status, report.progress, report.completed_on) == (
        current.status,
        current.progress,
        current.completed_on,
    )
    if unchanged and not note:
        problems.append(ReportProblem.NOTHING_TO_REPORT)
    return problems


@dataclass(frozen=True, slots=True)
class ItemReport:
    """A summary of an item's progress, optionally with a new figure for one of its indicators."""

    note: str
    value: float | None = None
    measured_on: date | None = None
    has_indicator: bool = False


def item_report_problems(report: ItemReport, today: date) -> list[ReportProblem]:
    """Every rule the item report breaks (empty when it may be submitted)."""
    problems = []
    if not report.note.strip():
        problems.append(ReportProblem.SUMMARY_REQUIRED)
    if len(report.note) > NOTE_MAX:
        problems.append(ReportProblem.NOTE_TOO_LONG)
    parts = (report.has_indicator, report.value is not None, report.measured_on is not None)
    if any(parts) and not all(parts):
        problems.append(ReportProblem.MEASUREMENT_INCOMPLETE)
    if report.value is not None and not 0 <= report.value <= MEASUREMENT_MAX:
        problems.append(ReportProblem.MEASUREMENT_VALUE)
    if report.measured_on is not None and report.measured_on > today:
        problems.append(ReportProblem.MEASUREMENT_DATE_IN_FUTURE)
    return problems


class ReportState(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class ReviewProblem(StrEnum):
    """Why a review action was refused."""

    NOT_PENDING = "not_pending"
    OWN_REPORT = "own_report"
    CHANGED_SINCE = "changed_since"
    REASON_REQUIRED = "reason_required"
