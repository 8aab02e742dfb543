"""`flask seed`: loads a plan file, is idempotent, rejects bad files whole, updates in place.

With Click 8.2+ the CLI runner keeps stdout and stderr apart in ``result.stdout`` and
``result.stderr``; ``result.output`` holds both, interleaved as a terminal would show them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import FIXTURES, table_snapshot
from tracker import create_app
from tracker.cli import DEFAULT_PLAN
from tracker.extensions import db
from tracker.models import (
    CalendarDay,
    Instruction,
    Item,
    Measurement,
    Milestone,
    Plan,
    Postponement,
    Report,
    Update,
    User,
)
from tracker.services.queries.demo_history import history_digest

SHINAN = DEFAULT_PLAN.read_text(encoding="utf-8")
SMALL_PLAN = FIXTURES / "small-plan.yaml"


def seed(runner: FlaskCliRunner, *args: str) -> Any:
    return runner.invoke(args=["seed", *args])


def edit(old: str, new: str) -> Callable[[str], str]:
    """Replace the one occurrence of ``old`` in the Shinan file (so each bad file is deliberate)."""

    def apply(source: str) -> str:
        assert source.count(old) == 1, f"{old!r} must occur once in the Shinan file"
        return source.replace(old, new)

    return apply


BAD_FILES = [
    pytest.param(
        edit("  code: shinan-2020\n", "  code: [shinan-2020\n"),
        "not valid YAML: line ",
        id="malformed-yaml",
    ),
    pytest.param(
        edit("code: A6\n", "code: A6\n        lead_dept: gxj\n"),
        "unknown field 'lead_dept'",
        id="unknown-field",
    ),
    pytest.param(
        edit("        lead: czj\n", "        lead: cjz\n"),
        "groups[2].items[2] (A3).lead: unknown department 'cjz'",
        id="unknown-department",
    ),
    pytest.param(
        edit("code: T1-2\n", "code: T1-1\n"),
        "duplicate code 'T1-1' (first used at groups[0].items[0].milestones[0])",
        id="duplicate-code",
    ),
    pytest.param(
        edit(
            "due: 2020-12-31\n            weight: 2\n", "due: 2023-01-31\n            weight: 2\n"
        ),
        "(T1-3).due: 2023-01-31 is outside the plan's dates 2020-01-01..2022-12-31",
        id="milestone-outside-plan",
    ),
    pytest.param(
        edit("progress: 64\n", "progress: 101\n"),
        "(T1-3).progress: must be from 0 to 100, got 101",
        id="progress-101",
    ),
    pytest.param(
        edit("  report_date: 2020-09-25\n", ""),
        "plan.report_date: missing required field",
        id="missing-field",
    ),
    pytest.param(
        edit("  start: 2020-01-01\n  end:", "  start: 2020-1-1x\n  end:"),
        "plan.start: expected a date YYYY-MM-DD, got str '2020-1-1x'",
        id="wrong-type",
    ),
    pytest.param(
        edit(
            '  name: {zh: "《工业互联网·市南在行动》"',
            '  name: {zh: "《工业互联网·市南在行动》\\0"',
        ),
        "plan.name: the text holds control characters (such as NUL); remove them",
        id="nul-in-a-name",
    ),
    pytest.param(
        edit('  name: {zh: "《工业互联网·市南在行动》"', '  name: {zh: "' + "长" * 2000 + '"'),
        "plan.name: the text has 2000 characters; at most 200 fit",
        id="name-too-long-for-its-column",
    ),
    pytest.param(
        edit(
            '        title: {zh: "企业平台培育行动", en: "Enterprise platforms"}\n',
            '        title: {zh: "企业平台培育行动", en: "Enterprise platforms"}\n'
            "        x: &a [1, 1]\n        y: *a\n",
        ),
        "aliases (*name) are not allowed in a plan file",
        id="alias",
    ),
    pytest.param(
        lambda source: source + "# " + "x" * (2 * 1024 * 1024) + "\n",
        "a plan file may have 2097152",
        id="file-too-large",
    ),
    pytest.param(
        edit(
            "        supporting: [fgj, zjj]\n        start: 2020-01-01\n",
            "        supporting: [fgj, zjj]\n        start: 2021-01-01\n",
        ),
        "(T1-1).due: 2020-09-25 is before the item's start 2021-01-01",
        id="milestone-before-item-start",
    ),
]


@pytest.fixture(params=["empty", "seeded"])
def database(request: pytest.FixtureRequest, app: Flask) -> str:
    """Run a test on an empty database and on one with the Shinan plan loaded."""
    if request.param == "seeded":
        request.getfixturevalue("seeded")
    return request.param


def item(code: str, plan_code: str = "shinan-2020") -> Item:
    return db.session.scalars(
        sa.select(Item).join(Plan).where(Plan.code == plan_code, Item.code == code)
    ).one()


def milestone(code: str, plan_code: str = "shinan-2020") -> Milestone:
    return db.session.scalars(
        sa.select(Milestone).join(Plan).where(Plan.code == plan_code, Milestone.code == code)
    ).one()


# --- loading ------------------------------------------------------------------------------


def test_seed_loads_the_default_plan(runner: FlaskCliRunner) -> None:
    result = seed(runner)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("shinan-2020.yaml: plan shinan-2020 loaded.\n  created: ")
    assert "items 13," in result.stdout
    assert "groups 3," in result.stdout
    assert "departments 8," in result.stdout
    assert result.stderr == ""
    assert db.session.scalars(sa.select(Plan.code)).all() == ["shinan-2020"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Item)) == 13


def test_seed_loads_a_plan_given_by_path(runner: FlaskCliRunner) -> None:
    result = seed(runner, str(DEFAULT_PLAN))

    assert result.exit_code == 0, result.output
    assert "plan shinan-2020 loaded" in result.stdout
    assert item("T1").weight == 2


def test_seeding_twice_changes_nothing(runner: FlaskCliRunner) -> None:
    first = seed(runner)
    assert first.exit_code == 0, first.output
    before = table_snapshot()

    second = seed(runner)

    assert second.exit_code == 0, second.output
    assert second.stdout == "shinan-2020.yaml: plan shinan-2020 is already up to date.\n"
    assert "loaded" not in second.output
    assert table_snapshot() == before
    assert before["plan_update"], "the first load records the initial state of milestones"


def test_seeding_a_seeded_database_changes_nothing(seeded: Flask, runner: FlaskCliRunner) -> None:
    before = table_snapshot()

    result = seed(runner)

    assert result.exit_code == 0, result.output
    assert "already up to date" in result.stdout
    assert table_snapshot() == before


def test_small_plan_loads_beside_shinan(seeded: Flask, runner: FlaskCliRunner) -> None:
    # Its new department shows on every board (the department filter): every plan's data
    # version moves, and nothing else of theirs.
    before = table_snapshot(leave_out=("data_version",))

    result = seed(runner, str(SMALL_PLAN))

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("small-plan.yaml: plan small loaded.\n  created: ")
    assert sorted(db.session.scalars(sa.select(Plan.code))) == ["shinan-2020", "small"]
    small_items = db.session.scalars(
        sa.select(Item.code).join(Plan).where(Plan.code == "small").order_by(Item.code)
    ).all()
    assert small_items == ["X1", "X2", "Y1"]
    assert item("X1", "small").weight == 3
    assert milestone("X1-b", "small").department.code == "it"
    after = table_snapshot(leave_out=("data_version",))
    for table, rows in before.items():
        missing = set(rows) - set(after[table])
        assert not missing, f"{table}: loading another plan changed or removed {missing}"
    assert len(after["item"]) == len(before["item"]) + 3

    unchanged = table_snapshot()
    again = seed(runner, str(SMALL_PLAN))
    assert "already up to date" in again.stdout
    assert table_snapshot() == unchanged  # data versions included: nothing moved


# --- the demo and its sample history ------------------------------------------------------


def count(model: type[Any]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_seed_demo_plays_the_sample_history_once(runner: FlaskCliRunner) -> None:
    result = seed(runner, "--demo")

    assert result.exit_code == 0, result.output
    assert "Demo accounts (passwords are shown only now):" in result.stdout
    # Working days (receipts, the evaluation) follow the shipped sample calendar.
    assert "Holiday calendar (sample): " in result.stdout
    kinds = dict(db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind)).all())
    assert (kinds[date(2020, 10, 8)], kinds[date(2020, 10, 10)]) == ("holiday", "workday")
    days = count(CalendarDay)
    assert "Demo history (sample data, seed 2020): 2020-09-25 to 2022-12-31, " in result.stdout
    assert re.search(r"reports: \d+ \(\d+ approved, \d+ returned\)", result.stdout)
    assert "postponement requests: 3 (2 approved, 1 rejected)" in result.stdout
    digest = re.search(r"digest: ([0-9a-f]{64})", result.stdout)
    assert digest is not None
    reports, figures = count(Report), count(Measurement)
    assert reports > 300
    assert count(Instruction) == 4
    assert count(Postponement) == 3
    assert figures > 20

    again = seed(runner, "--demo")

    assert again.exit_code == 0, again.output
    assert "Demo accounts exist already" in again.stdout
    assert "Holiday calendar" not in again.stdout
    assert count(CalendarDay) == days
    assert "Demo history: nothing played, the demo history was played already." in again.stdout
    assert (count(Report), count(Measurement)) == (reports, figures)
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "shinan-2020"))
    assert plan is not None
    assert history_digest(plan) == digest.group(1)


def test_seed_demo_without_history_is_the_bare_demo(runner: FlaskCliRunner) -> None:
    result = seed(runner, "--demo", "--no-history")

    assert result.exit_code == 0, result.output
    assert "Demo accounts (passwords are shown only now):" in result.stdout
    assert "Demo history" not in result.stdout
    assert count(User) == 11
    assert count(Report) == count(Instruction) == count(Postponement) == 0
    origins = db.session.scalars(sa.select(Update.origin).distinct()).all()
    assert origins == ["plan_file"]


def test_seed_demo_takes_a_seed_and_any_plan_file(runner: FlaskCliRunner) -> None:
    result = seed(runner, str(SMALL_PLAN), "--demo", "--seed", "7")

    assert result.exit_code == 0, result.output
    assert "Demo history (sample data, seed 7): 2021-01-01 to 2021-12-31, " in result.stdout
    assert count(Report) > 0


@pytest.mark.parametrize("options", [["--no-history"], ["--seed", "7"]])
def test_history_options_go_with_demo(runner: FlaskCliRunner, options: list[str]) -> None:
    result = seed(runner, *options)

    assert result.exit_code == 2
    assert "--no-history and --seed go with --demo." in result.output
    assert count(Plan) == 0


# --- rejecting bad files ------------------------------------------------------------------


@pytest.mark.parametrize(("change", "problem"), BAD_FILES)
def test_bad_file_is_rejected_and_changes_nothing(
    database: str,
    runner: FlaskCliRunner,
    tmp_path: Path,
    change: Callable[[str], str],
    problem: str,
) -> None:
    path = tmp_path / "bad-plan.yaml"
    path.write_text(change(SHINAN), encoding="utf-8")
    before = table_snapshot()

    result = seed(runner, str(path))

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), "rejected with a message, not a crash"
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines
    assert all(line.startswith(f"{path}: ") for line in lines), result.stderr
    assert any(problem in line for line in lines), result.stderr
    assert table_snapshot() == before
    if database == "empty":
        assert not any(before.values())


def test_bad_file_with_several_problems_lists_them_all(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    source = edit("progress: 64\n", "progress: 101\n")(SHINAN)
    source = edit("code: T1-2\n", "code: T1-1\n")(source)
    path = tmp_path / "two-problems.yaml"
    path.write_text(source, encoding="utf-8")
    before = table_snapshot()

    result = seed(runner, str(path))

    assert result.exit_code == 1
    assert "(T1-3).progress: must be from 0 to 100, got 101" in result.stderr
    assert "groups[0].items[0].milestones[1]: duplicate code 'T1-1'" in result.stderr
    assert len(result.stderr.splitlines()) == 2
    assert table_snapshot() == before


def test_empty_file_is_rejected(database: str, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    before = table_snapshot()

    result = seed(runner, str(path))

    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}: ")
    assert table_snapshot() == before


def test_missing_file_is_reported(database: str, runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "no-such-plan.yaml"
    before = table_snapshot()

    result = seed(runner, str(path))

    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(f"{path}: cannot read the file")
    assert "No such file" in result.stderr
    assert result.stdout == ""
    assert table_snapshot() == before


def test_directory_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = seed(runner, str(tmp_path))

    assert result.exit_code == 2
    assert "is a directory" in result.stderr
    assert not any(table_snapshot().values())


def test_database_without_tables_is_reported(tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'blank.sqlite3'}",
            "SECRET_KEY": "test",
        }
    )
    # `flask` pushes an app context for app commands; the test runner does not
    with app.app_context():
        try:
            result = app.test_cli_runner().invoke(args=["seed"])
        finally:
            db.engine.dispose()

    assert result.exit_code == 1
    assert "no tables yet" in result.stderr
    assert "db upgrade" in result.stderr


# --- a revised file updates in place ------------------------------------------------------


def _revised_shinan() -> str:
    """The Shinan plan with T1-3's English title and due date and T1's weight changed."""
    data = yaml.safe_load(SHINAN)
    t1 = next(i for g in data["groups"] for i in g["items"] if i["code"] == "T1")
    assert t1["weight"] == 2
    t1["weight"] = 3
    t1_3 = next(m for m in t1["milestones"] if m["code"] == "T1-3")
    assert t1_3["due"] == date(2020, 12, 31)
    t1_3["due"] = date(2021, 3, 31)
    t1_3["title"]["en"] = "970 5G base stations opened by March 2021"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_changed_file_updates_in_place_and_keeps_history(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "shinan-revised.yaml"
    path.write_text(_revised_shinan(), encoding="utf-8")
    t1, t1_3 = item("T1"), milestone("T1-3")
    t1_id, t1_3_id, old_zh = t1.id, t1_3.id, t1_3.title_zh
    assert t1_3.baseline_due == date(2020, 12, 31)
    version = t1.plan.data_version
    before = table_snapshot(leave_out=("data_version",))
    db.session.expire_all()

    result = seed(runner, str(path))

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "shinan-revised.yaml: plan shinan-2020 loaded.\n  updated: items 1, milestones 1\n"
    )
    db.session.expire_all()
    t1, t1_3 = item("T1"), milestone("T1-3")
    assert (t1.id, t1_3.id) == (t1_id, t1_3_id)
    assert t1.weight == 3
    assert t1_3.title_en == "970 5G base stations opened by March 2021"
    assert t1_3.title_zh == old_zh
    assert t1_3.due == date(2021, 3, 31)
    assert t1_3.baseline_due == date(2021, 3, 31)
    # status and progress belong to the people reporting; the file does not reset them
    assert (t1_3.reported_status, t1_3.progress) == ("on_track", 64)

    assert t1.plan.data_version != version  # what the plan's pages show changed
    after = table_snapshot(leave_out=("data_version",))
    for table in before:
        if table in ("item", "milestone", "plan_update"):
            continue
        assert after[table] == before[table], f"{table} changed"
    assert len(after["item"]) == len(before["item"])
    assert len(after["milestone"]) == len(before["milestone"])

    old_history = before["plan_update"]
    assert old_history
    assert len(old_history) <= len(after["plan_update"])
    assert set(old_history) <= set(after["plan_update"]), "history rows were changed or deleted"

    old_ids = {row[0] for row in old_history}
    new_rows = db.session.scalars(
        sa.select(Update).where(Update.id.not_in(old_ids)).order_by(Update.id)
    ).all()
    assert len(new_rows) == 3
    assert {(u.item_id, u.milestone_id, u.field, u.old_value, u.new_value) for u in new_rows} == (
        {
            (t1_id, None, "weight", "2", "3"),
            (t1_id, t1_3_id, "due", "2020-12-31", "2021-03-31"),
            (
                t1_id,
                t1_3_id,
                "title_en",
                "970 5G base stations opened by the end of 2020",
                "970 5G base stations opened by March 2021",
            ),
        }
    )
    assert {(u.origin, u.note, u.user_id) for u in new_rows} == {
        ("plan_file", "shinan-revised.yaml", None)
    }

    unchanged = table_snapshot()
    again = seed(runner, str(path))
    assert "already up to date" in again.stdout
    assert table_snapshot() == unchanged  # data versions included: nothing moved


# --- regressions: each of these was once a bug ---------------------------------------------


def test_facts_in_any_order_reload_unchanged(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    data = yaml.safe_load(SMALL_PLAN.read_text(encoding="utf-8"))
    data["groups"][0]["items"][0]["facts"] = [
        {"date": date(2021, 1, 5), "text": {"zh": "后", "en": "Later"}},
        {"date": date(2020, 12, 1), "text": {"zh": "前", "en": "Earlier"}},
    ]
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert seed(runner, str(path)).exit_code == 0
    before = table_snapshot()

    again = seed(runner, str(path))

    assert "already up to date" in again.stdout
    assert table_snapshot() == before


@pytest.mark.parametrize("bad_date", ["2020-13-01", "2020-02-30"])
def test_unquoted_impossible_date_is_rejected_with_a_message(
    runner: FlaskCliRunner, tmp_path: Path, bad_date: str
) -> None:
    path = tmp_path / "bad-date.yaml"
    path.write_text(edit("  start: 2020-01-01\n  end:", f"  start: {bad_date}\n  end:")(SHINAN))

    result = seed(runner, str(path))

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.startswith(f"{path}: ")
    assert not any(table_snapshot().values())
