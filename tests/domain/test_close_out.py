"""Close-out (销号) rules, and how the roll-up and the replay count it: pure, no app."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.close_out import (
    CloseOut,
    CloseOutDecision,
    CloseOutProblem,
    after_approval,
    decision_problems,
    reopened_status,
)
from tracker.domain.policy import Action, Actor, Role, can
from tracker.domain.replay import Change, state_at
from tracker.domain.rollup import GroupInput, ItemInput, MilestoneInput, roll_up
from tracker.domain.status import MilestoneState, Status, Timeliness, timeliness

DUE = date(2021, 6, 30)
AS_OF = date(2021, 7, 15)


def done(close_out: str | None) -> MilestoneState:
    return MilestoneState(
        due=DUE,
        weight=1.0,
        reported_status=Status.DONE,
        progress=100,
        completed_on=date(2021, 6, 20),
        close_out=close_out,
    )


OPEN = MilestoneState(
    due=date(2021, 12, 31), weight=1.0, reported_status=Status.ON_TRACK, progress=40
)


@pytest.mark.parametrize(
    ("close_out", "old", "new", "expected"),
    [
        (None, Status.ON_TRACK, Status.DONE, CloseOut.AWAITING),
        ("reopened", Status.ON_TRACK, Status.DONE, CloseOut.AWAITING),
        ("reopened", Status.ON_TRACK, Status.AT_RISK, None),  # stays reopened until done
        (None, Status.ON_TRACK, Status.ON_TRACK, None),
        ("closed", Status.DONE, Status.DONE, None),  # a correction of a closed one's date
        # "Done" taken back and approved: open again, out of the queue.
        ("awaiting", Status.DONE, Status.ON_TRACK, CloseOut.REOPENED),
        ("closed", Status.DONE, Status.AT_RISK, CloseOut.REOPENED),
        (None, Status.DONE, Status.DELAYED, CloseOut.REOPENED),  # done before close-out
    ],
)
def test_an_approved_report_that_makes_it_done_awaits_close_out(
    close_out: str | None, old: Status, new: Status, expected: CloseOut | None
) -> None:
    assert after_approval(close_out, old, new) == expected


def test_only_a_milestone_awaiting_can_be_decided_and_a_reopening_needs_its_reason() -> None:
    assert decision_problems("awaiting", CloseOutDecision.CLOSE, "") == []
    assert decision_problems("awaiting", CloseOutDecision.REOPEN, "佐证材料不足") == []
    assert decision_problems("awaiting", CloseOutDecision.REOPEN, "  ") == [
        CloseOutProblem.REASON_REQUIRED
    ]
    assert decision_problems("awaiting", CloseOutDecision.REOPEN, "x" * 2001) == [
        CloseOutProblem.REASON_TOO_LONG
    ]
    for state in (None, "closed", "reopened"):
        assert decision_problems(state, CloseOutDecision.CLOSE, "") == [
            CloseOutProblem.NOT_AWAITING
        ]


def test_a_reopened_milestone_goes_back_to_what_it_was_or_on_track() -> None:
    assert reopened_status(Status.AT_RISK) is Status.AT_RISK
    assert reopened_status(Status.ON_TRACK) is Status.ON_TRACK
    for before in (None, Status.NOT_STARTED, Status.DELAYED, Status.DONE):
        assert reopened_status(before) is Status.ON_TRACK


def test_the_coordinating_office_and_admins_close_out_no_one_else() -> None:
    office = Actor(Role.DEPT_LEAD, department_id=3, department_coordinating=True)
    assert can(office, Action.CLOSE_OUT)
    assert can(Actor(Role.ADMIN), Action.CLOSE_OUT)
    for other in (
        Actor(Role.DEPT_LEAD, department_id=1),
        Actor(Role.LEADER),
        Actor(Role.VIEWER),
        Actor(),
    ):
        assert not can(other, Action.CLOSE_OUT)


def test_the_roll_up_counts_awaiting_apart_from_done_with_full_progress() -> None:
    items = [
        ItemInput("A", date(2021, 1, 1), DUE, 1.0, [MilestoneInput("a1", done("awaiting"))]),
        ItemInput("B", date(2021, 1, 1), DUE, 1.0, [MilestoneInput("b1", done("closed"))]),
        ItemInput("C", date(2021, 1, 1), DUE, 1.0, [MilestoneInput("c1", done(None))]),
        ItemInput(
            "D",
            date(2021, 1, 1),
            date(2021, 12, 31),
            1.0,
            [MilestoneInput("d1", done("awaiting")), MilestoneInput("d2", OPEN)],
        ),
    ]
    result = roll_up([GroupInput("g", items)], AS_OF)
    assert result.milestone_counts[Status.DONE] == 2  # closed out, or done before close-out
    assert result.milestones_awaiting_close_out == 2
    assert result.milestone_total == 5
    summary = result.summary
    assert summary.status_counts[Status.DONE] == 2
    assert summary.awaiting_close_out == 1  # D is not done: its awaiting milestone counts alone
    assert summary.item_count == 4
    a = result.item("A")
    assert a.progress == 100.0
    assert a.status is Status.DONE
    assert a.awaiting_close_out
    assert a.milestones[0].close_out == "awaiting"
    # On-time statistics do not wait for the office.
    assert timeliness(done("awaiting"), AS_OF) is Timeliness.ON_TIME


def test_the_replay_shows_the_close_out_of_each_day() -> None:
    changes = [
        Change(date(2021, 6, 20), 1, "status", "on_track", "done"),
        Change(date(2021, 6, 20), 2, "completed_on", None, "2021-06-20"),
        Change(date(2021, 6, 21), 3, "close_out", None, "awaiting"),
        Change(date(2021, 6, 25), 4, "close_out", "awaiting", "reopened"),
        Change(date(2021, 6, 25), 5, "status", "done", "on_track"),
        Change(date(2021, 6, 25), 6, "completed_on", "2021-06-20", None),
        Change(date(2021, 7, 2), 7, "status", "on_track", "done"),
        Change(date(2021, 7, 2), 8, "completed_on", None, "2021-07-01"),
        Change(date(2021, 7, 2), 9, "close_out", "reopened", "awaiting"),
        Change(date(2021, 7, 6), 10, "close_out", "awaiting", "closed"),
    ]

    def close_out_on(day: date) -> tuple[Status, str | None]:
        state = state_at(changes, current_due=DUE, weight=1.0, as_of=day)
        return state.reported_status, state.close_out

    assert close_out_on(date(2021, 6, 20)) == (Status.DONE, None)
    assert close_out_on(date(2021, 6, 22)) == (Status.DONE, "awaiting")
    assert close_out_on(date(2021, 6, 28)) == (Status.ON_TRACK, "reopened")
    assert close_out_on(date(2021, 7, 3)) == (Status.DONE, "awaiting")
    assert close_out_on(date(2021, 7, 6)) == (Status.DONE, "closed")
