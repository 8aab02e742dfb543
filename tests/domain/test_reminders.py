"""Reminder rules: overdue, due within 7 days, no update for more than 30 days."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from tracker.domain.reminders import (
    DUE_SOON_DAYS,
    STALE_AFTER_DAYS,
    MilestoneFacts,
    ReminderKind,
    by_department,
    classify,
    last_activity,
    parse_day,
    remind,
)
from tracker.domain.status import Status

AS_OF = date(2020, 12, 25)


def facts(
    code: str = "T1-3",
    *,
    due: date = date(2021, 6, 30),
    status: Status = Status.ON_TRACK,
    idle: int = 0,
    department_id: int = 1,
) -> MilestoneFacts:
    return MilestoneFacts(
        key=hash(code),
        code=code,
        item_code=code.split("-", maxsplit=1)[0],
        title_zh=f"{code} 节点",
        title_en=f"{code} milestone",
        department_id=department_id,
        due=due,
        status=status,
        last_activity=AS_OF - timedelta(days=idle),
    )


def kinds(milestone: MilestoneFacts) -> list[tuple[ReminderKind, int]]:
    return [(r.kind, r.days) for r in classify(milestone, AS_OF)]


def test_the_window_and_the_stale_limit() -> None:
    assert (DUE_SOON_DAYS, STALE_AFTER_DAYS) == (7, 30)


def test_due_today_is_due_soon_not_overdue() -> None:
    assert kinds(facts(due=AS_OF)) == [(ReminderKind.DUE_SOON, 0)]


def test_due_yesterday_is_overdue_by_one_day() -> None:
    assert kinds(facts(due=AS_OF - timedelta(days=1))) == [(ReminderKind.OVERDUE, 1)]


def test_due_in_seven_days_is_due_soon() -> None:
    assert kinds(facts(due=AS_OF + timedelta(days=7))) == [(ReminderKind.DUE_SOON, 7)]


def test_due_in_eight_days_is_nothing_yet() -> None:
    assert kinds(facts(due=AS_OF + timedelta(days=8))) == []


def test_stale_after_31_days_not_after_30() -> None:
    assert kinds(facts(idle=30)) == []
    assert kinds(facts(idle=31)) == [(ReminderKind.STALE, 31)]


def test_story_one_no_update_for_41_days() -> None:
    assert kinds(facts(idle=41)) == [(ReminderKind.STALE, 41)]


def test_overdue_and_stale_at_once() -> None:
    late = facts(due=date(2020, 11, 30), idle=91)
    assert kinds(late) == [(ReminderKind.OVERDUE, 25), (ReminderKind.STALE, 91)]


@pytest.mark.parametrize("idle", [0, 31, 400])
@pytest.mark.parametrize("due", [date(2020, 1, 1), AS_OF, date(2020, 12, 28)])
def test_a_done_milestone_never_reminds(due: date, idle: int) -> None:
    assert kinds(facts(due=due, idle=idle, status=Status.DONE)) == []


@pytest.mark.parametrize("status", [Status.NOT_STARTED, Status.AT_RISK, Status.DELAYED])
def test_every_open_status_reminds(status: Status) -> None:
    assert kinds(facts(due=AS_OF, status=status)) == [(ReminderKind.DUE_SOON, 0)]


def test_activity_after_the_as_of_day_counts_as_none_idle() -> None:
    assert kinds(facts(idle=-10)) == []


def test_lists_are_sorted_for_reading() -> None:
    found = remind(
        [
            facts("B-1", due=AS_OF - timedelta(days=2)),
            facts("A-1", due=AS_OF - timedelta(days=20)),
            facts("C-1", due=AS_OF + timedelta(days=5), idle=40),
            facts("D-1", due=AS_OF + timedelta(days=1), idle=90),
            facts("E-1", idle=40),
        ],
        AS_OF,
    )
    assert [r.code for r in found.overdue] == ["A-1", "B-1"]
    assert [r.code for r in found.due_soon] == ["D-1", "C-1"]
    assert [(r.code, r.days) for r in found.stale] == [("D-1", 90), ("C-1", 40), ("E-1", 40)]
    assert found.count == 7
    assert found


def test_nothing_to_report_is_falsy() -> None:
    found = remind([facts(due=date(2022, 1, 1))], AS_OF)
    assert not found
    assert found.count == 0


def test_by_department_keeps_departments_with_nothing_to_report() -> None:
    grouped = by_department(
        [
            facts("T1-3", due=AS_OF, department_id=3),
            facts("T1-4", due=date(2022, 1, 1), department_id=8),
            facts("A2-1", due=date(2020, 11, 30), department_id=1),
        ],
        AS_OF,
    )
    assert sorted(grouped) == [1, 3, 8]
    assert [r.code for r in grouped[3].due_soon] == ["T1-3"]
    assert [r.code for r in grouped[1].overdue] == ["A2-1"]
    assert grouped[8].count == 0


def test_reminder_exposes_the_milestone_for_templates() -> None:
    (reminder,) = classify(facts(due=AS_OF), AS_OF)
    assert (reminder.code, reminder.item_code, reminder.due) == ("T1-3", "T1", AS_OF)
    assert (reminder.title_zh, reminder.title_en) == ("T1-3 节点", "T1-3 milestone")


REPORT_DATE = date(2020, 9, 25)


@pytest.mark.parametrize(
    ("update", "reported", "expected"),
    [
        (None, None, REPORT_DATE),
        (date(2020, 11, 1), None, date(2020, 11, 1)),
        (None, date(2020, 12, 1), date(2020, 12, 1)),
        (date(2020, 11, 1), date(2020, 12, 1), date(2020, 12, 1)),
        (date(2020, 12, 20), date(2020, 12, 1), date(2020, 12, 20)),
        (None, date(2021, 1, 5), REPORT_DATE),  # reported after the as-of day: not yet known
        (date(2021, 1, 5), date(2020, 10, 1), date(2020, 10, 1)),
    ],
)
def test_last_activity(update: date | None, reported: date | None, expected: date) -> None:
    assert last_activity(update, reported, REPORT_DATE, AS_OF) == expected


def test_parse_day_accepts_only_yyyy_mm_dd() -> None:
    assert parse_day("2020-12-25") == AS_OF
    assert parse_day(" 2020-12-25 ") == AS_OF
    for bad in (
        "2020-13-01",
        "2020-02-30",
        "20201225",
        "2020-W52-5",
        "25.12.2020",
        "",
        "99999-01-01",
    ):
        with pytest.raises(ValueError, match="not a YYYY-MM-DD date"):
            parse_day(bad)


def waiting(code: str, days: int, **kw: object) -> MilestoneFacts:
    """A milestone whose receipt has waited ``days`` days for the department's signature."""
    return dataclasses.replace(
        facts(code, **kw),  # type: ignore[arg-type]
        awaiting_receipt_since=AS_OF - timedelta(days=days),
    )


def test_an_unsigned_receipt_is_a_reminder_from_the_day_after_the_assignment() -> None:
    assert kinds(waiting("T1-3", 0)) == []
    assert kinds(waiting("T1-3", 1)) == [(ReminderKind.UNSIGNED, 1)]
    assert kinds(waiting("T1-3", 6)) == [(ReminderKind.UNSIGNED, 6)]


def test_a_done_milestone_is_not_chased_for_its_receipt() -> None:
    assert kinds(waiting("T1-3", 6, status=Status.DONE)) == []


def test_unsigned_receipts_longest_waiting_first() -> None:
    found = remind([waiting("T1-4", 2), waiting("T1-3", 6), waiting("T1-5", 2)], AS_OF)
    assert [(r.code, r.days) for r in found.unsigned] == [("T1-3", 6), ("T1-4", 2), ("T1-5", 2)]
    assert found.count == 3
