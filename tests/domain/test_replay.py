"""Rebuilding a milestone's state at a past date."""

from datetime import date

from tracker.domain.replay import Change, initial_due, state_at
from tracker.domain.status import Status

DUE = date(2021, 6, 30)


def change(day: date, order: int, field: str, new: str | None, old: str | None = None) -> Change:
    return Change(counts_from=day, order=order, field=field, old_value=old, new_value=new)


HISTORY = [
    change(date(2020, 9, 25), 1, "status", "on_track"),
    change(date(2020, 9, 25), 2, "progress", "40"),
    change(date(2021, 3, 1), 3, "progress", "70"),
    change(date(2021, 6, 20), 4, "status", "done"),
    change(date(2021, 6, 20), 5, "progress", "100"),
    change(date(2021, 6, 20), 6, "completed_on", "2021-06-18"),
]


def test_before_anything_counts_nothing_was_reported() -> None:
    state = state_at(HISTORY, current_due=DUE, weight=2, as_of=date(2020, 9, 24))
    assert (state.reported_status, state.progress, state.completed_on) == (
        Status.NOT_STARTED,
        0,
        None,
    )
    assert state.weight == 2


def test_changes_count_from_their_day_inclusive() -> None:
    assert state_at(HISTORY, current_due=DUE, weight=1, as_of=date(2020, 9, 25)).progress == 40
    assert state_at(HISTORY, current_due=DUE, weight=1, as_of=date(2021, 2, 28)).progress == 40
    assert state_at(HISTORY, current_due=DUE, weight=1, as_of=date(2021, 3, 1)).progress == 70
    done = state_at(HISTORY, current_due=DUE, weight=1, as_of=date(2021, 6, 20))
    assert (done.reported_status, done.progress, done.completed_on) == (
        Status.DONE,
        100,
        date(2021, 6, 18),
    )


def test_order_breaks_ties_within_a_day() -> None:
    same_day = [
        change(date(2021, 1, 1), 2, "progress", "60"),
        change(date(2021, 1, 1), 1, "progress", "50"),
    ]
    assert state_at(same_day, current_due=DUE, weight=1, as_of=date(2021, 1, 1)).progress == 60


def test_postponed_due_date_applies_from_approval() -> None:
    history = [change(date(2021, 7, 5), 1, "due", "2021-09-30", old="2021-06-30")]
    current_due = date(2021, 9, 30)
    assert initial_due(history, current_due) == DUE
    before = state_at(history, current_due=current_due, weight=1, as_of=date(2021, 7, 1))
    after = state_at(history, current_due=current_due, weight=1, as_of=date(2021, 7, 5))
    assert (before.due, after.due) == (DUE, current_due)


def test_without_due_changes_the_current_due_date_holds() -> None:
    assert initial_due(HISTORY, DUE) == DUE


def test_other_fields_are_ignored() -> None:
    history = [
        change(date(2021, 1, 1), 1, "title_zh", "新标题"),
        change(date(2021, 1, 1), 2, "weight", "3"),
    ]
    state = state_at(history, current_due=DUE, weight=1, as_of=date(2021, 2, 1))
    assert (state.reported_status, state.progress, state.weight) == (Status.NOT_STARTED, 0, 1)


def test_a_completion_known_only_as_done_by_a_day_is_replayed_so() -> None:
    """The plan file's "done by 2020-09-25" stays "done by" in a past view, until a report
    states the day."""
    history = [
        change(date(2020, 9, 25), 1, "status", "done"),
        change(date(2020, 9, 25), 2, "completed_on", "2020-09-25"),
        change(date(2020, 9, 25), 3, "completed_on_exact", "False"),
        change(date(2021, 1, 5), 4, "completed_on", "2020-09-20", old="2020-09-25"),
        change(date(2021, 1, 5), 5, "completed_on_exact", "True", old="False"),
    ]
    by = state_at(history, current_due=DUE, weight=1, as_of=date(2020, 12, 31))
    assert (by.completed_on, by.completed_on_exact) == (date(2020, 9, 25), False)
    stated = state_at(history, current_due=DUE, weight=1, as_of=date(2021, 1, 5))
    assert (stated.completed_on, stated.completed_on_exact) == (date(2020, 9, 20), True)
    assert state_at(HISTORY, current_due=DUE, weight=1, as_of=date(2021, 6, 20)).completed_on_exact
