"""The one rule of on-time statistics: on time, late, not done, or done on a day not given."""

from datetime import date

import pytest

from tracker.domain.rollup import MilestoneInput, roll_up_milestone
from tracker.domain.status import MilestoneState, Status, Timeliness, timeliness

DUE = date(2020, 9, 25)


def state(
    status: Status = Status.DONE, completed: date | None = DUE, *, exact: bool = True
) -> MilestoneState:
    return MilestoneState(DUE, 1.0, status, 100 if status is Status.DONE else 40, completed, exact)


@pytest.mark.parametrize(
    ("milestone", "as_of", "expected"),
    [
        (state(completed=DUE), DUE, Timeliness.ON_TIME),  # the due day itself is on time
        (state(completed=date(2020, 9, 1)), date(2021, 1, 1), Timeliness.ON_TIME),
        (state(completed=date(2020, 9, 26)), date(2021, 1, 1), Timeliness.LATE),
        (state(Status.ON_TRACK, None), date(2020, 9, 1), Timeliness.NOT_DONE),
        (state(Status.ON_TRACK, None), date(2021, 1, 1), Timeliness.NOT_DONE),  # overdue
        # reported done, but on a later day than the as-of day: not done yet then
        (state(completed=date(2020, 9, 26)), DUE, Timeliness.NOT_DONE),
        # "done by 2020-09-25 (date not given in the report)": neither on time nor late
        (state(completed=DUE, exact=False), DUE, Timeliness.DATE_UNKNOWN),
        (state(completed=DUE, exact=False), date(2022, 1, 1), Timeliness.DATE_UNKNOWN),
        # done without any date at all
        (state(completed=None), DUE, Timeliness.DATE_UNKNOWN),
    ],
)
def test_timeliness(milestone: MilestoneState, as_of: date, expected: Timeliness) -> None:
    assert timeliness(milestone, as_of) is expected


def test_done_by_a_day_counts_as_done_from_that_day() -> None:
    """The day only bounds the completion: from it on the milestone is done (and 100%)."""
    by = state(completed=DUE, exact=False)
    before = roll_up_milestone(MilestoneInput("m", by), date(2020, 9, 24))
    after = roll_up_milestone(MilestoneInput("m", by), DUE)
    assert (before.status, after.status) == (Status.ON_TRACK, Status.DONE)
    assert after.progress == 100
    assert after.timeliness is Timeliness.DATE_UNKNOWN
    assert after.completed_on_exact is False
