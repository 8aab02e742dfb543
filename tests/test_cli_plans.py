"""`flask plans import|export|list|state`: load a workbook or plan file, list every problem,
export; list the plans and move them through their states."""

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
    state = db.session.scalar(sa.select(Plan.state).where(Plan.code == "office-2021"))
    assert state == "draft"


def test_import_active_starts_a_new_plan_active(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "分解表.xlsx"
    path.write_bytes(messy_workbook())
    assert runner.invoke(args=["plans", "import", "--active", str(path)]).exit_code == 0
    state = db.session.scalar(sa.select(Plan.state).where(Plan.code == "office-2021"))
    assert state == "active"


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


def test_list_and_move_a_plan_through_its_states(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed"]).exit_code == 0
    listed = runner.invoke(args=["plans", "list"])
    assert listed.exit_code == 0
    assert listed.output.startswith("shinan-2020          active")
    closed = runner.invoke(args=["plans", "state", "shinan-2020", "closed"])
    assert closed.exit_code == 0, closed.output
    assert closed.output == "Plan shinan-2020: active → closed.\n"
    db.session.expire_all()
    plan = db.session.scalar(sa.select(Plan))
    assert plan.state == "closed"
    assert plan.closed_on is not None
    assert "(closed on " in runner.invoke(args=["plans", "list"]).output


def test_a_move_the_rules_refuse_is_an_error_and_changes_nothing(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert runner.invoke(args=["seed"]).exit_code == 0
    before = table_snapshot()
    refused = runner.invoke(args=["plans", "state", "shinan-2020", "draft"])
    assert refused.exit_code == 1
    assert "cannot move to that state" in refused.output
    assert runner.invoke(args=["plans", "state", "nowhere", "closed"]).exit_code == 1
    assert runner.invoke(args=["plans", "state", "shinan-2020", "finished"]).exit_code == 2
    assert table_snapshot() == before


def test_a_closed_plans_file_is_not_loaded(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert runner.invoke(args=["plans", "state", "shinan-2020", "closed"]).exit_code == 0
    before = table_snapshot()
    for args in (["seed"], ["plans", "import", str(DEFAULT_PLAN)]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "Plan shinan-2020 is closed" in result.output
    assert table_snapshot() == before
