"""The evaluation's rules on hand-made facts: ranks, full points for nothing judged, periods."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.evaluation import (
    Criterion,
    Facts,
    MilestoneFact,
    PeriodKind,
    PeriodProblem,
    Scheme,
    check_scheme,
    evaluate,
    months_ending_in,
    parse_period,
    period_of,
)
from tracker.domain.status import Timeliness
from tracker.domain.workdays import WorkCalendar

OCTOBER = Facts(start=date(2020, 10, 1), end=date(2020, 10, 31), as_of=date(2020, 10, 31))


def _milestone(
    department_id: int,
    code: str,
    timeliness: Timeliness,
    *,
    overdue: bool = False,
    done_from: date | None = date(2020, 9, 1),
) -> MilestoneFact:
    return MilestoneFact(
        department_id=department_id,
        code=code,
        due=date(2020, 10, 15),
        timeliness=timeliness,
        overdue=overdue,
        done_from=done_from,
        completed_on=date(2020, 10, 14),
    )


def test_equal_totals_share_a_rank_and_the_next_rank_skips() -> None:
    facts = Facts(
        start=OCTOBER.start,
        end=OCTOBER.end,
        as_of=OCTOBER.as_of,
        milestones=[
            _milestone(1, "A", Timeliness.ON_TIME),
            _milestone(2, "B", Timeliness.ON_TIME),
            _milestone(3, "C", Timeliness.LATE),
        ],
    )
    results = evaluate([3, 1, 2, 4], facts, Scheme(), WorkCalendar())
    assert [(r.department_id, r.rank, r.total) for r in results] == [
        (1, 1, 100.0),
        (2, 1, 100.0),
        (4, 1, 100.0),  # nothing to judge: full points
        (3, 4, 60.0),
    ]
    assert results[2].criterion(Criterion.ON_TIME).nothing_judged


def test_deductions_are_capped() -> None:
    milestones = [
        _milestone(1, f"M{n}", Timeliness.NOT_DONE, overdue=True, done_from=None) for n in range(8)
    ]
    facts = Facts(start=OCTOBER.start, end=OCTOBER.end, as_of=OCTOBER.as_of, milestones=milestones)
    (result,) = evaluate([1], facts, Scheme(), WorkCalendar())
    assert len(result.deductions) == 8
    assert result.deducted == 10.0  # 8 x 2 = 16, at most 10
    assert result.total == 0 + 0 + 10 + 20 + 10 - 10  # on time 0/8, reporting 0/8


def test_periods() -> None:
    day = date(2020, 11, 17)
    assert period_of(PeriodKind.MONTH, day) == (date(2020, 11, 1), date(2020, 11, 30))
    assert period_of(PeriodKind.QUARTER, day) == (date(2020, 10, 1), date(2020, 12, 31))
    assert period_of(PeriodKind.YEAR, day) == (date(2020, 1, 1), date(2020, 12, 31))
    assert period_of(PeriodKind.MONTH, date(2020, 2, 3)) == (date(2020, 2, 1), date(2020, 2, 29))
    assert months_ending_in(date(2020, 10, 15), date(2020, 12, 30)) == [
        (date(2020, 10, 1), date(2020, 10, 31)),
        (date(2020, 11, 1), date(2020, 11, 30)),
    ]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2020-10-01", "2020-10-31", (date(2020, 10, 1), date(2020, 10, 31))),
        ("2020-10-31", "2020-10-01", PeriodProblem.ORDER),
        ("2020-10-01", "", PeriodProblem.DATES_MISSING),
        ("2020-1-01", "2020-10-31", PeriodProblem.DATE_MALFORMED),
        ("1999-12-31", "2020-10-31", PeriodProblem.DATE_MALFORMED),
    ],
)
def test_parse_period(start: str, end: str, expected: object) -> None:
    assert parse_period(start, end) == expected


def test_a_scheme_with_negative_points_is_refused() -> None:
    assert check_scheme(Scheme()) == []
    assert check_scheme(Scheme(quality=-1)) != []
    assert check_scheme(Scheme(receipt_days=61)) != []
