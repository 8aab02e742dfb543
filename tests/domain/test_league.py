"""The department table."""

from datetime import date

from tracker.domain.league import OwnedMilestone, score_departments, sort_scores
from tracker.domain.status import Status

DUE = date(2021, 6, 30)


def owned(
    dept: int, status: Status, completed: date | None = None, **flags: bool
) -> OwnedMilestone:
    return OwnedMilestone(
        department_id=dept,
        status=status,
        due=DUE,
        completed_on=completed,
        overdue=flags.get("overdue", False),
        stale=flags.get("stale", False),
    )


def test_scores_count_done_on_time_overdue_and_stale() -> None:
    scores = score_departments(
        [
            owned(1, Status.DONE, date(2021, 6, 30)),  # on the due day: on time
            owned(1, Status.DONE, date(2021, 7, 1)),  # late
            owned(1, Status.DELAYED, overdue=True, stale=True),
            owned(1, Status.ON_TRACK),
            owned(2, Status.ON_TRACK, stale=True),
        ]
    )
    one = scores[1]
    assert (one.owned, one.done, one.done_on_time, one.overdue, one.stale) == (4, 2, 1, 1, 1)
    assert one.on_time_rate == 1 / 3
    assert scores[2].on_time_rate is None  # nothing has come due yet


def test_sorting_keeps_departments_without_a_rate_last() -> None:
    scores = score_departments(
        [
            owned(1, Status.DONE, date(2021, 6, 1)),
            owned(2, Status.DELAYED, overdue=True),
            owned(3, Status.ON_TRACK),
        ]
    )
    best_first = sort_scores(scores.values(), "on_time_rate", descending=True)
    assert [s.department_id for s in best_first] == [1, 2, 3]
    worst_first = sort_scores(scores.values(), "on_time_rate", descending=False)
    assert [s.department_id for s in worst_first] == [2, 1, 3]
    by_overdue = sort_scores(scores.values(), "overdue", descending=True)
    assert by_overdue[0].department_id == 2
    unknown = sort_scores(scores.values(), "drop table", descending=True)
    assert [s.department_id for s in unknown] == [1, 2, 3]
