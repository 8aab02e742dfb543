"""`flask plans import|export`: load a workbook or plan file, list every problem, export."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import table_snapshot
from tests.workbooks import broken_workbook, messy_workbook
from tracker.cli import DEFAULT_PLAN
from tracker.domain.planfile import parse_plan_text
from tracker.extensions import db
from tracker.models import Plan
from tracker.services.exports.plan_workbook import read_plan_workbook
from tracker.services.queries.plan_spec import find_plan_by_code, known_departments, plan_spec


def test_import_a_workbook_prints_what_it_created(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "分解表.xlsx"
    path.write_bytes(messy_workbook())
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "分解表.xlsx: plan office-2021 loaded.",
        "  created: groups 2, items 3, milestones 6, plans 1",
    ]
    again = runner.invoke(args=["plans", "import", str(path)])
    assert again.stdout == "分解表.xlsx: plan office-2021 is already up to date.\n"


def test_a_bad_workbook_lists_every_problem_and_writes_nothing(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(broken_workbook())
    before = table_snapshot()
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 6
    assert lines[
        0
    ] == "bad.xlsx: 任务分解表 · row 3 · 牵头单位*: Unknown department 区大数据局: " + (
        "add it to the 部门 sheet or correct the name."
    )
    assert lines[5].startswith("bad.xlsx: 任务分解表 · row 5 · 完成时限（必填）: 2023-12-31 lies")
    assert result.stdout == ""
    assert table_snapshot() == before


def test_not_a_workbook(seeded: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"hello")
    result = runner.invoke(args=["plans", "import", str(path)])
    assert result.exit_code == 1
    assert "not an Excel workbook" in result.stderr


def test_import_a_plan_file_under_another_code(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["plans", "import", str(DEFAULT_PLAN), "--code", "copy-2020"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(sa.select(Plan.code)).all() == ["copy-2020"]
    bad = runner.invoke(args=["plans", "import", str(DEFAULT_PLAN), "--code", "no spaces"])
    assert bad.exit_code == 2


def test_export_yaml_to_standard_output_reads_back(seeded: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["plans", "export", "shinan-2020"])
    assert result.exit_code == 0
    stored = plan_spec(find_plan_by_code("shinan-2020"))  # type: ignore[arg-type]
    assert parse_plan_text(result.stdout, "out.yaml") == stored


def test_export_xlsx_to_a_file_round_trips(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "shinan.xlsx"
    result = runner.invoke(
        args=["plans", "export", "shinan-2020", "--format", "xlsx", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    stored = plan_spec(find_plan_by_code("shinan-2020"))  # type: ignore[arg-type]
    assert read_plan_workbook(target.read_bytes(), known_departments()) == stored
    before = table_snapshot()
    again = runner.invoke(args=["plans", "import", str(target)])
    assert again.stdout == "shinan.xlsx: plan shinan-2020 is already up to date.\n"
    assert table_snapshot() == before


def test_export_an_unknown_plan(seeded: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["plans", "export", "nope"])
    assert result.exit_code == 1
    assert "No plan 'nope'." in result.stderr
