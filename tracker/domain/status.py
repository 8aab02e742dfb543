"""Statuses and the rules that compute a milestone's status at a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Status(StrEnum):
    """The five statuses users know: 未启动, 按期推进, 有风险, 滞后, 已完成."""

    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    DELAYED = "delayed"
    DONE = "done"


STATUSES: tuple[str, ...] = tuple(s.value for s in Status)


@dataclass(frozen=True, slots=True)
class MilestoneState:
    """What is known of a milestone at some date: its plan and what was last reported."""

    due: date
    weight: float
    reported_status: Status
    progress: int
    completed_on: date | None = None
    # False when only "done by ``completed_on``" is known (the source gives no exact day).
    completed_on_exact: bool = True
    # Close-out (tracker.domain.close_out): "awaiting", "closed", "reopened" or None.
    close_out: str | None = None


class Timeliness(StrEnum):
    """Whether a milestone was done by its due date, as on-time statistics count it."""

    ON_TIME = "on_time"
    LATE = "late"
    NOT_DONE = "not_done"
    DATE_UNKNOWN = "date_unknown"  # done, but only "done by" a day is known


def timeliness(state: MilestoneState, as_of: date) -> Timeliness:
    """Was the milestone done on time, as it stood at ``as_of``?

    The one rule every on-time figure uses (the department table, the portfolio, the
    closing view of a plan). A milestone known only to be done *by* a day (the report gives
    no exact day), or reported done without a date, is ``DATE_UNKNOWN``: counted as done,
    but neither on time nor late, so a day nobody stated never improves or spoils a rate.
    The due day itself still counts as on time.
    """
    if not is_done(state, as_of):
        return Timeliness.NOT_DONE
    if state.completed_on is None or not state.completed_on_exact:
        return Timeliness.DATE_UNKNOWN
    return Timeliness.ON_TIME if state.completed_on <= state.due else Timeliness.LATE


def is_done(state: MilestoneState, as_of: date) -> bool:
    """A milestone counts as done once reported done, from its completion date on."""
    if state.reported_status is not Status.DONE:
        return False
    return state.completed_on is None or state.completed_on <= as_of


def awaits_close_out(state: MilestoneState, as_of: date) -> bool:
    """Done, but not yet closed out by the coordinating office (已完成待销号).

    Its progress counts 100 (the work is reported done and approved); only the count of
    done milestones keeps it apart until the office has checked the evidence.
    """
    return is_done(state, as_of) and state.close_out == "awaiting"


def is_overdue(state: MilestoneState, as_of: date) -> bool:
    """Open and past its due date: the due day itself still counts as on time."""
    return not is_done(state, as_of) and state.due < as_of


def milestone_status(state: MilestoneState, as_of: date) -> Status:
    """The computed status: an open milestone past its due date is delayed, whatever was said.

    Otherwise the reported status stands. A milestone reported done with a completion date
    after ``as_of`` was not yet done on that date, so it is judged as open.
    """
    if is_done(state, as_of):
        return Status.DONE
    if is_overdue(state, as_of):
        return Status.DELAYED
    if state.reported_status is Status.DONE:
        return Status.ON_TRACK
    return state.reported_status


def milestone_progress(state: MilestoneState, as_of: date) -> float:
    """Progress in percent; a done milestone is complete whatever figure came with it."""
    if is_done(state, as_of):
        return 100.0
    return float(max(0, min(100, state.progress)))


def expected_progress(start: date, due: date, as_of: date) -> float:
    """The share of the time span ``start``..``due`` elapsed at the end of ``as_of``, in percent.

    A one-day span (start == due) is fully expected on that day; before ``start`` nothing is.
    """
    if as_of < start:
        return 0.0
    if as_of >= due:
        return 100.0
    elapsed = (as_of - start).days + 1
    span = (due - start).days + 1
    return 100.0 * elapsed / span


def is_behind(progress: float, expected: float, margin: float) -> bool:
    """Behind means trailing the elapsed-time expectation by more than ``margin`` points."""
    return expected - progress > margin
