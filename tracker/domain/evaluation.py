"""The department evaluation (结果考评): points per criterion, deductions, total and rank.

Offices are scored for a period from what the history shows, and each point lost must be
traceable to an event ("T1-3 due 2020-10-31, done 2020-11-12, 12 days late"), or the table is
argued about rather than acted on. So the rules here take plain facts (dataclasses the query
fills), and every lost point and every deduction comes back with the findings behind it.

The criteria (each a share of its points; the admin sets the points per plan and period):

* on time: the department's milestones due in the period, done by their due day
  (:func:`tracker.domain.status.timeliness`; a milestone done on a day nobody stated is
  left out, as everywhere else);
* reporting: departments report monthly (an open milestone with no report for
  :data:`~tracker.domain.reminders.STALE_AFTER_DAYS` days goes stale), so each calendar month
  that ends in the period, each milestone still open on the month's first day should have a
  report submitted that month;
* receipt: each assignment in the period signed for within N working days (the calendar's);
  one still pending after N working days is late; a declined one (the wrong department) and
  one still inside its N days are not judged;
* quality: of the department's reports decided in the period, the share approved (a returned
  one counts against it);
* instructions: instructions with a due day in the period on items the department leads,
  handled by that day (one still open past it is late).

A criterion with nothing to judge in the period gives its full points: the department was
asked nothing it failed. Deductions: each milestone overdue at the period's end costs the
scheme's points, capped. Ties share a rank (1, 1, 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from tracker.domain.dates import in_range
from tracker.domain.status import Timeliness
from tracker.domain.workdays import WorkCalendar


class Criterion(StrEnum):
    ON_TIME = "on_time"
    REPORTING = "reporting"
    RECEIPT = "receipt"
    QUALITY = "quality"
    INSTRUCTIONS = "instructions"


CRITERIA: tuple[Criterion, ...] = tuple(Criterion)


class FindingKind(StrEnum):
    """What happened, for the words on the page and the export."""

    DONE_LATE = "done_late"
    NOT_DONE = "not_done"
    NOT_REPORTED = "not_reported"
    SIGNED_LATE = "signed_late"
    NOT_SIGNED = "not_signed"
    RETURNED = "returned"
    HANDLED_LATE = "handled_late"
    NOT_HANDLED = "not_handled"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Scheme:
    """The points of each criterion and the deduction rule. The defaults are the scheme of a
    plan whose admin configured none.
    """

    on_time: int = 40
    reporting: int = 20
    receipt: int = 10
    quality: int = 20
    instructions: int = 10
    receipt_days: int = 3
    overdue_deduction: int = 2
    deduction_cap: int = 10

    def points(self, criterion: Criterion) -> int:
        return int(getattr(self, criterion.value))

    @property
    def total(self) -> int:
        """The most a department can score (the sum of the criteria's points)."""
        return sum(self.points(c) for c in CRITERIA)


class SchemeProblem(StrEnum):
    NEGATIVE = "scheme_negative"
    TOO_LARGE = "scheme_too_large"


POINTS_MAX = 1000
RECEIPT_DAYS_MAX = 60


def check_scheme(scheme: Scheme) -> list[SchemeProblem]:
    """What is wrong with a scheme: points and days are whole numbers from 0 up."""
    values = [getattr(scheme, name) for name in Scheme.__slots__]
    problems = []
    if any(v < 0 for v in values):
        problems.append(SchemeProblem.NEGATIVE)
    if any(v > POINTS_MAX for v in values) or scheme.receipt_days > RECEIPT_DAYS_MAX:
        problems.append(SchemeProblem.TOO_LARGE)
    return problems


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class PeriodProblem(StrEnum):
    """Why the period asked for is not one: each date must be a day, and the start first."""

    DATES_MISSING = "period_dates_missing"
    DATE_MALFORMED = "period_date_malformed"
    ORDER = "period_order"


def period_of(kind: PeriodKind, day: date) -> tuple[date, date]:
    """The month, quarter or year that holds ``day``: its first and last day."""
    if kind is PeriodKind.YEAR:
        return date(day.year, 1, 1), date(day.year, 12, 31)
    first_month = day.month if kind is PeriodKind.MONTH else 3 * ((day.month - 1) // 3) + 1
    months = 1 if kind is PeriodKind.MONTH else 3
    first = date(day.year, first_month, 1)
    following = first_month + months
    after = date(day.year + (following - 1) // 12, (following - 1) % 12 + 1, 1)
    return first, after - timedelta(days=1)


def parse_period(raw_start: str | None, raw_end: str | None) -> tuple[date, date] | PeriodProblem:
    """Custom dates YYYY-MM-DD, both given, the start not after the end."""
    if not raw_start or not raw_end:
        return PeriodProblem.DATES_MISSING
    days = []
    for raw in (raw_start, raw_end):
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 and raw[4] == "-" else None
        except ValueError:
            day = None
        if day is None or not in_range(day):
            return PeriodProblem.DATE_MALFORMED
        days.append(day)
    start, end = days
    if start > end:
        return PeriodProblem.ORDER
    return start, end


# Facts, as the query reads them.


@dataclass(frozen=True, slots=True)
class MilestoneFact:
    """A milestone at the end of the period: its due day then, whether and when it was done
    (``done_from`` is ``date.min`` for "done, day not known"), its timeliness and whether it
    was overdue.
    """

    department_id: int
    code: str
    due: date
    timeliness: Timeliness
    overdue: bool
    done_from: date | None = None
    completed_on: date | None = None


@dataclass(frozen=True, slots=True)
class ReportFact:
    """A report: which department on which milestone (code), submitted when, decided how."""

    department_id: int
    code: str
    submitted_on: date
    state: str
    reviewed_on: date | None = None
    milestone_code: str | None = None


@dataclass(frozen=True, slots=True)
class ReceiptFact:
    """An assignment of a milestone to a department and its answer (if any)."""

    department_id: int
    code: str
    assigned_on: date
    state: str
    answered_on: date | None = None


@dataclass(frozen=True, slots=True)
class InstructionFact:
    """An instruction on an item the department leads, due on a day, handled (or not)."""

    department_id: int
    code: str
    due_on: date
    handled_on: date | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the evaluation of one period reads. Reports are asked for only while the
    plan runs (``plan_start``..``plan_end``), however long the period.
    """

    start: date
    end: date
    as_of: date
    plan_start: date = date.min
    plan_end: date = date.max
    milestones: Sequence[MilestoneFact] = ()
    reports: Sequence[ReportFact] = ()
    receipts: Sequence[ReceiptFact] = ()
    instructions: Sequence[InstructionFact] = ()


# Results.


@dataclass(frozen=True, slots=True)
class Finding:
    """One event behind a lost point or a deduction: what (``code``: a milestone, item or
    report), the day it was due (or assigned, or submitted), the day it happened (if it did),
    and how many days (working days for receipts) late it was at the period's end.
    """

    kind: FindingKind
    code: str
    day: date
    happened_on: date | None = None
    days_late: int | None = None
    points: float | None = None


@dataclass(frozen=True, slots=True)
class CriterionScore:
    criterion: Criterion
    points: float
    max_points: int
    judged: int
    good: int
    findings: tuple[Finding, ...] = ()

    @property
    def lost(self) -> float:
        return round(self.max_points - self.points, 2)

    @property
    def nothing_judged(self) -> bool:
        return self.judged == 0


@dataclass(frozen=True, slots=True)
class DepartmentResult:
    department_id: int
    criteria: tuple[CriterionScore, ...]
    deductions: tuple[Finding, ...]
    deducted: float
    total: float
    rank: int = 0

    def criterion(self, criterion: Criterion) -> CriterionScore:
        return next(c for c in self.criteria if c.criterion is criterion)


@dataclass(frozen=True, slots=True)
class Judged:
    """What a criterion judged for one department: how many, how many good, the bad ones."""

    judged: int = 0
    good: int = 0
    findings: list[Finding] = field(default_factory=list)

    def add(self, good: bool, finding: Finding | None = None) -> Judged:
        findings = self.findings if good or finding is None else [*self.findings, finding]
        return Judged(self.judged + 1, self.good + good, findings)


def evaluate(
    department_ids: Sequence[int], facts: Facts, scheme: Scheme, calendar: WorkCalendar
) -> list[DepartmentResult]:
    """Score every department of ``department_ids`` for the period; ranked, best first
    (ties in the order given).
    """
    judged: dict[tuple[int, Criterion], Judged] = {}

    def note(department_id: int, criterion: Criterion, good: bool, finding: Finding) -> None:
        key = (department_id, criterion)
        judged[key] = judged.get(key, Judged()).add(good, finding)

    for department_id, criterion, good, finding in _judge_all(facts, scheme, calendar):
        note(department_id, criterion, good, finding)
    overdue = _overdue(facts)
    results = []
    for department_id in department_ids:
        scores = tuple(
            _score(c, scheme.points(c), judged.get((department_id, c), Judged())) for c in CRITERIA
        )
        findings = overdue.get(department_id, [])
        deducted = float(min(scheme.deduction_cap, scheme.overdue_deduction * len(findings)))
        deductions = tuple(
            Finding(f.kind, f.code, f.day, None, f.days_late, float(scheme.overdue_deduction))
            for f in findings
        )
        total = round(sum(s.points for s in scores) - deducted, 2)
        results.append(DepartmentResult(department_id, scores, deductions, deducted, total))
    return rank(results)


def rank(results: Iterable[DepartmentResult]) -> list[DepartmentResult]:
    """Best total first; equal totals share a rank and the next rank skips (1, 1, 3)."""
    ordered = sorted(results, key=lambda r: -r.total)
    ranked: list[DepartmentResult] = []
    for position, result in enumerate(ordered, start=1):
        same = ranked and ranked[-1].total == result.total
        place = ranked[-1].rank if same else position
        ranked.append(
            DepartmentResult(
                result.department_id,
                result.criteria,
                result.deductions,
                result.deducted,
                result.total,
                place,
            )
        )
    return ranked


def _score(criterion: Criterion, points: int, judged: Judged) -> CriterionScore:
    if judged.judged == 0:
        return CriterionScore(criterion, float(points), points, 0, 0)
    earned = round(points * judged.good / judged.judged, 2)
    return CriterionScore(
        criterion,
        earned,
        points,
        judged.judged,
        judged.good,
        tuple(sorted(judged.findings, key=lambda f: (f.day, f.code))),
    )


Judgement = tuple[int, Criterion, bool, Finding]


def _judge_all(facts: Facts, scheme: Scheme, calendar: WorkCalendar) -> Iterable[Judgement]:
    yield from _on_time(facts)
    yield from _reporting(facts)
    yield from _receipts(facts, scheme.receipt_days, calendar)
    yield from _quality(facts)
    yield from _instructions(facts)


def _in_period(facts: Facts, day: date) -> bool:
    return facts.start <= day <= facts.end


def _on_time(facts: Facts) -> Iterable[Judgement]:
    for m in facts.milestones:
        if not _in_period(facts, m.due) or m.timeliness is Timeliness.DATE_UNKNOWN:
            continue
        if m.timeliness is Timeliness.NOT_DONE and m.due >= facts.as_of:
            continue  # still has until its due day
        good = m.timeliness is Timeliness.ON_TIME
        if m.timeliness is Timeliness.LATE:
            assert m.completed_on is not None
            finding = Finding(
                FindingKind.DONE_LATE, m.code, m.due, m.completed_on, (m.completed_on - m.due).days
            )
        else:
            finding = Finding(FindingKind.NOT_DONE, m.code, m.due, None, (facts.as_of - m.due).days)
        yield m.department_id, Criterion.ON_TIME, good, finding


def months_ending_in(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months whose last day lies from ``start`` to ``end``: (first, last)."""
    months = []
    first = date(start.year, start.month, 1)
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        last = following - timedelta(days=1)
        if start <= last <= end:
            months.append((first, last))
        first = following
    return months


def _reporting(facts: Facts) -> Iterable[Judgement]:
    reported: set[tuple[int, str, date]] = set()
    for r in facts.reports:
        if r.milestone_code is not None:
            month = date(r.submitted_on.year, r.submitted_on.month, 1)
            reported.add((r.department_id, r.milestone_code, month))
    months = months_ending_in(max(facts.start, facts.plan_start), min(facts.as_of, facts.plan_end))
    for first, last in months:
        for m in facts.milestones:
            if m.done_from is not None and m.done_from < first:
                continue
            good = (m.department_id, m.code, first) in reported
            finding = Finding(FindingKind.NOT_REPORTED, m.code, last)
            yield m.department_id, Criterion.REPORTING, good, finding


def _receipts(facts: Facts, days: int, calendar: WorkCalendar) -> Iterable[Judgement]:
    for r in facts.receipts:
        if not _in_period(facts, r.assigned_on) or r.state not in {"signed", "pending"}:
            continue
        deadline = calendar.add_working_days(r.assigned_on, days)
        if r.state == "signed":
            assert r.answered_on is not None
            good = r.answered_on <= deadline
            late = calendar.working_days_between(deadline, r.answered_on)
            finding = Finding(FindingKind.SIGNED_LATE, r.code, r.assigned_on, r.answered_on, late)
        else:
            if deadline >= facts.as_of:
                continue  # still inside its working days
            good = False
            late = calendar.working_days_between(deadline, facts.as_of)
            finding = Finding(FindingKind.NOT_SIGNED, r.code, r.assigned_on, None, late)
        yield r.department_id, Criterion.RECEIPT, good, finding


def _quality(facts: Facts) -> Iterable[Judgement]:
    for r in facts.reports:
        if r.reviewed_on is None or r.state not in {"approved", "returned"}:
            continue
        if not _in_period(facts, r.reviewed_on):
            continue
        finding = Finding(FindingKind.RETURNED, r.code, r.submitted_on, r.reviewed_on)
        yield r.department_id, Criterion.QUALITY, r.state == "approved", finding


def _instructions(facts: Facts) -> Iterable[Judgement]:
    for i in facts.instructions:
        if not _in_period(facts, i.due_on):
            continue
        if i.handled_on is not None:
            good = i.handled_on <= i.due_on
            finding = Finding(
                FindingKind.HANDLED_LATE,
                i.code,
                i.due_on,
                i.handled_on,
                (i.handled_on - i.due_on).days,
            )
        else:
            if i.due_on >= facts.as_of:
                continue  # still has until its due day
            good = False
            finding = Finding(
                FindingKind.NOT_HANDLED, i.code, i.due_on, None, (facts.as_of - i.due_on).days
            )
        yield i.department_id, Criterion.INSTRUCTIONS, good, finding


def _overdue(facts: Facts) -> dict[int, list[Finding]]:
    found: dict[int, list[Finding]] = {}
    for m in sorted(facts.milestones, key=lambda m: (m.due, m.code)):
        if m.overdue:
            finding = Finding(FindingKind.OVERDUE, m.code, m.due, None, (facts.as_of - m.due).days)
            found.setdefault(m.department_id, []).append(finding)
    return found
