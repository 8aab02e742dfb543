"""Writing a plan into the template's sheets, and the empty template with its instructions.

The reverse of :mod:`tracker.domain.plan_sheet`: what it writes, that reads back as the same
plan. Group and item cells are merged over their rows, as an office's table looks. Pure:
the rows go to :mod:`tracker.services.exports.plan_workbook` to become a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from tracker.domain.plan_sheet import CellRange, SheetData
from tracker.domain.plan_sheet_layout import (
    DEPARTMENT_COLUMNS,
    DEPARTMENT_SHEET,
    ENTRY_LABELS_ZH,
    FACT_COLUMNS,
    FACT_SHEET,
    GROUP_COLUMNS,
    GUIDE_SHEET,
    INDICATOR_COLUMNS,
    INDICATOR_SHEET,
    ITEM_COLUMNS,
    KIND_LABELS_ZH,
    MAIN_COLUMNS,
    MAIN_SHEET,
    PLAN_FIELDS,
    PLAN_SHEET,
    SOURCE_LABELS_ZH,
    STATUS_LABELS_ZH,
    Column,
)
from tracker.domain.planfile import (
    DepartmentSpec,
    FactSpec,
    IndicatorSpec,
    ItemSpec,
    MilestoneSpec,
    PlanSpec,
)
from tracker.domain.sheet_values import CellValue

Row = tuple[CellValue, ...]


def _completion(milestone: MilestoneSpec) -> CellValue:
    """The completion day, or ``2020-09-25前`` when it is only known to be done by then."""
    if milestone.completed_on is None or milestone.completed_on_exact:
        return milestone.completed_on
    return f"{milestone.completed_on.isoformat()}前"


def _fact_date(fact: FactSpec) -> CellValue:
    """A fact's day, or ``2019年6月`` / ``2019年`` when its source gives no more."""
    if fact.precision == "year":
        return f"{fact.date.year}年"
    if fact.precision == "month":
        return f"{fact.date.year}年{fact.date.month}月"
    return fact.date


def _flag(value: bool) -> str:
    return "是" if value else "否"


def _number(value: float) -> float | int:
    """Whole numbers as integers, so a cell shows 2 rather than 2.0."""
    return int(value) if float(value).is_integer() else value


def _headers(columns: Sequence[Column]) -> Row:
    return tuple(column.label for column in columns)


def plan_sheets(spec: PlanSpec) -> tuple[SheetData, ...]:
    """Every sheet of the workbook for ``spec``, the instructions last."""
    names = _department_names(spec.departments)
    return (
        _main_sheet(spec, names),
        _plan_sheet(spec),
        _department_sheet(spec.departments),
        _fact_sheet(spec),
        _indicator_sheet(spec.indicators),
        guide_sheet(),
    )


def _department_names(departments: Sequence[DepartmentSpec]) -> dict[str, str]:
    """How the table names each department: its Chinese name, or its code if that is shared."""
    counts: dict[str, int] = {}
    for department in departments:
        counts[department.name.zh] = counts.get(department.name.zh, 0) + 1
    return {d.code: d.name.zh if counts[d.name.zh] == 1 else d.code for d in departments}


def _main_sheet(spec: PlanSpec, names: dict[str, str]) -> SheetData:
    keys = [column.key for column in MAIN_COLUMNS]
    rows: list[Row] = [_headers(MAIN_COLUMNS)]
    merged: list[CellRange] = []
    sequence = 0
    for group in spec.groups:
        group_first = len(rows) + 1
        for item in group.items:
            sequence += 1
            item_first = len(rows) + 1
            for m, milestone in enumerate(item.milestones):
                cells: dict[str, CellValue] = {
                    "milestone": milestone.title.zh,
                    "milestone_code": milestone.code,
                    "milestone_en": milestone.title.en,
                    "department": names.get(milestone.department, milestone.department),
                    "due": milestone.due,
                    "weight": _number(milestone.weight),
                    "status": STATUS_LABELS_ZH[milestone.status],
                    "progress": milestone.progress,
                    "completed_on": _completion(milestone),
                    "source": SOURCE_LABELS_ZH[milestone.source],
                }
                if m == 0:
                    cells |= _item_cells(item, names, sequence)
                if m == 0 and item_first == group_first:
                    cells |= {
                        "group": group.name.zh,
                        "group_code": group.code,
                        "group_kind": KIND_LABELS_ZH[group.kind],
                        "group_en": group.name.en,
                    }
                rows.append(tuple(cells.get(key) for key in keys))
            merged += _merges(keys, ITEM_COLUMNS, item_first, len(rows))
        merged += _merges(keys, GROUP_COLUMNS, group_first, len(rows))
    return SheetData(MAIN_SHEET, tuple(rows), tuple(merged))


