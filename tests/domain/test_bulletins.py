"""The bulletin's rules: months, the issue number, which months a plan reports on, changes."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.bulletins import (
    BulletinProblem,
    FigureChange,
    Month,
    as_of_day,
    figure_changes,
    issue_number,
    language_problems,
    month_problems,
)

START, END = date(2020, 1, 1), date(2022, 12, 31)


@pytest.mark.parametrize(
    "text", ["2021-6", "2021/06", "202106", "2021-13", "2021-00", "", "二〇二一-06", "x" * 40]
)
def test_a_month_is_written_yyyy_mm(text: str) -> None:
    with pytest.raises(ValueError, match=r".*"):
        Month.parse(text)


def test_a_month_knows_its_days_and_neighbours() -> None:
    june = Month.parse(" 2021-06 ")
    assert (june.first, june.last) == (date(2021, 6, 1), date(2021, 6, 30))
    assert str(june) == "2021-06"
    assert Month(2020, 2).last == date(2020, 2, 29)
    assert (Month(2021, 12).next, Month(2021, 1).previous) == (Month(2022, 1), Month(2020, 12))
    assert Month.of(date(2021, 6, 17)) == june
    assert Month(2021, 5) < june


def test_the_issue_number_is_the_month_number_within_its_year() -> None:
    assert issue_number(Month(2021, 6)) == 6
    assert issue_number(Month(2020, 12)) == 12


def test_a_bulletin_needs_a_begun_month_within_the_plan() -> None:
    today = date(2021, 7, 2)

    def problems(month: Month) -> list[BulletinProblem]:
        return month_problems(month, plan_start=START, plan_end=END, today=today)

    assert problems(Month(2020, 1)) == []
    assert problems(Month(2021, 7)) == []  # begun: reported to date
    assert problems(Month(2019, 12)) == [BulletinProblem.MONTH_OUTSIDE_PLAN]
    assert problems(Month(2023, 1)) == [BulletinProblem.MONTH_OUTSIDE_PLAN]
    assert problems(Month(2021, 8)) == [BulletinProblem.MONTH_NOT_BEGUN]
    assert language_problems("zh") == language_problems("en") == []
    assert language_problems("fr") == [BulletinProblem.LANGUAGE_UNKNOWN]


def test_figures_are_those_of_the_month_end_or_of_today() -> None:
    assert as_of_day(Month(2021, 6), date(2021, 7, 2)) == date(2021, 6, 30)
    assert as_of_day(Month(2021, 7), date(2021, 7, 2)) == date(2021, 7, 2)


def test_changes_list_what_moved_in_the_new_order_then_what_was_dropped() -> None:
    before = {"plan.progress": 31.3, "item.T1.status": "delayed", "old": 1, "same": 2}
    after = {"item.T1.status": "done", "same": 2, "plan.progress": 33.0, "new": 4}
    assert figure_changes(before, after) == [
        FigureChange("item.T1.status", "delayed", "done"),
        FigureChange("plan.progress", 31.3, 33.0),
        FigureChange("new", None, 4),
        FigureChange("old", 1, None),
    ]
    assert figure_changes(after, after) == []
