"""Reading a 任务分解表: date phrases, department names, merged cells, codes, every problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tracker.cli import DEFAULT_PLAN
from tracker.domain.plan_sheet import (
    CellRange,
    PlanSheetError,
    SheetData,
    SheetProblemKind,
    read_plan_sheets,
)
from tracker.domain.plan_sheet_out import plan_sheets, template_sheets
from tracker.domain.plan_yaml import dump_plan_yaml
from tracker.domain.planfile import DepartmentSpec, PlanSpec, Text, parse_plan_file, parse_plan_text
from tracker.domain.sheet_values import (
    DateContext,
    DepartmentIndex,
    DepartmentName,
    date_precision,
    header_key,
    names_a_day,
    parse_sheet_date,
    split_departments,
)

CONTEXT = DateContext(year=2021, end=date(2022, 12, 31))
KNOWN = (
    DepartmentSpec("gxj", Text("区工业和信息化局", "Industry Bureau")),
    DepartmentSpec("kjj", Text("区科技局", "Science Bureau"), coordinating=True),
    DepartmentSpec("swj", Text("区商务局", "Commerce Bureau")),
)
PLAN_ROWS = (
    ("计划编号", "p1"),
    ("计划名称", "测试计划"),
    ("开始日期", "2021年1月"),
    ("结束日期", "2022年底"),
    ("发布日期", date(2021, 3, 1)),
)
HEAD = ("序号", "任务类别", "重点任务", "具体措施/节点", "牵头单位", "配合单位", "完成时限")


@pytest.fixture(scope="module")
def shinan() -> PlanSpec:
    return parse_plan_file(DEFAULT_PLAN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-06-30", date(2021, 6, 30)),
        ("2021/6/30", date(2021, 6, 30)),
        ("2021.6.30", date(2021, 6, 30)),
        ("2021年6月30日", date(2021, 6, 30)),
        ("2021年6月底", date(2021, 6, 30)),
        ("2021年6月底前", date(2021, 6, 30)),
        ("2021年6月", date(2021, 6, 30)),
        ("2021.6", date(2021, 6, 30)),
        ("2021/2", date(2021, 2, 28)),
        ("2021-06", date(2021, 6, 30)),
        ("2021年底", date(2021, 12, 31)),
        ("2021年年底", date(2021, 12, 31)),
        ("2021年底前完成", date(2021, 12, 31)),
        ("２０２１年底", date(2021, 12, 31)),
        ("年底前", date(2021, 12, 31)),
        ("年内", date(2021, 12, 31)),
        ("9月底", date(2021, 9, 30)),
        ("2022年上半年", date(2022, 6, 30)),
        ("2022年下半年", date(2022, 12, 31)),
        ("2021年第三季度", date(2021, 9, 30)),
        ("长期坚持", date(2022, 12, 31)),
        ("持续推进", date(2022, 12, 31)),
        (" 2021 年 6 月底 ", date(2021, 6, 30)),
        (date(2021, 7, 1), date(2021, 7, 1)),
        (2021.6, date(2021, 6, 30)),
        (2021.12, date(2021, 12, 31)),
        (2021, date(2021, 12, 31)),
    ],
)
def test_date_phrases(text: object, expected: date) -> None:
    assert parse_sheet_date(text, CONTEXT) == expected  # type: ignore[arg-type]


def test_a_start_date_means_the_first_day_of_its_period() -> None:
    start = DateContext(year=2021, end=None, period_end=False)
    assert parse_sheet_date("2021年6月", start) == date(2021, 6, 1)
    assert parse_sheet_date("2022年下半年", start) == date(2022, 7, 1)


@pytest.mark.parametrize("text", ["明年", "2021年13月", "2021-02-30", "1899年底", 2021.1, "", True])
def test_what_is_not_a_date(text: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        parse_sheet_date(text, CONTEXT)  # type: ignore[arg-type]


def test_department_names_with_and_without_the_district_prefix() -> None:
    index = DepartmentIndex(DepartmentName(d.code, (d.name.zh, d.name.en)) for d in KNOWN)
    assert index.find("市南区工业和信息化局 ") == ["gxj"]
    assert index.find("工业和信息化局") == ["gxj"]
    assert index.find("科技局") == ["kjj"]
    assert index.find("GXJ") == ["gxj"]
    assert index.find("commerce bureau") == ["swj"]
    assert index.find("区大数据局") == []
    assert split_departments("区科技局、区商务局，a,b;c；d/e\nf") == [
        "区科技局", "区商务局", "a", "b", "c", "d", "e", "f",
    ]  # fmt: skip


def test_headings_are_matched_without_marks_brackets_and_spaces() -> None:
    assert {
        header_key(h) for h in ("完成时限*", "＊完成时限", "完成时限（必填）", " 完成 时限 ")
    } == {"完成时限"}


def sheets(rows: list[tuple[object, ...]], merged: tuple[CellRange, ...] = ()) -> list[SheetData]:
    return [
        SheetData("任务分解表", (HEAD, *rows), merged),  # type: ignore[arg-type]
        SheetData("计划", PLAN_ROWS),
    ]


def test_merged_cells_and_blank_cells_repeat_the_task() -> None:
    rows = [
        (1, "重点工程", "平台建设", "完成方案", "区科技局", "区商务局", "2021年6月底"),
        (None, None, None, "上线运行", None, None, "年底前"),
        (2, None, "招商", "签约", "商务局", "", "长期坚持"),
    ]
    spec = read_plan_sheets(sheets(rows, (CellRange(2, 3, 3, 3),)), KNOWN)
    assert [(g.code, g.kind, g.name.zh) for g in spec.groups] == [("g1", "project", "重点工程")]
    first, second = spec.groups[0].items
    assert (first.code, first.lead, first.supporting) == ("A1", "kjj", ("swj",))
    assert [(m.code, m.due) for m in first.milestones] == [
        ("A1-1", date(2021, 6, 30)),
        ("A1-2", date(2021, 12, 31)),
    ]
    assert (second.code, second.lead, second.start, second.due) == (
        "A2",
        "swj",
        date(2021, 1, 1),
        date(2022, 12, 31),
    )


def test_short_names_come_from_the_department_sheet() -> None:
    rows = [(1, "类", "任务", "节点", "工信局", "", "2021年底")]
    departments = SheetData(
        "部门", (("编号", "中文名称", "简称"), ("gxj", "区工业和信息化局", "工信局、工信"))
    )
    spec = read_plan_sheets([*sheets(rows), departments], KNOWN)
    assert spec.items[0].lead == "gxj"
    assert [d.code for d in spec.departments] == ["gxj"]
    assert spec.departments[0].name == Text("区工业和信息化局", "Industry Bureau")


def test_an_unknown_department_is_a_problem_never_a_new_department() -> None:
    rows = [(1, "类", "任务", "节点", "区大数据局", "区科技局、区环保局", "2021年底")]
    with pytest.raises(PlanSheetError) as caught:
        read_plan_sheets(sheets(rows), KNOWN)
    assert [(p.kind, p.row, p.column, p.facts.get("name")) for p in caught.value.problems] == [
        (SheetProblemKind.UNKNOWN_DEPARTMENT, 2, "牵头单位", "区大数据局"),
        (SheetProblemKind.UNKNOWN_DEPARTMENT, 2, "配合单位", "区环保局"),
    ]


def test_every_problem_is_named_by_sheet_row_and_column() -> None:
    rows = [
        (1, "类", "任务", "节点一", "区科技局", "", "明年"),
        (None, None, "任务", "", "区科技局", "", "2021年底"),
        (None, None, "任务", "节点三", "区商务局", "", "2023年底"),
    ]
    with pytest.raises(PlanSheetError) as caught:
        read_plan_sheets(sheets(rows), KNOWN)
    found = [(p.sheet, p.row, p.column, p.kind) for p in caught.value.problems]
    assert found == [
        ("任务分解表", 2, "完成时限", SheetProblemKind.BAD_DATE),
        ("任务分解表", 3, "具体措施/节点", SheetProblemKind.REQUIRED),
        ("任务分解表", 4, "牵头单位", SheetProblemKind.CONFLICT),
        ("任务分解表", 4, "完成时限", SheetProblemKind.DATE_OUTSIDE_PLAN),
    ]


def test_missing_sheets_and_columns() -> None:
    with pytest.raises(PlanSheetError) as caught:
        read_plan_sheets([SheetData("Sheet1", (("a", "b"),))], KNOWN)
    assert {(p.kind, p.sheet) for p in caught.value.problems} == {
        (SheetProblemKind.SHEET_MISSING, "任务分解表"),
        (SheetProblemKind.SHEET_MISSING, "计划"),
    }
    narrow = [
        SheetData("任务分解表", (("重点任务", "牵头单位"), ("a", "b"))),
        SheetData("计划", PLAN_ROWS),
    ]
    with pytest.raises(PlanSheetError) as caught:
        read_plan_sheets(narrow, KNOWN)
    assert [(p.kind, p.column) for p in caught.value.problems] == [
        (SheetProblemKind.COLUMN_MISSING, "具体措施/节点"),
        (SheetProblemKind.COLUMN_MISSING, "完成时限"),
    ]


def test_codes_from_the_sheet_are_used_and_generated_ones_are_stable() -> None:
    head = (*HEAD, "任务编号", "节点编号")
    rows = [
        (1, "类", "甲", "一", "区科技局", "", "2021年底", "X9", "X9-a"),
        (2, "类", "乙", "二", "区科技局", "", "2021年底", "", ""),
        (None, None, "乙", "三", "区科技局", "", "2021年底", "", ""),
    ]
    data = [SheetData("任务分解表", (head, *rows)), SheetData("计划", PLAN_ROWS)]  # type: ignore[arg-type]
    spec = read_plan_sheets(data, KNOWN)
    assert [(i.code, [m.code for m in i.milestones]) for i in spec.items] == [
        ("X9", ["X9-a"]),
        ("A2", ["A2-1", "A2-2"]),
    ]
    assert read_plan_sheets(data, KNOWN) == spec


def test_the_shinan_plan_round_trips_through_the_sheets(shinan: PlanSpec) -> None:
    assert read_plan_sheets(plan_sheets(shinan), ()) == shinan


def test_the_shinan_plan_round_trips_through_yaml(shinan: PlanSpec) -> None:
    assert parse_plan_text(dump_plan_yaml(shinan), "export.yaml") == shinan


def test_the_template_imports_as_its_example(tmp_path: Path) -> None:
    spec = read_plan_sheets(template_sheets(), ())
    assert [(i.code, i.title.zh, i.lead, i.supporting, i.due) for i in spec.items] == [
        ("A1", "网络设施筑基", "gxj", ("fgj", "zjj"), date(2020, 12, 31))
    ]


def test_what_only_the_plan_file_rules_catch_is_placed_at_its_row() -> None:
    rows = [(1, "类", "任务", "节\x01点", "区科技局", "", "2021年底")]
    with pytest.raises(PlanSheetError) as caught:
        read_plan_sheets(sheets(rows), KNOWN)
    (problem,) = caught.value.problems
    assert (problem.kind, problem.sheet, problem.row) == (
        SheetProblemKind.PLAN_RULE,
        "任务分解表",
        2,
    )
    assert "(A1-1).title: the text holds control characters" in str(problem.facts["detail"])


@pytest.mark.parametrize(
    ("cell", "exact"),
    [
        (date(2020, 9, 25), True),
        ("2020-09-25", True),
        ("2020年9月25日", True),
        ("2020-09-25前", False),  # done by then: the day not given
        ("2020年9月25日之前", False),
        ("2020年9月", False),
        ("2020年底", False),
    ],
)
def test_a_completion_cell_names_a_day_or_only_a_bound(cell: Any, exact: bool) -> None:
    assert names_a_day(cell) is exact


@pytest.mark.parametrize(
    ("cell", "precision"),
    [
        (date(2019, 6, 28), "day"),
        ("2019年6月28日", "day"),
        ("2019年6月", "month"),
        ("2019-06", "month"),
        ("2019年", "year"),
        (2019, "year"),
        ("2019年底", "day"),  # a named day: 31 December (or 1 January for a start)
    ],
)
def test_a_fact_cell_gives_a_day_a_month_or_a_year(cell: Any, precision: str) -> None:
    assert date_precision(cell) == precision
