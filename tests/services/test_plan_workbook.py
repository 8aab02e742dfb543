"""The plan workbook: a messy office table imports, bad bytes are refused, plans round-trip."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from openpyxl import load_workbook

from tests.conftest import parsed_plan, table_snapshot
from tests.workbooks import broken_workbook, messy_workbook
from tracker.cli import DEFAULT_PLAN
from tracker.domain.plan_sheet import PlanSheetError, SheetProblemKind
from tracker.domain.plan_yaml import dump_plan_yaml
from tracker.domain.planfile import PlanSpec, parse_plan_text
from tracker.extensions import db
from tracker.models import Department, Milestone, Plan
from tracker.services.commands.plan_import import preview_sync
from tracker.services.commands.plan_sync import sync_plan
from tracker.services.exports.plan_workbook import (
    plan_workbook,
    read_plan_file,
    read_plan_workbook,
    template_workbook,
)
from tracker.services.queries.plan_spec import find_plan_by_code, known_departments, plan_spec

NOW = datetime(2021, 3, 20, 8, tzinfo=UTC)


def test_a_messy_office_table_imports_as_the_plan_it_means(seeded: Flask) -> None:
    spec = read_plan_workbook(messy_workbook(), known_departments(), filename="分解表.xlsx")
    assert (spec.code, spec.start, spec.end, spec.report_date) == (
        "office-2021",
        date(2021, 1, 1),
        date(2022, 12, 31),
        date(2021, 3, 15),
    )
    assert [(g.code, g.kind, g.name.zh) for g in spec.groups] == [
        ("g1", "task", "网络建设"),
        ("g2", "task", "人才引育"),
    ]
    items = {i.code: i for i in spec.items}
    assert [(c, i.title.zh, i.lead, i.supporting, i.due) for c, i in items.items()] == [
        ("A1", "5G基站建设", "gxj", ("fgj", "zjj"), date(2022, 12, 31)),
        ("A2", "工业互联网平台", "kjj", ("czj", "swj"), date(2022, 6, 30)),
        ("B1", "引进人才", "rsj", ("kjj", "swj"), date(2021, 11, 30)),
    ]
    assert [(m.code, m.title.zh, m.due) for i in spec.items for m in i.milestones] == [
        ("A1-1", "新建5G基站300处", date(2021, 6, 30)),
        ("A1-2", "重点场景覆盖", date(2021, 12, 31)),  # 年底前: the year of the 发布日期
        ("A1-3", "持续优化网络", date(2022, 12, 31)),  # 长期坚持: the plan's end
        ("A2-1", "建设平台", date(2022, 6, 30)),  # 2022年上半年
        ("B1-1", "引进高端人才10名", date(2021, 9, 30)),  # 2021.9
        ("B1-2", "举办培训", date(2021, 11, 30)),  # a real Excel date
    ]
    # Importing the same file twice gives the same plan.
    assert read_plan_workbook(messy_workbook(), known_departments()) == spec


def test_a_broken_table_lists_every_problem_and_writes_nothing(seeded: Flask) -> None:
    before = table_snapshot()
    with pytest.raises(PlanSheetError) as caught:
        read_plan_workbook(broken_workbook(), known_departments())
    assert [(p.sheet, p.row, p.column, p.kind) for p in caught.value.problems] == [
        ("任务分解表", 3, "牵头单位*", SheetProblemKind.UNKNOWN_DEPARTMENT),
        ("任务分解表", 3, "完成时限（必填）", SheetProblemKind.BAD_DATE),
        ("任务分解表", 4, "牵头单位*", SheetProblemKind.CONFLICT),
        ("任务分解表", 4, "具体措施／节点", SheetProblemKind.REQUIRED),
        ("任务分解表", 5, "牵头单位*", SheetProblemKind.CONFLICT),
        ("任务分解表", 5, "完成时限（必填）", SheetProblemKind.DATE_OUTSIDE_PLAN),
    ]
    assert table_snapshot() == before
    assert (
        db.session.scalar(sa.select(Department).where(Department.name_zh == "区大数据局")) is None
    )


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", SheetProblemKind.NOT_A_WORKBOOK),
        (b"not a zip at all", SheetProblemKind.NOT_A_WORKBOOK),
        (_zip({"hello.txt": b"hi"}), SheetProblemKind.NOT_A_WORKBOOK),
        (
            _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<broken"}),
            SheetProblemKind.NOT_A_WORKBOOK,
        ),
        (b"PK\x03\x04" + b"\0" * (2 * 1024 * 1024), SheetProblemKind.TOO_LARGE),
    ],
    ids=["empty", "text", "plain-zip", "damaged-xlsx", "too-large"],
)
def test_bad_bytes_are_refused_with_one_clear_problem(data: bytes, kind: SheetProblemKind) -> None:
    with pytest.raises(PlanSheetError) as caught:
        read_plan_workbook(data, ())
    assert [p.kind for p in caught.value.problems] == [kind]


def test_the_template_downloads_with_its_instructions_and_imports(app: Flask) -> None:
    workbook = load_workbook(io.BytesIO(template_workbook()))
    assert workbook.sheetnames == ["任务分解表", "计划", "部门", "背景资料", "指标", "说明"]
    headings = [c.value for c in workbook["任务分解表"][1]]
    for needed in ("序号", "任务类别", "重点任务*", "具体措施/节点*", "牵头单位*", "配合单位"):
        assert needed in headings
    for needed in ("完成时限*", "责任人", "备注", "任务编号", "节点编号", "状态", "进度"):
        assert needed in headings
    guide = " ".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row if c.value)
    assert "长期坚持" in guide
    assert "Departments are matched by code" in guide
    spec = read_plan_workbook(template_workbook(), ())
    assert [m.title.zh for m in spec.items[0].milestones] == ["年内开通5G基站970处"]


def _shinan_from_database() -> PlanSpec:
    plan = find_plan_by_code("shinan-2020")
    assert plan is not None
    return plan_spec(plan)


def _sorted_departments(spec: PlanSpec) -> PlanSpec:
    """Departments are kept by code in the database; the file lists them in its own order."""
    items = {i.code: replace(i, supporting=tuple(sorted(i.supporting))) for i in spec.items}
    groups = tuple(replace(g, items=tuple(items[i.code] for i in g.items)) for g in spec.groups)
    departments = tuple(sorted(spec.departments, key=lambda d: d.code))
    return replace(spec, departments=departments, groups=groups)


def test_the_shinan_plan_from_the_database_is_the_plan_file(seeded: Flask) -> None:
    assert _shinan_from_database() == _sorted_departments(parsed_plan(DEFAULT_PLAN))


def test_xlsx_round_trip_of_the_stored_shinan_plan(seeded: Flask) -> None:
    exported = _shinan_from_database()
    back = read_plan_workbook(plan_workbook(exported), known_departments())
    assert back == exported
    assert read_plan_workbook(plan_workbook(exported), ()) == exported  # an empty database too
    assert len(back.indicators) == len(exported.indicators) > 0


def test_yaml_round_trip_of_the_stored_shinan_plan(seeded: Flask) -> None:
    exported = _shinan_from_database()
    assert parse_plan_text(dump_plan_yaml(exported), "shinan.yaml") == exported
    data = dump_plan_yaml(exported).encode("utf-8")
    assert read_plan_file(data, "shinan.yml", ()) == exported


def test_loading_the_export_again_changes_nothing(seeded: Flask) -> None:
    exported = _shinan_from_database()
    before = table_snapshot()
    report = sync_plan(
        read_plan_workbook(plan_workbook(exported), known_departments()), now=NOW, note="x"
    )
    db.session.commit()
    assert report.unchanged
    assert table_snapshot() == before


def test_preview_reports_what_loading_would_do_and_writes_nothing(seeded: Flask) -> None:
    spec = read_plan_workbook(messy_workbook(), known_departments())
    before = table_snapshot()
    report = preview_sync(spec, now=NOW, note="preview")
    assert report.created == {"plans": 1, "groups": 2, "items": 3, "milestones": 6}
    assert report.changed == {}
    assert table_snapshot() == before
    report = sync_plan(spec, now=NOW, note="confirm")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 2
    codes = db.session.scalars(
        sa.select(Milestone.code).join(Plan).where(Plan.code == "office-2021")
    ).all()
    assert sorted(codes) == ["A1-1", "A1-2", "A1-3", "A2-1", "B1-1", "B1-2"]


def test_a_yaml_file_with_a_code_loads_as_that_plan(app: Flask) -> None:
    data = DEFAULT_PLAN.read_bytes()
    spec = read_plan_file(data, "shinan-2020.yaml", (), code="copy")
    assert spec.code == "copy"
    with pytest.raises(PlanSheetError) as caught:
        read_plan_file(b"plan: [", "bad.yaml", ())
    assert caught.value.problems[0].kind is SheetProblemKind.PLAN_RULE
    assert "not valid YAML" in str(caught.value.problems[0].facts["detail"])