def _item_cells(item: ItemSpec, names: dict[str, str], sequence: int) -> dict[str, CellValue]:
    return {
        "seq": sequence,
        "item": item.title.zh,
        "item_code": item.code,
        "item_en": item.title.en,
        "description": item.description.zh,
        "description_en": item.description.en,
        "lead": names.get(item.lead, item.lead),
        "supporting": "、".join(names.get(code, code) for code in item.supporting),
        "start": item.start,
        "item_due": item.due,
        "item_weight": _number(item.weight),
        "sample": _flag(item.sample),
    }


def _merges(keys: list[str], merged_keys: Sequence[str], first: int, last: int) -> list[CellRange]:
    if last <= first:
        return []
    return [CellRange(first, keys.index(key) + 1, last, keys.index(key) + 1) for key in merged_keys]


def _plan_sheet(spec: PlanSpec) -> SheetData:
    values: dict[str, CellValue] = {
        "code": spec.code,
        "name": spec.name.zh,
        "name_en": spec.name.en,
        "start": spec.start,
        "end": spec.end,
        "report_date": spec.report_date,
        "source": spec.source.zh,
        "source_en": spec.source.en,
    }
    rows: list[Row] = [("字段", "内容")]
    rows += [(field.label, values[field.key]) for field in PLAN_FIELDS]
    return SheetData(PLAN_SHEET, tuple(rows))


def _department_sheet(departments: Sequence[DepartmentSpec]) -> SheetData:
    rows: list[Row] = [_headers(DEPARTMENT_COLUMNS)]
    rows += [
        (d.code, d.name.zh, d.name.en, "", _flag(d.coordinating), _flag(d.sample))
        for d in departments
    ]
    return SheetData(DEPARTMENT_SHEET, tuple(rows))


def _fact_sheet(spec: PlanSpec) -> SheetData:
    rows: list[Row] = [_headers(FACT_COLUMNS)]
    rows += [
        (
            item.code,
            item.title.zh,
            _fact_date(fact),
            fact.text.zh,
            fact.text.en,
            SOURCE_LABELS_ZH[fact.source],
        )
        for item in spec.items
        for fact in item.facts
    ]
    return SheetData(FACT_SHEET, tuple(rows))


def _indicator_sheet(indicators: Sequence[IndicatorSpec]) -> SheetData:
    rows: list[Row] = [_headers(INDICATOR_COLUMNS)]
    for indicator in indicators:
        first: Row = (
            indicator.code,
            indicator.name.zh,
            indicator.name.en,
            indicator.unit.zh,
            indicator.unit.en,
            indicator.item or "",
        )
        rows.append(
            (
                *first,
                ENTRY_LABELS_ZH["baseline"],
                indicator.baseline_date,
                _number(indicator.baseline_value),
                "",
                "",
                "",
            )
        )
        rows += [
            (
                *first,
                ENTRY_LABELS_ZH["target"],
                t.date,
                _number(t.value),
                SOURCE_LABELS_ZH[t.source],
                "",
                "",
            )
            for t in indicator.targets
        ]
        rows += [
            (
                *first,
                ENTRY_LABELS_ZH["measurement"],
                m.date,
                _number(m.value),
                SOURCE_LABELS_ZH[m.source],
                m.note.zh,
                m.note.en,
            )
            for m in indicator.measurements
        ]
    return SheetData(INDICATOR_SHEET, tuple(rows))


# -- the empty template ---------------------------------------------------------------------

_EXAMPLE: dict[str, CellValue] = {
    "seq": 1,
    "group": "三大攻坚任务",
    "item": "网络设施筑基",
    "milestone": "年内开通5G基站970处",
    "lead": "区工业和信息化局",
    "supporting": "区发展和改革局、区住房和城乡建设局",
    "due": "2020年底",
    "person": "张三",
    "notes": "示例行：请替换为本单位的任务",
}


