"""Status rules: what a milestone's status is on a given day."""

from datetime import date

import pytest

from tracker.domain.status import (
    MilestoneState,
    Status,
    expected_progress,
    is_behind,
    is_overdue,
    milestone_progress,
    milestone_status,
)

DUE = date(2021, 6, 30)


def state(status: Status = Status.ON_TRACK, progress: int = 50, **kwargs: object) -> MilestoneState:
    return MilestoneState(
        due=kwargs.pop("due", DUE),  # type: ignore[arg-type]
        weight=1.0,
        reported_status=status,
        progress=progress,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "reported", [Status.NOT_STARTED, Status.ON_TRACK, Status.AT_RISK, Status.DELAYED]
)
def test_reported_status_stands_until_due(reported: Status) -> None:
    assert milestone_status(state(reported), date(2021, 6, 1)) is reported


def test_due_day_itself_is_not_overdue() -> None:
    assert milestone_status(state(Status.ON_TRACK), DUE) is Status.ON_TRACK
    assert not is_overdue(state(), DUE)


@pytest.mark.parametrize("reported", [Status.NOT_STARTED, Status.ON_TRACK, Status.AT_RISK])
def test_open_milestone_past_due_is_delayed_whatever_was_reported(reported: Status) -> None:
    day_after = date(2021, 7, 1)
    assert milestone_status(state(reported), day_after) is Status.DELAYED
    assert is_overdue(state(reported), day_after)


def test_done_milestone_is_done_even_after_due() -> None:
    done = state(Status.DONE, 100, completed_on=date(2021, 6, 20))
    assert milestone_status(done, date(2022, 1, 1)) is Status.DONE
    assert not is_overdue(done, date(2022, 1, 1))


def test_done_counts_from_completion_date() -> None:
    done = state(Status.DONE, 100, completed_on=date(2021, 6, 20))
    assert milestone_status(done, date(2021, 6, 19)) is Status.ON_TRACK
    assert milestone_progress(done, date(2021, 6, 19)) == 100.0
    assert milestone_status(done, date(2021, 6, 20)) is Status.DONE


def test_done_late_after_due_is_delayed_before_completion() -> None:
    done_late = state(Status.DONE, 100, completed_on=date(2021, 8, 1))
    assert milestone_status(done_late, date(2021, 7, 15)) is Status.DELAYED
    assert milestone_status(done_late, date(2021, 8, 1)) is Status.DONE


def test_done_milestone_counts_full_progress_whatever_figure_came_with_it() -> None:
    done = state(Status.DONE, 60, completed_on=date(2021, 6, 1))
    assert milestone_progress(done, date(2021, 6, 2)) == 100.0


def test_open_progress_is_clamped() -> None:
    assert milestone_progress(state(progress=130), date(2021, 1, 1)) == 100.0
    assert milestone_progress(state(progress=-5), date(2021, 1, 1)) == 0.0
    assert milestone_progress(state(progress=35), date(2021, 1, 1)) == 35.0


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2020, 12, 31), 0.0),  # before the start
        (date(2021, 1, 1), 100 / 365),  # first day counts as elapsed
        (date(2021, 7, 2), 100 * 183 / 365),
        (date(2021, 12, 31), 100.0),
        (date(2023, 1, 1), 100.0),  # after the end
    ],
)
def test_expected_progress_is_elapsed_share_of_span(as_of: date, expected: float) -> None:
    assert expected_progress(date(2021, 1, 1), date(2021, 12, 31), as_of) == pytest.approx(expected)


def test_expected_progress_of_one_day_span() -> None:
    day = date(2021, 5, 5)
    assert expected_progress(day, day, day) == 100.0
    assert expected_progress(day, day, date(2021, 5, 4)) == 0.0


@pytest.mark.parametrize(
    ("progress", "expected", "behind"),
    [(50, 60, False), (50, 60.5, True), (90, 60, False), (0, 10, False), (0, 10.01, True)],
)
def test_behind_means_trailing_by_more_than_margin(
    progress: float, expected: float, behind: bool
) -> None:
    assert is_behind(progress, expected, margin=10) is behind
