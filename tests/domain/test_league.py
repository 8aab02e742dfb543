"""The department table."""

from datetime import date

from tracker.domain.league import OwnedMilestone, score_departments, sort_scores
from tracker.domain.status import MilestoneState, Status, timeliness

DUE = date(2021, 6, 30)
AS_OF = date(2021, 12, 31)


def owned(
    dept: int, status: Status, completed: date | None = None, *, exact: bool = True, **flags: bool
) -> OwnedMilestone:
    """A milestone judged by the one on-time rule, :func:`timeliness`, as the board does."""
    state = MilestoneState(DUE, 1.0, status, 100 if completed else 0, completed, exact)
    return OwnedMilestone(
        department_id=dept,
        status=status,
        timeliness=timeliness(state, AS_OF),
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


def test_a_day_nobody_stated_stays_out_of_the_on_time_rate() -> None:
    """Done by the report's date, the day not given: counted as done, never as on time or late."""
    scores = score_departments(
        [
            owned(1, Status.DONE, date(2021, 6, 1)),  # on time
            owned(1, Status.DONE, date(2021, 6, 30), exact=False),  # done by then: day unknown
            owned(1, Status.DELAYED, overdue=True),
            owned(2, Status.DONE, date(2021, 6, 30), exact=False),
        ]
    )
    one = scores[1]
    assert (one.done, one.done_on_time, one.done_date_unknown) == (2, 1, 1)
    assert one.on_time_rate == 1 / 2  # the on-time one over it and the overdue one
    assert (scores[2].done, scores[2].done_on_time, scores[2].on_time_rate) == (1, 0, None)
