"""Roll-up: weighted progress from milestones to items, groups and the plan, at a date."""

from datetime import date

import pytest

from tracker.domain.rollup import (
    GroupInput,
    ItemInput,
    MilestoneInput,
    roll_up,
    roll_up_item,
    weighted_mean,
)
from tracker.domain.status import MilestoneState, Status

START = date(2021, 1, 1)
END = date(2021, 12, 31)
MID = date(2021, 7, 2)  # about half the year elapsed


def ms(
    key: str,
    progress: int = 0,
    status: Status = Status.NOT_STARTED,
    weight: float = 1.0,
    due: date = END,
    completed_on: date | None = None,
) -> MilestoneInput:
    return MilestoneInput(
        key=key,
        state=MilestoneState(
            due=due,
            weight=weight,
            reported_status=status,
            progress=progress,
            completed_on=completed_on,
        ),
    )


def item(key: str, *milestones: MilestoneInput, weight: float = 1.0) -> ItemInput:
    return ItemInput(key=key, start=START, due=END, weight=weight, milestones=milestones)


def test_weighted_mean() -> None:
    assert weighted_mean([(100, 3), (0, 1)]) == 75
    assert weighted_mean([]) == 0


def test_item_progress_is_weighted_mean_of_milestones() -> None:
    result = roll_up_item(
        item(
            "I",
            ms("a", 100, Status.ON_TRACK, weight=3),
            ms("b", 0, Status.ON_TRACK, weight=1),
        ),
        MID,
    )
    assert result.progress == 75
    assert result.expected == pytest.approx(100 * 183 / 365)
    assert result.status is Status.ON_TRACK
    assert not result.behind


def test_item_with_equal_weights_is_plain_mean() -> None:
    result = roll_up_item(
        item("I", ms("a", 20, Status.ON_TRACK), ms("b", 60, Status.ON_TRACK)), MID
    )
    assert result.progress == 40


def test_item_behind_expected_is_at_risk() -> None:
    result = roll_up_item(item("I", ms("a", 30, Status.ON_TRACK)), MID)
    assert result.behind
    assert result.status is Status.AT_RISK


def test_overdue_milestone_makes_item_delayed_even_if_reported_on_track() -> None:
    late = ms("late", 90, Status.ON_TRACK, due=date(2021, 3, 31))
    result = roll_up_item(item("I", late, ms("b", 60, Status.ON_TRACK)), MID)
    assert result.milestones[0].status is Status.DELAYED
    assert result.milestones[0].reported_status is Status.ON_TRACK
    assert result.milestones[0].overdue
    assert result.status is Status.DELAYED


def test_reported_at_risk_milestone_makes_item_at_risk() -> None:
    result = roll_up_item(item("I", ms("a", 60, Status.AT_RISK), ms("b", 60, Status.ON_TRACK)), MID)
    assert result.status is Status.AT_RISK


def test_item_not_started_before_anything_moves() -> None:
    early = date(2021, 1, 10)
    result = roll_up_item(item("I", ms("a"), ms("b")), early)
    assert result.progress == 0
    assert result.status is Status.NOT_STARTED


def test_item_done_when_every_milestone_done() -> None:
    done = ms("a", 100, Status.DONE, due=date(2021, 3, 1), completed_on=date(2021, 2, 1))
    result = roll_up_item(item("I", done), MID)
    assert result.status is Status.DONE
    assert result.progress == 100
    assert not result.behind


def test_item_past_its_due_date_and_not_done_is_delayed() -> None:
    result = roll_up_item(item("I", ms("a", 95, Status.ON_TRACK, due=END)), date(2022, 1, 1))
    assert result.status is Status.DELAYED


def test_as_of_date_changes_the_answer() -> None:
    """The same facts read on two dates: on time in spring, late in autumn."""
    milestone = ms("a", 50, Status.ON_TRACK, due=date(2021, 9, 30))
    spring = roll_up_item(item("I", milestone), date(2021, 4, 1))
    autumn = roll_up_item(item("I", milestone), date(2021, 10, 1))
    assert spring.status is Status.ON_TRACK
    assert autumn.status is Status.DELAYED
    assert spring.expected < autumn.expected


