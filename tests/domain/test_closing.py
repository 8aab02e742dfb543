"""The closing view of an ended plan: outcomes of items and milestones, by department."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.closing import (
    Outcomes,
    close_plan,
    half_year_ends,
    has_ended,
    item_outcome,
)
from tracker.domain.status import Timeliness

ON, LATE, UNKNOWN, OPEN = (
    Timeliness.ON_TIME,
    Timeliness.LATE,
    Timeliness.DATE_UNKNOWN,
    Timeliness.NOT_DONE,
)
END = date(2022, 12, 31)


def test_a_plan_ends_after_its_last_day() -> None:
    assert not has_ended(END, END)
    assert has_ended(END, date(2023, 1, 1))


@pytest.mark.parametrize(
    ("milestones", "done", "expected"),
    [
        ((ON, LATE, OPEN), False, OPEN),
        ((ON, LATE, UNKNOWN), True, LATE),
        ((ON, UNKNOWN), True, ON),
        ((UNKNOWN, UNKNOWN), True, UNKNOWN),
        ((), True, UNKNOWN),
        ((), False, OPEN),
    ],
)
def test_an_item_reads_as_its_worst_milestone(
    milestones: tuple[Timeliness, ...], done: bool, expected: Timeliness
) -> None:
    assert item_outcome(milestones, item_done=done) is expected


def test_counts_items_milestones_and_departments() -> None:
    closing = close_plan(
        END,
        [((ON, ON), True), ((ON, LATE), True), ((OPEN,), False), ((UNKNOWN,), True)],
        [(1, ON), (1, ON), (2, ON), (2, LATE), (3, OPEN), (1, UNKNOWN)],
    )
    assert closing.items == Outcomes(on_time=1, late=1, date_unknown=1, not_done=1)
    assert closing.milestones == Outcomes(on_time=3, late=1, date_unknown=1, not_done=1)
    assert closing.milestones.total == 6
    assert closing.milestones.done == 5
    assert closing.by_department == {
        1: Outcomes(on_time=2, date_unknown=1),
        2: Outcomes(on_time=1, late=1),
        3: Outcomes(not_done=1),
    }


def test_travel_days_are_half_year_ends_and_the_last_day() -> None:
    assert half_year_ends(date(2020, 1, 1), END) == [
        date(2020, 6, 30),
        date(2020, 12, 31),
        date(2021, 6, 30),
        date(2021, 12, 31),
        date(2022, 6, 30),
        END,
    ]
    assert half_year_ends(date(2021, 3, 1), date(2021, 9, 15)) == [
        date(2021, 6, 30),
        date(2021, 9, 15),
    ]
    assert half_year_ends(date(2021, 7, 1), date(2021, 8, 1)) == [date(2021, 8, 1)]
