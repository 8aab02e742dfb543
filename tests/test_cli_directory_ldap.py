"""`flask users resolve NAME` and `flask directory sync`, against a real slapd."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.auth.test_ldap_signin import account, attempt
from tests.conftest import table_snapshot
from tests.directory_servers import (
    Slapd,
    directory,  # noqa: F401  (fixture)
    free_port,
    group_dn,
    person_dn,
    slapd,  # noqa: F401  (fixture)
)
from tests.factories import create_department, create_user
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import AuditEvent
from tracker.services.commands.directory import map_group


@pytest.fixture
def mapped(directory: Slapd) -> Slapd:  # noqa: F811
    create_department("gxj")
    create_department("fgw")
    who = Who(now=datetime(2020, 10, 1, tzinfo=UTC), address="test")
    map_group(who, group_dn("gxj-leads"), "dept_lead", "gxj")
    map_group(who, group_dn("fgw-leads"), "dept_lead", "fgw")
    map_group(who, group_dn("leaders"), "leader")
    db.session.commit()
    return directory


def test_resolve_shows_the_entry_and_what_the_mapping_gives_and_writes_nothing(
    mapped: Slapd, runner: FlaskCliRunner
) -> None:
    before = table_snapshot()
    result = runner.invoke(args=["users", "resolve", "wang"])
    assert result.exit_code == 0, result.output
    assert f"Directory entry: {person_dn('wang')}" in result.output
    assert "E-mail: wang@shinan.gov.cn" in result.output
    assert "Department attribute: fgw" in result.output
    assert "Role: dept_lead" in result.output
    assert "Department: fgw" in result.output
    assert f"Mapped groups: {group_dn('fgw-leads')}" in result.output
    assert "No account yet" in result.output
    assert table_snapshot() == before


@pytest.mark.parametrize(
    ("username", "words"),
    [
        ("sun", "Refused: none of their groups is mapped."),
        ("zhao", "Refused: their groups give two departments"),
        ("nobody", "The directory has no 'nobody'"),
        ("*", "The directory has no '*'"),
    ],
)
def test_resolve_says_why_someone_may_not_sign_in_with_status_1(
    mapped: Slapd, runner: FlaskCliRunner, username: str, words: str
) -> None:
    result = runner.invoke(args=["users", "resolve", username])
    assert result.exit_code == 1
    assert words in result.output


def test_resolve_names_a_local_account_as_local(mapped: Slapd, runner: FlaskCliRunner) -> None:
    create_user("li", "admin")
    result = runner.invoke(args=["users", "resolve", "li"])
    assert result.exit_code == 0
    assert "li is a local account (admin)" in result.output


def test_resolve_with_the_directory_down_says_so_with_status_2(
    mapped: Slapd, app: Flask, runner: FlaskCliRunner
) -> None:
    app.config["TRACKER_LDAP_URL"] = f"ldap://127.0.0.1:{free_port()}"
    result = runner.invoke(args=["users", "resolve", "li"])
    assert result.exit_code == 2
    assert "The directory does not answer" in result.output


def test_resolve_without_ldap_configured(app: Flask, runner: FlaskCliRunner) -> None:
    app.config["TRACKER_LDAP_URL"] = ""
    result = runner.invoke(args=["users", "resolve", "li"])
    assert result.exit_code == 1
    assert "LDAP sign-in is off" in result.output


def test_sync_ends_the_sessions_of_who_left_or_changed_and_keeps_the_rest(
    mapped: Slapd, app: Flask, runner: FlaskCliRunner
) -> None:
    clients = {name: app.test_client() for name in ("li", "chen", "wang")}
    for name, client in clients.items():
        assert attempt(client, name).status_code == 302
    mapped.remove_person("chen")
    mapped.add_member("leaders", "li")
    result = runner.invoke(args=["directory", "sync"])
    assert result.exit_code == 0, result.output
    assert "chen\tgone: not in the directory (sessions ended)" in result.output
    assert "li\tchanged: leader (sessions ended)" in result.output
    assert "wang\tcurrent" in result.output
    assert "3 directory accounts checked; sessions ended for 2." in result.output
    assert clients["chen"].get("/profile").status_code == 302
    assert clients["li"].get("/profile").status_code == 302
    assert clients["wang"].get("/profile").status_code == 200
    assert attempt(app.test_client(), "li").status_code == 302
    user = account("li")
    assert user is not None
    assert user.role == "leader"
    ended = db.session.scalars(
        sa.select(AuditEvent.target_label).where(AuditEvent.action == "directory_sessions_ended")
    )
    assert sorted(ended) == ["chen", "li"]


def test_sync_with_the_directory_down_changes_nothing(
    mapped: Slapd, app: Flask, runner: FlaskCliRunner
) -> None:
    client = app.test_client()
    assert attempt(client, "li").status_code == 302
    before = table_snapshot()
    mapped.stop()
    result = runner.invoke(args=["directory", "sync"])
    assert result.exit_code == 2
    assert "The directory does not answer" in result.output
    assert table_snapshot() == before
    assert client.get("/profile").status_code == 200
