"""Account commands: the first admin, scripted accounts, and demo accounts."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import load_plan
from tests.factories import create_user
from tracker.extensions import db
from tracker.models import AuditEvent, User


def user(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_create_first_admin_with_password_from_stdin(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create", "root", "--role", "admin", "--password-stdin"],
        input="a long admin passphrase\n",
    )
    assert result.exit_code == 0, result.output
    created = user("root")
    assert created is not None
    assert created.role == "admin"
    assert created.check_password("a long admin passphrase")
    assert not created.must_change_password
    assert "a long admin passphrase" not in result.output
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user_created"))
    assert (event.target_label, event.address) == ("root", "cli")


def test_weak_password_is_refused_and_nothing_written(app: Flask, runner: FlaskCliRunner) -> None:
    for password in ("short", "root-and-more-root"):
        result = runner.invoke(
            args=["users", "create", "root", "--role", "admin", "--password-stdin"],
            input=password + "\n",
        )
        assert result.exit_code == 1
        assert "Password refused" in result.stderr
    assert user("root") is None


def test_without_password_a_one_time_password_is_printed(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["users", "create", "zhang", "--role", "leader"])
    assert result.exit_code == 0
    one_time = re.search(r"One-time password .*: (\S+)", result.stdout).group(1)
    created = user("zhang")
    assert created.must_change_password
    assert created.check_password(one_time)


def test_dept_lead_needs_a_known_department(app: Flask, runner: FlaskCliRunner) -> None:
    load_plan()
    no_department = runner.invoke(args=["users", "create", "wang", "--role", "dept_lead"])
    assert no_department.exit_code == 1
    assert "department required" in no_department.stderr
    unknown = runner.invoke(
        args=["users", "create", "wang", "--role", "dept_lead", "--department", "nope"]
    )
    assert unknown.exit_code == 1
    assert "Unknown department" in unknown.stderr
    ok = runner.invoke(
        args=["users", "create", "wang", "--role", "dept_lead", "--department", "gxj"]
    )
    assert ok.exit_code == 0
    assert user("wang").department.code == "gxj"


def test_staff_is_bound_to_a_department_and_listed(app: Flask, runner: FlaskCliRunner) -> None:
    load_plan()
    no_department = runner.invoke(args=["users", "create", "zhao", "--role", "staff"])
    assert no_department.exit_code == 1
    assert "department required" in no_department.stderr
    ok = runner.invoke(args=["users", "create", "zhao", "--role", "staff", "--department", "gxj"])
    assert ok.exit_code == 0
    assert (user("zhao").role, user("zhao").department.code) == ("staff", "gxj")
    listed = runner.invoke(args=["users", "list"])
    assert "zhao\tstaff\tgxj\tactive" in listed.output


def test_unknown_role_and_duplicate_name_are_refused(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["users", "create", "x", "--role", "king"]).exit_code == 2
    create_user("taken")
    result = runner.invoke(args=["users", "create", "TAKEN", "--role", "viewer"])
    assert result.exit_code == 1
    assert "username taken" in result.stderr


def test_list_and_deactivate(app: Flask, runner: FlaskCliRunner) -> None:
    create_user("admin", "admin")
    create_user("wang")
    listing = runner.invoke(args=["users", "list"])
    assert listing.stdout.splitlines() == [
        "admin\tadmin\t-\tactive\tnever",
        "wang\tviewer\t-\tactive\tnever",
    ]
    result = runner.invoke(args=["users", "deactivate", "wang"])
    assert result.exit_code == 0
    assert not user("wang").active
    assert user("wang").session_version == 2
    again = runner.invoke(args=["users", "deactivate", "wang"])
    assert "already inactive" in again.stdout
    assert runner.invoke(args=["users", "deactivate", "ghost"]).exit_code == 1
    last_admin = runner.invoke(args=["users", "deactivate", "admin"])
    assert last_admin.exit_code == 1
    assert user("admin").active


def test_seed_demo_creates_one_account_per_role_and_department(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["seed", "--demo", "--no-history"])
    assert result.exit_code == 0, result.output
    accounts = result.stdout.split("Demo accounts (passwords are shown only now):")[1]
    printed = dict(re.findall(r"^  (\S+)\s+(\S+)\s+", accounts, re.MULTILINE))
    assert {"admin", "leader", "viewer", "lead-gxj", "lead-kjj"} <= set(printed)
    assert len(printed) == 3 + 8
    roles = {u.username: u.role for u in db.session.scalars(sa.select(User))}
    assert roles["admin"] == "admin"
    assert roles["leader"] == "leader"
    assert roles["viewer"] == "viewer"
    assert user("lead-wlj").department.code == "wlj"
    assert user("leader").check_password(printed["leader"])

    again = runner.invoke(args=["seed", "--demo", "--no-history"])
    assert "Demo accounts exist already" in again.stdout
    assert user("leader").check_password(printed["leader"])


def test_seed_without_demo_creates_no_account(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_seed_if_empty_leaves_a_loaded_database_alone(app: Flask, runner: FlaskCliRunner) -> None:
    load_plan()
    result = runner.invoke(args=["seed", "--if-empty", "--demo"])
    assert result.exit_code == 0
    assert "already holds a plan" in result.stdout
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
