"""`flask bench-data`: writes the bench plans and says how to sign in; refuses the database of
`make run` and a database that holds plans, writing nothing."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import table_snapshot
from tracker.extensions import db
from tracker.models import Plan, Update


def test_bench_data_prints_the_plans_and_the_accounts(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["bench-data", "--plans", "2", "--milestones-per-item", "2", "--updates", "300"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Bench data written in ")
    assert "  plans 2, items 26, milestones 52, history rows 300" in lines
    assert "Plans: bench-01 bench-02" in lines
    assert "Accounts (password: bench-only-password):" in lines
    assert any(line.split() == ["bench-lead-kjj", "dept_lead", "kjj"] for line in lines)
    assert any(line.split() == ["bench-leader", "leader"] for line in lines)
    assert lines[-1] == "Set TRACKER_PLAN_CODE=bench-01 to make it the default plan."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Update)) == 300


def test_a_database_with_plans_is_refused(seeded: Flask, runner: FlaskCliRunner) -> None:
    before = table_snapshot()
    result = runner.invoke(args=["bench-data"])
    assert result.exit_code == 1
    assert "already holds plans" in result.stderr
    assert table_snapshot() == before


def test_beside_existing_plans_when_asked(seeded: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["bench-data", "--allow-existing-plans", "--milestones-per-item", "1"]
    )
    assert result.exit_code == 0, result.output
    codes = db.session.scalars(sa.select(Plan.code).order_by(Plan.code)).all()
    assert codes == ["bench-01", "shinan-2020"]


def test_the_database_of_make_run_is_refused(make_app, tmp_path: Path) -> None:
    default = tmp_path / "tracker.sqlite3"
    other = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{default}")
    other.instance_path = str(tmp_path)
    with other.app_context():  # the command runs in the app context it finds
        result = other.test_cli_runner().invoke(args=["bench-data"])
    assert result.exit_code == 1
    assert "database `make run` uses" in result.stderr
    assert "--into-default-database" in result.stderr
    assert not default.exists()


def test_a_bad_password_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["bench-data", "--password", "short"])
    assert result.exit_code == 1
    assert "Password refused for bench-admin: too short." in result.stderr
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 0
