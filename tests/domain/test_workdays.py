"""Working-day arithmetic across the 2020 National Day + Mid-Autumn holiday (1–8 October)
and its make-up working days (Sunday 27 September, Saturday 10 October)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tracker.domain.workdays import (
    CalendarError,
    CalendarProblem,
    DayKind,
    WorkCalendar,
    add_working_days,
    calendar_of,
    is_working_day,
    parse_calendar_csv,
    working_days_between,
)

SAMPLE = Path(__file__).resolve().parents[2] / "tracker" / "samples" / "holidays-cn-2020-2022.csv"

NATIONAL_DAY_2020 = WorkCalendar(
    holidays=frozenset(date(2020, 10, d) for d in range(1, 9)),
    workdays=frozenset({date(2020, 9, 27), date(2020, 10, 10)}),
)


def test_make_up_sunday_and_saturday_are_worked_and_the_holiday_is_not() -> None:
    assert is_working_day(NATIONAL_DAY_2020, date(2020, 9, 27))  # Sunday, worked
    assert is_working_day(NATIONAL_DAY_2020, date(2020, 10, 10))  # Saturday, worked
    assert not is_working_day(NATIONAL_DAY_2020, date(2020, 10, 5))  # Monday, holiday
    assert not is_working_day(NATIONAL_DAY_2020, date(2020, 10, 11))  # plain Sunday
    assert is_working_day(WorkCalendar(), date(2020, 10, 5))  # without the calendar: a Monday


def test_three_working_days_from_the_eve_of_the_holiday() -> None:
    # Assigned Wednesday 30 September: 1–8 October are off, Saturday 10 October is worked.
    # Working days after it: Fri 9 Oct (1), Sat 10 Oct (2), Mon 12 Oct (3).
    assert add_working_days(NATIONAL_DAY_2020, date(2020, 9, 30), 3) == date(2020, 10, 12)
    assert add_working_days(NATIONAL_DAY_2020, date(2020, 9, 30), 0) == date(2020, 9, 30)
    # Without the holiday: Thu 1, Fri 2, Mon 5.
    assert add_working_days(WorkCalendar(), date(2020, 9, 30), 3) == date(2020, 10, 5)


def test_working_days_between_counts_the_make_up_days() -> None:
    # After Fri 25 Sep up to Mon 12 Oct: Sun 27 (worked), Mon 28, Tue 29, Wed 30,
    # Fri 9, Sat 10 (worked), Mon 12 = 7.
    assert working_days_between(NATIONAL_DAY_2020, date(2020, 9, 25), date(2020, 10, 12)) == 7
    assert working_days_between(NATIONAL_DAY_2020, date(2020, 10, 12), date(2020, 10, 1)) == 0
    # Inside the holiday nothing counts.
    assert working_days_between(NATIONAL_DAY_2020, date(2020, 9, 30), date(2020, 10, 8)) == 0


def test_the_sample_file_reads_and_holds_national_day_2020() -> None:
    entries = parse_calendar_csv(SAMPLE.read_bytes())
    assert not isinstance(entries, CalendarError)
    calendar = calendar_of(entries)
    assert calendar.holidays >= NATIONAL_DAY_2020.holidays
    assert calendar.workdays >= NATIONAL_DAY_2020.workdays
    # The 2020 Spring Festival, extended to 2 February; 1 February was no longer worked.
    assert date(2020, 2, 2) in calendar.holidays
    assert date(2020, 2, 1) not in calendar.workdays
    assert {e.day.year for e in entries} == {2020, 2021, 2022}
    assert all(e.day.weekday() >= 5 for e in entries if e.kind is DayKind.WORKDAY)


@pytest.mark.parametrize(
    ("text", "problem", "line"),
    [
        ("day,kind,name\n2020-10-01,holiday,国庆节\n", CalendarProblem.HEADER, 1),
        (
            "date,kind,name\n2020-10-01,holiday,国庆节\n2020-13-01,holiday,x\n",
            CalendarProblem.DATE,
            3,
        ),
        ("date,kind,name\n2020-10-01,off,国庆节\n", CalendarProblem.KIND, 2),
        ("date,kind,name\n2020-10-01,holiday\n", CalendarProblem.FIELDS, 2),
        ("date,kind,name\n2020-10-01,holiday,\n", CalendarProblem.NAME, 2),
        (
            "date,kind,name\n2020-10-01,holiday,a\n2020-10-01,holiday,b\n",
            CalendarProblem.DUPLICATE,
            3,
        ),
        ("date,kind,name\n2020-10-09,workday,调休\n", CalendarProblem.WEEKDAY_WORKDAY, 2),
        ("# only a comment\ndate,kind,name\n", CalendarProblem.EMPTY, 0),
    ],
)
def test_a_bad_line_refuses_the_file_naming_the_line(
    text: str, problem: CalendarProblem, line: int
) -> None:
    assert parse_calendar_csv(text.encode()) == CalendarError(problem, line)


def test_a_file_that_is_not_utf8_is_refused() -> None:
    assert parse_calendar_csv("date,kind,name\n2020-10-01,holiday,国庆\n".encode("gbk")) == (
        CalendarError(CalendarProblem.ENCODING, 0)
    )
