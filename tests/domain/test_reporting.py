"""Rules for a department's report."""

from datetime import date

import pytest

from tracker.domain.reporting import (
    CurrentState,
    ItemReport,
    MilestoneReport,
    ReportProblem,
    item_report_problems,
    milestone_report_problems,
    normalize,
)
from tracker.domain.status import Status

TODAY = date(2020, 12, 31)
CURRENT = CurrentState(Status.ON_TRACK, 60)


def problems(
    status: Status, progress: int, completed_on: date | None = None, note: str = ""
) -> list:
    return milestone_report_problems(
        MilestoneReport(status, progress, completed_on, note), CURRENT, TODAY
    )


def test_progress_forward_needs_no_note() -> None:
    assert problems(Status.ON_TRACK, 80) == []


@pytest.mark.parametrize("status", [Status.AT_RISK, Status.DELAYED])
def test_bad_news_needs_a_reason(status: Status) -> None:
    assert problems(status, 70) == [ReportProblem.NOTE_REQUIRED_FOR_STATUS]
    assert problems(status, 70, note="  ") == [ReportProblem.NOTE_REQUIRED_FOR_STATUS]
    assert problems(status, 70, note="供应商延误") == []


def test_lower_progress_needs_a_reason() -> None:
    assert problems(Status.ON_TRACK, 50) == [ReportProblem.NOTE_REQUIRED_FOR_DECREASE]
    assert problems(Status.ON_TRACK, 50, note="重新核算") == []


def test_done_needs_a_completion_date_not_in_the_future() -> None:
    assert problems(Status.DONE, 100) == [ReportProblem.COMPLETION_DATE_REQUIRED]
    assert problems(Status.DONE, 100, date(2021, 1, 1)) == [ReportProblem.COMPLETION_DATE_IN_FUTURE]
    assert problems(Status.DONE, 100, TODAY) == []


def test_done_counts_as_full_progress_so_typing_less_is_no_decrease() -> None:
    assert problems(Status.DONE, 10, TODAY) == []
    assert normalize(MilestoneReport(Status.DONE, 10, TODAY, "")).progress == 100


def test_completion_date_only_with_done() -> None:
    assert problems(Status.ON_TRACK, 80, TODAY) == [ReportProblem.COMPLETION_DATE_WITHOUT_DONE]


def test_progress_outside_range() -> None:
    assert ReportProblem.PROGRESS_RANGE in problems(Status.ON_TRACK, 101)
    assert ReportProblem.PROGRESS_RANGE in problems(Status.ON_TRACK, -1, note="x")


def test_unchanged_report_needs_a_note() -> None:
    assert problems(Status.ON_TRACK, 60) == [ReportProblem.NOTHING_TO_REPORT]
    assert problems(Status.ON_TRACK, 60, note="本月无变化，按计划推进") == []


def test_overlong_note() -> None:
    assert ReportProblem.NOTE_TOO_LONG in problems(Status.ON_TRACK, 80, note="x" * 4001)


def test_item_report_needs_a_summary() -> None:
    assert item_report_problems(ItemReport(note=""), TODAY) == [ReportProblem.SUMMARY_REQUIRED]
    assert item_report_problems(ItemReport(note="进展顺利"), TODAY) == []


def test_item_report_measurement_is_all_or_nothing() -> None:
    whole = ItemReport("年底开通", 970, date(2020, 12, 31), has_indicator=True)
    assert item_report_problems(whole, TODAY) == []
    no_date = ItemReport("x", 970, None, has_indicator=True)
    assert item_report_problems(no_date, TODAY) == [ReportProblem.MEASUREMENT_INCOMPLETE]
    no_indicator = ItemReport("x", 970, TODAY, has_indicator=False)
    assert item_report_problems(no_indicator, TODAY) == [ReportProblem.MEASUREMENT_INCOMPLETE]


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf"), 1e12 + 1])
def test_item_report_value_must_be_a_real_count(value: float) -> None:
    report = ItemReport("x", value, TODAY, has_indicator=True)
    assert ReportProblem.MEASUREMENT_VALUE in item_report_problems(report, TODAY)


@pytest.mark.parametrize("value", [0.0, 1e12])
def test_item_report_value_bounds_are_inclusive(value: float) -> None:
    report = ItemReport("x", value, TODAY, has_indicator=True)
    assert item_report_problems(report, TODAY) == []


def test_item_report_measurement_not_in_the_future() -> None:
    report = ItemReport("x", 5, date(2021, 1, 1), has_indicator=True)
    assert item_report_problems(report, TODAY) == [ReportProblem.MEASUREMENT_DATE_IN_FUTURE]