def template_sheets() -> tuple[SheetData, ...]:
    """The empty plan template: headings, one example row, example plan and departments."""
    keys = [column.key for column in MAIN_COLUMNS]
    main = SheetData(MAIN_SHEET, (_headers(MAIN_COLUMNS), tuple(_EXAMPLE.get(key) for key in keys)))
    plan_values: dict[str, CellValue] = {
        "code": "shinan-2020",
        "name": "《工业互联网·市南在行动》",
        "name_en": "Industrial Internet · Shinan in Action",
        "start": date(2020, 1, 1),
        "end": date(2022, 12, 31),
        "report_date": date(2020, 9, 25),
        "source": "",
        "source_en": "",
    }
    plan = SheetData(
        PLAN_SHEET,
        (("字段", "内容"), *((f.label, plan_values[f.key]) for f in PLAN_FIELDS)),
    )
    departments = SheetData(
        DEPARTMENT_SHEET,
        (
            _headers(DEPARTMENT_COLUMNS),
            (
                "gxj",
                "区工业和信息化局",
                "Shinan District Bureau of Industry and Information Technology",
                "工信局",
                "否",
                "否",
            ),
            (
                "fgj",
                "区发展和改革局",
                "Shinan District Development and Reform Bureau",
                "发改局",
                "否",
                "否",
            ),
            (
                "zjj",
                "区住房和城乡建设局",
                "Shinan District Housing and Urban-Rural Development Bureau",
                "住建局",
                "否",
                "否",
            ),
        ),
    )
    return (
        main,
        plan,
        departments,
        SheetData(FACT_SHEET, (_headers(FACT_COLUMNS),)),
        SheetData(INDICATOR_SHEET, (_headers(INDICATOR_COLUMNS),)),
        guide_sheet(),
    )


# Date phrases the reader understands, with what each means (shown in the 说明 sheet).
DATE_EXAMPLES = (
    ("2021-06-30、2021/6/30、2021.6.30、2021年6月30日", "当天", "that day"),
    (
        "2021年6月、2021年6月底、2021.6、2021/6",
        "当月最后一天（开始时间为第一天）",
        "the month's last day (first for a start)",
    ),
    ("2021年、2021年底、2021年年底、2021年内", "12月31日", "31 December"),
    ("2022年上半年 / 2022年下半年", "6月30日 / 12月31日", "30 June / 31 December"),
    ("2021年第三季度、2021年3季度", "季度最后一天", "the quarter's last day"),
    (
        "年底前、年内、6月底（无年份）",
        "按计划发布日期所在年份",
        "the year of the plan's report date",
    ),
    ("长期坚持、持续推进、常态化", "计划结束日期", "the plan's end date"),
    ("…前、…完成", "与不带“前”相同", "same as without 前"),
)


def guide_sheet() -> SheetData:
    """The 说明 sheet: what each sheet and column means, in Chinese and English."""
    rows: list[Row] = [
        ("计划模板说明 / About this template", "", "", "", ""),
        (
            "每个工作表按列标题（而非列的位置）读取；标题中的*号表示必填，括号中的注释和空格会被忽略。"
            "合并单元格的值适用于合并范围内的每一行；任务类别和重点任务为空时沿用上一行。",
            "",
            "",
            "",
            "",
        ),
        (
            "Columns are found by heading, not position; * marks a required column; notes in "
            "brackets and spaces are ignored. A merged cell counts for every row it covers; "
            "blank 任务类别 and 重点任务 cells repeat the row above.",
            "",
            "",
            "",
            "",
        ),
        (
            "部门按编号、全称或简称匹配，“市南区”“区”前缀和空格不影响匹配；表中出现而未知的部门会被列为问题，"
            "不会自动创建（请在“部门”表中登记）。",
            "",
            "",
            "",
            "",
        ),
        (
            "Departments are matched by code, full name or short name, with or without the "
            "市南区/区 prefix; an unknown name is reported, never created (declare it in 部门).",
            "",
            "",
            "",
            "",
        ),
        ("", "", "", "", ""),
        ("工作表 / Sheet", "列 / Column", "必填 / Required", "说明", "Explanation"),
    ]
    sheets = (
        (MAIN_SHEET, MAIN_COLUMNS),
        (PLAN_SHEET, PLAN_FIELDS),
        (DEPARTMENT_SHEET, DEPARTMENT_COLUMNS),
        (FACT_SHEET, FACT_COLUMNS),
        (INDICATOR_SHEET, INDICATOR_COLUMNS),
    )
    for sheet, columns in sheets:
        rows += [
            (sheet, c.header, "是" if c.required else "", c.help.zh, c.help.en) for c in columns
        ]
    rows += [("", "", "", "", ""), ("完成时限的写法 / Deadlines", "", "", "含义", "Meaning")]
    rows += [("", example, "", zh, en) for example, zh, en in DATE_EXAMPLES]
    return SheetData(GUIDE_SHEET, tuple(rows))
