"""Reports and their review (督办): submit, approve, return.

A department's report changes nothing that counts until the coordinating office approves it:
the milestone's approved status and progress, and an indicator's measurements, are written at
approval. The proposed changes are written to the history at once (linked to the report), so
the item's timeline shows them as pending, then approved or returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.domain.close_out import after_approval as close_out_after
from tracker.domain.policy import Role
from tracker.domain.refusal import Refused, StaleVersion, Who
from tracker.domain.reporting import (
    CurrentState,
    ItemReport,
    MilestoneReport,
    ReportState,
    ReviewProblem,
    item_report_problems,
    milestone_report_problems,
    normalize,
)
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Indicator, Item, Measurement, Milestone, Report
from tracker.services.commands.close_out import after_approval as record_close_out
from tracker.services.commands.history import record_change
from tracker.services.queries.reports import pending_report, recent_changes
from tracker.services.queries.subtasks import with_rolled_up_progress


def _withdraw_pending(who: Who, *, item: Item, milestone: Milestone | None, today: date) -> None:
    """A new report replaces the one still waiting: the department corrected itself.

    Withdrawn only if it is still waiting: a reviewer who returned or approved it a moment
    before keeps that decision (SQLite holds no lock between the read and here).
    """
    previous = pending_report(item=item, milestone=milestone)
    if previous is None:
        return
    if not _leave_review(previous, ReportState.WITHDRAWN):
        db.session.refresh(previous)
        return
    _record_review(who, previous, ReportState.WITHDRAWN, today=today)


def _record_review(
    who: Who, report: Report, state: ReportState, *, today: date, note: str = ""
) -> None:
    """The history row of a report leaving review: approved, returned or withdrawn."""
    record_change(
        report.item,
        "review",
        ReportState.SUBMITTED,
        state,
        now=who.now,
        effective_on=today,
        user=who.actor,
        milestone=report.milestone,
        note=note,
        report=report,
    )


def submit_milestone_report(
    who: Who, milestone: Milestone, proposed: MilestoneReport, *, version: int, today: date
) -> Report:
    """Store a department's report on a milestone, pending review.

    Refused when the form was based on an older version of the milestone (someone else
    reported or an admin changed it meanwhile) or when the report breaks a rule.
    """
    lock(milestone)
    if version != milestone.version:
        raise StaleVersion(
            milestone.version, recent_changes(item=milestone.item, milestone=milestone)
        )
    current = CurrentState(
        Status(milestone.reported_status), milestone.progress, milestone.completed_on
    )
    # Sub-tasks: in 'subtasks' mode the progress is the roll-up, never what was typed.
    proposed = with_rolled_up_progress(milestone, proposed)
    problems = milestone_report_problems(proposed, current, today)
    if problems:
        raise Refused(list(problems))
    proposed = normalize(proposed)
    item = milestone.item
    _withdraw_pending(who, item=item, milestone=milestone, today=today)
    report = Report(
        plan_id=item.plan_id,
        item_id=item.id,
        milestone_id=milestone.id,
        author_id=who.actor.id,
        department_id=who.actor.department_id,
        submitted_at=who.now,
        base_version=milestone.version,
        state=ReportState.SUBMITTED,
        status=proposed.status,
        progress=proposed.progress,
        completed_on=proposed.completed_on,
        note=proposed.note.strip(),
    )
    changes = [
        (name, old, new)
        for name, old, new in (
            ("status", milestone.reported_status, proposed.status),
            ("progress", milestone.progress, proposed.progress),
            ("completed_on", milestone.completed_on, proposed.completed_on),
        )
        if old != new
    ]
    return _file_report(who, report, item, milestone, changes, today=today)


def submit_item_report(
    who: Who,
    item: Item,
    proposed: ItemReport,
    *,
    indicator: Indicator | None,
    source: str,
    version: int,
    today: date,
) -> Report:
    """Store a summary of an item's progress, with an optional new indicator figure."""
    lock(item)
    if version != item.version:
        raise StaleVersion(item.version, recent_changes(item=item, milestone=None))
    problems = item_report_problems(proposed, today)
    if problems:
        raise Refused(list(problems))
    _withdraw_pending(who, item=item, milestone=None, today=today)
    report = Report(
        plan_id=item.plan_id,
        item_id=item.id,
        milestone_id=None,
        author_id=who.actor.id,
        department_id=who.actor.department_id,
        submitted_at=who.now,
        base_version=item.version,
        state=ReportState.SUBMITTED,
        note=proposed.note.strip(),
        indicator_id=indicator.id if indicator is not None else None,
        measurement_value=proposed.value,
        measured_on=proposed.measured_on,
        measurement_source=source.strip()[:200],
    )
    changes: list[tuple[str, object, object]] = []
    if indicator is not None and proposed.value is not None:
        changes.append((f"indicator:{indicator.code}", None, proposed.value))
    return _file_report(who, report, item, None, changes, today=today)


def _file_report(
    who: Who,
    report: Report,
    item: Item,
    milestone: Milestone | None,
    changes: Sequence[tuple[str, object, object]],
    *,
    today: date,
) -> Report:
    """Store the report and the changes it proposes, as history rows linked to it.

    The report's ``base_version`` is then the version its own submission produced, so the
    review can tell whether anything changed after it.
    """
    db.session.add(report)
    db.session.flush()
    for name, old, new in [("report", None, ReportState.SUBMITTED), *changes]:
        record_change(
            item,
            name,
            old,
            new,
            now=who.now,
            effective_on=today,
            user=who.actor,
            milestone=milestone,
            note=report.note,
            report=report,
        )
    target = milestone or item
    _touch(target, today)
    db.session.flush()
    report.base_version = target.version
    db.session.flush()
    return report


