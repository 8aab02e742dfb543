"""The department evaluation in words and as an Excel workbook (考评结果).

The words of the criteria and of each finding are here, once, for the page, the workbook and
the API's readers. The workbook has the ranked table (one row per department: each criterion's
points, the deductions, the total, the rank) and a sheet of the events behind every lost point
and deduction; like the ledger it is written in Chinese, headings with their English below.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from tracker.domain.evaluation import CRITERIA, Criterion, Finding, FindingKind
from tracker.services.exports.ledger import archive_language, department_name, heading
from tracker.services.queries.evaluation import Evaluation

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CRITERION_LABELS: dict[Criterion, object] = {
    Criterion.ON_TIME: _l("On-time completion"),
    Criterion.REPORTING: _l("Reporting on time"),
    Criterion.RECEIPT: _l("Receipt on time"),
    Criterion.QUALITY: _l("Report quality"),
    Criterion.INSTRUCTIONS: _l("Instructions handled on time"),
}
DEDUCTIONS_LABEL = _l("Deductions")

_FINDING_TEXTS: dict[FindingKind, object] = {
    FindingKind.DONE_LATE: _l("%(code)s due %(day)s, done %(happened)s: %(days)s days late"),
    FindingKind.NOT_DONE: _l("%(code)s due %(day)s, not done: %(days)s days past due"),
    FindingKind.NOT_REPORTED: _l("%(code)s: no report submitted in the month ending %(day)s"),
    FindingKind.SIGNED_LATE: _l(
        "%(code)s assigned %(day)s, signed for %(happened)s: %(days)s working days late"
    ),
    FindingKind.NOT_SIGNED: _l(
        "%(code)s assigned %(day)s, not signed for: %(days)s working days late"
    ),
    FindingKind.RETURNED: _l("%(code)s: report of %(day)s returned on %(happened)s"),
    FindingKind.HANDLED_LATE: _l(
        "Instruction on %(code)s due %(day)s, handled %(happened)s: %(days)s days late"
    ),
    FindingKind.NOT_HANDLED: _l(
        "Instruction on %(code)s due %(day)s, not handled: %(days)s days past due"
    ),
    FindingKind.OVERDUE: _l("%(code)s due %(day)s, still open: %(days)s days overdue"),
}


def criterion_label(criterion: Criterion) -> str:
    return str(CRITERION_LABELS[criterion])


def finding_text(finding: Finding) -> str:
    """One event in a sentence: what, when due, when it happened, how late."""
    return str(_FINDING_TEXTS[finding.kind]) % {
        "code": finding.code,
        "day": finding.day.isoformat(),
        "happened": finding.happened_on.isoformat() if finding.happened_on else "",
        "days": finding.days_late if finding.days_late is not None else "",
    }


def build_evaluation_workbook(evaluation: Evaluation) -> bytes:
    """The evaluation as .xlsx bytes: the ranked sheet and the events sheet."""
    with archive_language():
        return _build(evaluation)


def _build(evaluation: Evaluation) -> bytes:
    book = Workbook()
    ranked = book.active
    assert ranked is not None
    ranked.title = _("Ranking")
    scheme = evaluation.scheme
    ranked.append(
        [
            _(
                "Plan %(code)s, %(start)s to %(end)s",
                code=evaluation.plan.code,
                start=evaluation.start.isoformat(),
                end=evaluation.end.isoformat(),
            )
        ]
    )
    headings = [
        heading(_l("Rank")),
        heading(_l("Department")),
        *(f"{heading(CRITERION_LABELS[c])} ({scheme.points(c)})" for c in CRITERIA),
        heading(DEDUCTIONS_LABEL),
        heading(_l("Total")),
    ]
    ranked.append(headings)
    for result in evaluation.results:
        ranked.append(
            [
                result.rank,
                department_name(evaluation.departments[result.department_id]),
                *(result.criterion(c).points for c in CRITERIA),
                -result.deducted,
                result.total,
            ]
        )
    events = book.create_sheet(_("Events"))
    events.append(
        [
            heading(_l("Department")),
            heading(_l("Criterion")),
            heading(_l("Code")),
            heading(_l("Due or assigned")),
            heading(_l("Happened on")),
            heading(_l("Days late")),
            heading(_l("Points")),
            heading(_l("Event")),
        ]
    )
    for result in evaluation.results:
        name = department_name(evaluation.departments[result.department_id])
        for score in result.criteria:
            for finding in score.findings:
                events.append(_event_row(name, criterion_label(score.criterion), finding, None))
        for finding in result.deductions:
            events.append(_event_row(name, str(DEDUCTIONS_LABEL), finding, -(finding.points or 0)))
    for sheet in (ranked, events):
        header_row = 2 if sheet is ranked else 1
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column in "ABCDEFGHI":
            sheet.column_dimensions[column].width = 16
    events.column_dimensions["H"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _event_row(
    department: str, criterion: str, finding: Finding, points: float | None
) -> list[object]:
    return [
        department,
        criterion,
        finding.code,
        finding.day,
        finding.happened_on,
        finding.days_late,
        points,
        finding_text(finding),
    ]
