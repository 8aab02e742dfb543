"""User-facing wording of report and review problems."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.domain.reporting import ReportProblem
from tracker.services.reports import ReviewProblem

_MESSAGES = {
    ReportProblem.PROGRESS_RANGE: _l("Progress is a whole number from 0 to 100."),
    ReportProblem.NOTE_REQUIRED_FOR_STATUS: _l(
        "Please explain in the note why the milestone is at risk or delayed."
    ),
    ReportProblem.NOTE_REQUIRED_FOR_DECREASE: _l(
        "Please explain in the note why progress went down."
    ),
    ReportProblem.NOTE_TOO_LONG: _l("The note is too long (at most 4000 characters)."),
    ReportProblem.COMPLETION_DATE_REQUIRED: _l(
        "A milestone reported done needs its completion date."
    ),
    ReportProblem.COMPLETION_DATE_IN_FUTURE: _l("The completion date cannot be in the future."),
    ReportProblem.COMPLETION_DATE_WITHOUT_DONE: _l(
        "A completion date is only given when the milestone is done."
    ),
    ReportProblem.NOTHING_TO_REPORT: _l(
        "Nothing changed: change the status or progress, or write a note on the current state."
    ),
    ReportProblem.SUMMARY_REQUIRED: _l("Please write a summary of the progress."),
    ReportProblem.MEASUREMENT_INCOMPLETE: _l(
        "A new figure needs the indicator, the value and the date it was measured."
    ),
    ReportProblem.MEASUREMENT_VALUE: _l("The value must be a number of zero or more."),
    ReportProblem.MEASUREMENT_DATE_IN_FUTURE: _l("The measurement date cannot be in the future."),
    ReviewProblem.NOT_PENDING: _l("This report is no longer waiting for review."),
    ReviewProblem.OWN_REPORT: _l("You cannot review your own report."),
    ReviewProblem.CHANGED_SINCE: _l(
        "The milestone changed after this report was submitted. Return it so the department "
        "can report on the current state."
    ),
    ReviewProblem.REASON_REQUIRED: _l("Please give the reason for returning the report."),
}


def problem_message(problem: ReportProblem | ReviewProblem) -> str:
    """One problem in words, in the user's language."""
    return str(_MESSAGES[problem])
