"""The Shinan plan file carries every fact and figure the source report states.

The list below is PLAN.md's *(report)* column; if an edit of the plan file drops one, this fails.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

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


REPORT = Path("/work/shared/seed/shinan-industrial-internet-2020-09-25.txt")
REPORT_COPY = Path(__file__).parent / "fixtures" / "shinan-industrial-internet-2020-09-25.txt"


@pytest.fixture(scope="module")
def report() -> str:
    """The report's text (a copy is kept with the tests, so they run anywhere)."""
    return REPORT_COPY.read_text(encoding="utf-8")


def test_the_kept_copy_is_the_report(report: str) -> None:
    if not REPORT.exists():
        pytest.skip("the shared copy of the report is not on this machine")
    assert REPORT.read_text(encoding="utf-8") == report


def all_report_texts(plan: PlanSpec) -> dict[str, str]:
    """Everything the plan says from the report, in Chinese, by where it says it."""
    texts = {
        f"{item.code} fact {i}": fact.text.zh
        for item in plan.items
        for i, fact in enumerate(item.facts)
        if fact.source == "report"
    }
    texts |= {
        f"{m.code} title": m.title.zh
        for item in plan.items
        for m in item.milestones
        if m.source == "report"
    }
    return texts


# Each report fact by a phrase of the report's own (checked against the report too), and the
# item it belongs with.
REPORT_FACTS = [
    ("A1", "全市工业互联网专项工作组第一次(扩大)会议召开后"),
    ("A2", "按照全市工业互联网专项工作组第一次(扩大)会议部署"),
    ("A2", "提早谋划、提早筑基、提早起势、提早推进"),
    ("T3", "人工智能、物联网、云计算、大数据分析、城市大脑等领域的产学研协同"),
    ("T3", "“政产学研金服用”科技创新体系"),
    ("T3", "国家发改委等15部门印发《关于推进先进制造业和现代服务业深度融合发展的实施意见》"),
    ("T3", "新一代信息技术、消费、物流、金融、文化创意、技术服务、法律、医养健康等领域"),
    ("T3", "“5G+”、“工业互联网+”"),
    ("T2", "君士坦丁奖"),
    ("T2", "超过一千家企业、五百多家上市公司"),
    ("T2", "市委副书记、市长孟凡利"),
    ("P4", "推动航运科技创新、人才培养等加快发展"),
    ("A2", "核心要素齐全、融合应用引领、产业生态活跃"),
    ("T3", "重点突破关键基础软件"),
    ("T3", "聚力做强高端工业软件"),
    ("T3", "协同发展行业应用软件"),
    ("T3", "深化发展嵌入式软件"),
    ("P3", "探索打造“文化旅游+工业互联网”平台"),
    ("P4", "规划打造国内高端航运服务平台"),
]


@pytest.mark.parametrize(("code", "phrase"), REPORT_FACTS)
def test_each_report_fact_is_in_the_plan_with_source_report(
    plan: PlanSpec, report: str, code: str, phrase: str
) -> None:
    """The phrase is the report's (word for word) and a `source: report` entry of the item."""
    assert phrase.replace("，", ",") in report.replace("，", ",")
    assert phrase in report_texts(plan, code)


def test_fifty_solution_suppliers_are_an_indicator(plan: PlanSpec) -> None:
    indicator = next(i for i in plan.indicators if i.code == "solution-suppliers")
    assert indicator.item == "T3"
    assert [(m.value, m.source) for m in indicator.measurements] == [(50, "report")]


def test_titles_and_stages_follow_the_report(plan: PlanSpec) -> None:
    items = {item.code: item for item in plan.items}
    milestones = {m.code: m for item in plan.items for m in item.milestones}
    assert "首批" not in milestones["T2-2"].title.zh  # the report does not say "first"
    assert "first" not in milestones["T2-2"].title.en.lower()
    assert items["P4"].title.zh == "国内高端航运服务平台"
    assert "探索" in items["P3"].description.zh
    assert "exploring" in items["P3"].description.en
    assert "规划阶段" in items["P4"].description.zh
    assert "planning" in items["P4"].description.en


def test_the_split_into_items_is_said_to_be_our_reading(plan: PlanSpec) -> None:
    assert "本系统对报道的解读" in plan.source.zh
    assert "our reading" in plan.source.en


def report_writes(report: str, when: date, precision: str, report_date: date) -> bool:
    """Whether the report gives this date, as it writes dates: 2020年8月28日, or its own
    dateline 9月25日讯 for the report's date; a month as 2019年6月, a year as 2019年."""
    if precision == "year":
        return f"{when.year}年" in report
    if precision == "month":
        return f"{when.year}年{when.month}月" in report
    if when == report_date and f"{when.month}月{when.day}日讯" in report:
        return True
    return f"{when.year}年{when.month}月{when.day}日" in report


def test_no_report_entry_carries_a_day_the_report_does_not_give(
    plan: PlanSpec, report: str
) -> None:
    """Every date on a `source: report` entry is in the report as it writes dates.

    A target is a deadline: the report's 年内 ("within the year", the report's year) and
    2022年 ("in 2022") give the year's last day, and only for targets.
    """
    dated: list[tuple[str, date, str]] = []
    for item in plan.items:
        dated += [
            (f"{item.code} fact {f.text.zh[:12]}", f.date, f.precision)
            for f in item.facts
            if f.source == "report"
        ]
        for m in item.milestones:
            if m.source == "report":
                dated.append((f"{m.code} due", m.due, "day"))
                if m.completed_on is not None:
                    dated.append((f"{m.code} completion", m.completed_on, "day"))
    for indicator in plan.indicators:
        dated += [
            (f"{indicator.code} measurement", m.date, "day")
            for m in indicator.measurements
            if m.source == "report"
        ]
    not_given = [
        (where, when.isoformat())
        for where, when, precision in dated
        if not report_writes(report, when, precision, plan.report_date)
    ]
    assert not_given == []
    deadlines = [
        (indicator.code, t.date)
        for indicator in plan.indicators
        for t in indicator.targets
        if t.source == "report"
    ]
    assert deadlines
    for code, when in deadlines:
        assert (when.month, when.day) == (12, 31), code
        said = f"{when.year}年" in report or (
            when.year == plan.report_date.year and "年内" in report
        )
        assert said, code


def test_achievements_without_their_day_are_done_by_the_report_date(plan: PlanSpec) -> None:
    """The report says these are done but not when: done by 2020-09-25, not on it."""
    milestones = {m.code: m for item in plan.items for m in item.milestones}
    for code in ("A1-1", "T1-1", "T1-2", "T2-2"):
        assert (milestones[code].completed_on, milestones[code].completed_on_exact) == (
            date(2020, 9, 25),
            False,
        ), code
    assert milestones["A1-2"].completed_on_exact  # 2020年6月6日, the forum's day
    exact_on_report_date = [
        m.code
        for m in milestones.values()
        if m.completed_on == plan.report_date and m.completed_on_exact
    ]
    assert exact_on_report_date == []
