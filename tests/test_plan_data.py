"""The Shinan plan file carries every fact and figure the source report states.

The list below is PLAN.md's *(report)* column; if an edit of the plan file drops one, this fails.
"""

from __future__ import annotations

from datetime import date

import pytest

from tracker.cli import DEFAULT_PLAN
from tracker.domain.planfile import PlanSpec, parse_plan_file


@pytest.fixture(scope="module")
def plan() -> PlanSpec:
    return parse_plan_file(DEFAULT_PLAN)


def report_texts(plan: PlanSpec, code: str) -> str:
    """Everything the plan file says about an item from the report, in Chinese."""
    item = next(i for i in plan.items if i.code == code)
    parts = [f.text.zh for f in item.facts if f.source == "report"]
    parts += [m.title.zh for m in item.milestones if m.source == "report"]
    return "\n".join(parts)


def report_dates(plan: PlanSpec, code: str) -> set[date]:
    item = next(i for i in plan.items if i.code == code)
    dates = {f.date for f in item.facts if f.source == "report"}
    dates |= {m.completed_on for m in item.milestones if m.source == "report" and m.completed_on}
    return dates


def test_shape_of_the_plan(plan: PlanSpec) -> None:
    assert [(g.kind, len(g.items)) for g in plan.groups] == [
        ("task", 3),
        ("project", 4),
        ("action", 6),
    ]
    assert plan.end == date(2022, 12, 31)
    assert plan.report_date == date(2020, 9, 25)
    assert all(2 <= len(i.milestones) <= 6 for i in plan.items)
    assert all(d.sample for d in plan.departments)
    assert [d.code for d in plan.departments if d.coordinating] == ["kjj"]


def test_5g_base_stations_indicator(plan: PlanSpec) -> None:
    indicator = next(i for i in plan.indicators if i.code == "5g-base-stations")
    assert indicator.item == "T1"
    assert (indicator.baseline_value, indicator.baseline_date) == (618, date(2020, 9, 25))
    assert [(t.date, t.value, t.source) for t in indicator.targets] == [
        (date(2020, 12, 31), 970, "report"),
        (date(2022, 12, 31), 1300, "report"),
    ]
    assert [(m.date, m.value, m.source) for m in indicator.measurements] == [
        (date(2020, 9, 25), 618, "report")
    ]


@pytest.mark.parametrize(
    ("code", "figures"),
    [
        ("T1", ["联席会议", "四个率先", "618", "970", "1300"]),
        ("T2", ["2家头部企业", "5家上市公司", "2家深圳行业协会"]),
        (
            "T3",
            ["4000", "396", "36", "1家", "瞪羚企业6家", "10个", "43家", "35个", "52家", "50余家"],
        ),
        ("T3", ["6位院士", "112家", "青岛国际技术交易市场", "上合组织"]),
        ("P1", ["2019年6月", "青建集团", "全国首个"]),
        ("P2", ["150余位", "千亿级"]),
        ("P3", ["工业文化产融创新中心"]),
        ("P4", ["中远海运", "中外运", "无车承运", "青岛港集团"]),
        ("A1", ["北京邮电大学", "20位企业家"]),
        ("A2", ["任务书", "路线图", "时间表"]),
        ("A6", ["慧停车", "思锐", "凯象", "美迪康", "ThingsHive", "道可云"]),
    ],
)
def test_report_figures_are_in_the_plan_file(plan: PlanSpec, code: str, figures: list[str]) -> None:
    text = report_texts(plan, code)
    assert [f for f in figures if f not in text] == []


@pytest.mark.parametrize(
    ("code", "when"),
    [
        ("T2", date(2019, 6, 28)),
        ("T2", date(2019, 12, 28)),
        ("T2", date(2020, 8, 28)),
        ("P1", date(2020, 8, 30)),
        ("P2", date(2020, 8, 28)),
        ("A1", date(2020, 6, 6)),
    ],
)
def test_report_dates_are_in_the_plan_file(plan: PlanSpec, code: str, when: date) -> None:
    assert when in report_dates(plan, code)


def test_future_milestones_are_marked_sample(plan: PlanSpec) -> None:
    future = [m for i in plan.items for m in i.milestones if m.due > plan.report_date]
    assert future
    assert {m.source for m in future} == {"sample"}
