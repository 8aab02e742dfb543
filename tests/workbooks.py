"""Workbooks as offices fill them in, built with openpyxl for the plan-import tests.

``messy_workbook`` is the realistic case: a title row over the headings, headings with stars,
full-width brackets and stray spaces, a task spanning rows in merged cells, a group heading
numbered 一、, dates as phrases (6月底, 年底前, 长期坚持, 上半年, 2021.9) and a real Excel date,
departments with and without the 市南区/区 prefix, separated by 、 ； and /, a blank line, and
a second group whose cells are left blank to mean "same as above".
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

HEADINGS = [
    "序号",
    "任务类别",
    " 重点任务 ",
    "具体措施／节点",
    "牵头单位*",
    "配合单位",
    "完成时限（必填）",
    "责任人",
    "备注",
]

MESSY_ROWS = [
    [
        1,
        "一、网络建设",
        "5G基站建设",
        "新建5G基站300处",
        "市南区工业和信息化局",
        "区发展和改革局、区住房和城乡建设局",
        "2021年6月底",
        "张三",
        "",
    ],
    [None, None, None, "重点场景覆盖", None, None, "年底前", "李四", None],
    [None, None, None, "持续优化网络", None, None, "长期坚持", None, "常态化"],
    [
        2,
        None,
        "工业互联网平台",
        "建设平台 ",
        "科技局",
        "区财政局；区商务局",
        "2022年上半年",
        "王五",
        None,
    ],
    [None] * 9,
    [
        3,
        "人才引育",
        "引进人才",
        "引进高端人才10名",
        "区人力资源和社会保障局 ",
        "区科技局/区商务局",
        "2021.9",
        "赵六",
        None,
    ],
    [None, None, None, "举办培训", None, None, date(2021, 11, 30), None, None],
]


def _plan_sheet(workbook: Workbook, code: str = "office-2021") -> None:
    sheet = workbook.create_sheet("计划")
    sheet.append(["计划信息"])
    sheet.append(["计划编号 *", code])
    sheet.append(["计划名称", "2021年工业互联网重点任务"])
    sheet.append(["开始日期", "2021年1月"])
    sheet.append(["结束日期", "2022年底"])
    sheet.append(["发布日期（印发）", date(2021, 3, 15)])


def build(rows: list[list[object]], *, plan: bool = True, main: str = "任务分解表") -> bytes:
    """A workbook with a title row, the headings and ``rows``, merged as an office would."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = main
    sheet.append(["市南区2021年工业互联网重点任务分解表"])
    sheet.merge_cells("A1:I1")
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    if plan:
        _plan_sheet(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def messy_workbook() -> bytes:
    """The realistic workbook: merged group (B3:B6), task (C3:C5) and departments (E3:F5)."""
    workbook_bytes = build(MESSY_ROWS)
    from openpyxl import load_workbook  # noqa: PLC0415

    workbook = load_workbook(io.BytesIO(workbook_bytes))
    sheet = workbook["任务分解表"]
    for cells in ("B3:B6", "C3:C5", "E3:E5", "F3:F5", "A3:A5"):
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def broken_workbook() -> bytes:
    """Several problems at once, each in its own cell."""
    rows = [
        [
            1,
            "网络建设",
            "5G基站建设",
            "新建5G基站300处",
            "区大数据局",
            "区发展和改革局",
            "明年某时",
            None,
            None,
        ],
        [None, None, None, "", "区工业和信息化局", None, "2021年6月底", None, None],
        [None, None, None, "持续优化网络", "区商务局", None, "2023年底", None, None],
    ]
    return build(rows)