def _touch(target: Item | Milestone, today: date) -> None:
    """Mark the day of the report and bump the version, even on a second report that day.

    A form opened before this report is then recognised as stale, so nobody replaces a report
    they have not seen.
    """
    target.last_reported_on = today
    so.attributes.flag_modified(target, "last_reported_on")


def lock(target: Item | Milestone) -> None:
    """Lock the milestone (or item) a report is about, and read it afresh.

    Every write on reports takes this lock first, so two of them (a review and a new report on
    the same milestone) queue in one order instead of deadlocking on PostgreSQL, and each
    decides on the current version. SQLite has no row locks: it serialises writers itself.
    """
    model = type(target)
    db.session.execute(
        sa.select(model)
        .where(model.id == target.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_reviewable(who: Who, report: Report) -> None:
    if report.state != ReportState.SUBMITTED:
        raise Refused([ReviewProblem.NOT_PENDING])
    if report.author_id == who.actor.id and who.actor.role != Role.ADMIN:
        raise Refused([ReviewProblem.OWN_REPORT])


def _leave_review(report: Report, state: ReportState, **values: object) -> bool:
    """Move the report from waiting to ``state`` (with ``values``) if it still waits; False
    when it no longer did. The state is checked and changed in one UPDATE, so of two people
    deciding on one report at once exactly one does.
    """
    # An UPDATE answers a CursorResult, which carries the row count.
    moved: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(Report)
        .where(Report.id == report.id, Report.state == ReportState.SUBMITTED)
        .values(state=state, **values)
        .execution_options(synchronize_session=False, changes_plan=report.plan_id)
    )
    if moved.rowcount != 1:
        return False
    for name, value in {"state": state, **values}.items():
        so.attributes.set_committed_value(report, name, value)
    return True


def _claim(who: Who, report: Report, state: ReportState) -> None:
    """Take the report out of review, if it is still waiting: exactly one review wins, and of
    two reviewers pressing *approve* and *return* at once the second is told it moved on.
    """
    if not _leave_review(report, state, reviewed_by_id=who.actor.id, reviewed_at=who.now):
        raise Refused([ReviewProblem.NOT_PENDING])


def _lock_for_review(report: Report) -> Milestone | Item:
    """Lock what the report is about (:func:`lock`) and read the report afresh: a new report
    may have withdrawn it since the reviewer's page read it. Answers the locked row.
    """
    target: Milestone | Item = report.milestone or report.item
    lock(target)
    db.session.refresh(report)
    return target


def approve_report(who: Who, report: Report, *, today: date) -> None:
    """Approve a pending report: its values now count on the board.

    Refused when the milestone or item changed after the report was submitted, since the
    department reported on something that is no longer there; return it instead.
    """
    target = _lock_for_review(report)
    _check_reviewable(who, report)
    if target.version != report.base_version:
        raise Refused([ReviewProblem.CHANGED_SINCE])
    _claim(who, report, ReportState.APPROVED)
    milestone = report.milestone
    if milestone is not None:
        _close_out_after_approval(who, milestone, report, today=today)
        milestone.reported_status = report.status or milestone.reported_status
        milestone.progress = report.progress if report.progress is not None else milestone.progress
        if report.completed_on != milestone.completed_on and not milestone.completed_on_exact:
            # The department states the day now: it is known, no longer only "done by".
            milestone.completed_on_exact = True
            record_change(
                report.item,
                "completed_on_exact",
                False,
                True,
                now=who.now,
                effective_on=today,
                user=who.actor,
                milestone=milestone,
                report=report,
            )
        milestone.completed_on = report.completed_on
    elif report.indicator_id is not None and report.measurement_value is not None:
        db.session.add(
            Measurement(
                indicator_id=report.indicator_id,
                measured_on=report.measured_on,
                value=report.measurement_value,
                source=report.measurement_source,
                note_zh=report.note,
                note_en=report.note,
                from_plan_file=False,
                recorded_by_id=report.author_id,
                recorded_at=who.now,
            )
        )
    _record_review(who, report, ReportState.APPROVED, today=today)
    db.session.flush()


def _close_out_after_approval(
    who: Who, milestone: Milestone, report: Report, *, today: date
) -> None:
    """A report that makes the milestone done leaves it awaiting close-out (销号)."""
    new_status = Status(report.status or milestone.reported_status)
    state = close_out_after(milestone.close_out, Status(milestone.reported_status), new_status)
    if state is not None:
        record_close_out(who, milestone, state, today=today)


def return_report(who: Who, report: Report, reason: str, *, today: date) -> None:
    """Send a report back to its department with the reason (for example, a missing figure)."""
    _lock_for_review(report)
    _check_reviewable(who, report)
    if not reason.strip():
        raise Refused([ReviewProblem.REASON_REQUIRED])
    _claim(who, report, ReportState.RETURNED)
    report.review_note = reason.strip()
    _record_review(who, report, ReportState.RETURNED, today=today, note=report.review_note)
    db.session.flush()
