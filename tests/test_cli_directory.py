"""`flask directory map|unmap|list`: the mapping of directory groups from the command line."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import table_snapshot

LEADS = "cn=gxj-leads,ou=groups,dc=shinan,dc=gov,dc=cn"


def test_map_list_map_again_and_unmap(seeded: Flask, runner: FlaskCliRunner) -> None:
    done = runner.invoke(
        args=[
            "directory",
            "map",
            "CN=GXJ-Leads,ou=groups,dc=shinan,dc=gov,dc=cn",
            "--role",
            "dept_lead",
            "--department",
            "gxj",
        ]
    )
    assert done.exit_code == 0, done.output
    assert done.stdout == f"{LEADS} → dept_lead of gxj\n"
    assert runner.invoke(args=["directory", "list"]).stdout == f"{LEADS}\tdept_lead\tgxj\n"
    again = runner.invoke(args=["directory", "map", LEADS, "--role", "viewer"])
    assert again.exit_code == 0, again.output
    assert runner.invoke(args=["directory", "list"]).stdout == f"{LEADS}\tviewer\t-\n"
    gone = runner.invoke(args=["directory", "unmap", LEADS])
    assert gone.exit_code == 0, gone.output
    assert runner.invoke(args=["directory", "list"]).stdout == ""


def test_bad_mappings_are_refused_in_words_and_write_nothing(
    seeded: Flask, runner: FlaskCliRunner
) -> None:
    before = table_snapshot()
    lead = runner.invoke(args=["directory", "map", LEADS, "--role", "dept_lead"])
    assert lead.exit_code == 1
    assert "Department leads and staff need a department" in lead.stderr
    unknown = runner.invoke(
        args=["directory", "map", LEADS, "--role", "dept_lead", "--department", "nope"]
    )
    assert unknown.exit_code == 1
    assert "Unknown department." in unknown.stderr
    role = runner.invoke(args=["directory", "map", LEADS, "--role", "chief"])
    assert role.exit_code == 2
    assert "chief" in role.stderr
    missing = runner.invoke(args=["directory", "unmap", LEADS])
    assert missing.exit_code == 1
    assert "This group is not mapped." in missing.stderr
    assert table_snapshot() == before