def test_completion_after_as_of_does_not_count() -> None:
    done_later = ms("a", 100, Status.DONE, due=END, completed_on=date(2021, 11, 1))
    before = roll_up_item(item("I", done_later), date(2021, 10, 31))
    after = roll_up_item(item("I", done_later), date(2021, 11, 1))
    assert before.status is not Status.DONE
    assert after.status is Status.DONE


def test_group_and_plan_progress_weight_items() -> None:
    heavy = item("heavy", ms("a", 100, Status.ON_TRACK), weight=3)
    light = item("light", ms("b", 0, Status.ON_TRACK), weight=1)
    other = item("other", ms("c", 50, Status.ON_TRACK), weight=1)
    result = roll_up([GroupInput("g1", [heavy, light]), GroupInput("g2", [other])], MID)
    assert result.groups[0].summary.progress == 75
    assert result.groups[1].summary.progress == 50
    # The plan weighs every item once: (100*3 + 0*1 + 50*1) / 5.
    assert result.summary.progress == 70
    assert result.item("light").progress == 0


def test_plan_counts_items_and_milestones_by_status() -> None:
    late = item("late", ms("x", 10, Status.ON_TRACK, due=date(2021, 2, 1)))
    fine = item("fine", ms("y", 60, Status.ON_TRACK), ms("z", 50, Status.AT_RISK))
    result = roll_up([GroupInput("g", [late, fine])], MID)
    assert result.summary.status_counts[Status.DELAYED] == 1
    assert result.summary.status_counts[Status.AT_RISK] == 1
    assert result.milestone_counts[Status.DELAYED] == 1
    assert result.milestone_counts[Status.ON_TRACK] == 1
    assert result.milestone_counts[Status.AT_RISK] == 1


@pytest.mark.parametrize(
    ("progress", "status"),
    [(50, Status.ON_TRACK), (35, Status.AT_RISK), (20, Status.DELAYED)],
)
def test_group_status_follows_progress_against_expected(progress: int, status: Status) -> None:
    result = roll_up([GroupInput("g", [item("i", ms("a", progress, Status.ON_TRACK))])], MID)
    assert result.groups[0].summary.status is status


def test_empty_group_and_item_without_milestones_do_not_crash() -> None:
    result = roll_up([GroupInput("empty", []), GroupInput("g", [item("bare")])], MID)
    assert result.groups[0].summary.progress == 0
    assert result.item("bare").progress == 0
    with pytest.raises(KeyError):
        result.item("missing")


def test_margin_is_a_parameter() -> None:
    thirty = item("i", ms("a", 30, Status.ON_TRACK))
    assert roll_up_item(thirty, MID, margin=10).behind
    assert not roll_up_item(thirty, MID, margin=25).behind


def test_group_counts_its_late_items_even_when_its_average_reads_on_track() -> None:
    """Two of three items are past a milestone's due date; the average alone says on track."""
    early = date(2021, 2, 1)
    late_a = item("late-a", ms("a", 90, Status.ON_TRACK, due=early))
    late_b = item("late-b", ms("b", 90, Status.ON_TRACK, due=early))
    ahead = item("ahead", ms("c", 100, Status.DONE, completed_on=early))
    result = roll_up([GroupInput("g", [late_a, late_b, ahead]), GroupInput("h", [])], MID)
    group = result.groups[0].summary
    assert group.status is Status.ON_TRACK
    assert (group.late_count, group.item_count) == (2, 3)
    assert (result.summary.late_count, result.summary.item_count) == (2, 3)
    assert (result.groups[1].summary.late_count, result.groups[1].summary.item_count) == (0, 0)


def test_no_late_items_counts_zero() -> None:
    result = roll_up([GroupInput("g", [item("i", ms("a", 50, Status.ON_TRACK))])], MID)
    assert (result.summary.late_count, result.summary.item_count) == (0, 1)
