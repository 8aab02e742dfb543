"""`flask calendar load FILE`: the sample loads, loads again without change, and a file with a
bad line is refused as a whole, naming the line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.conftest import table_snapshot
from tracker.extensions import db
from tracker.models import CalendarDay

SAMPLE = Path(__file__).resolve().parents[1] / "tracker" / "samples" / "holidays-cn-2020-2022.csv"


def _days() -> dict[date, tuple[str, str]]:
    rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind, CalendarDay.name))
    return {day: (kind, name) for day, kind, name in rows}


def test_the_sample_loads_once_and_a_second_load_changes_nothing(
    app: Flask, runner: FlaskCliRunner
) -> None:
    first = runner.invoke(args=["calendar", "load", str(SAMPLE)])
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        "holidays-cn-2020-2022.csv: 112 days added, 0 changed, 0 already as listed.\n"
    )
    days = _days()
    assert days[date(2020, 10, 8)] == ("holiday", "国庆节、中秋节")
    assert days[date(2020, 10, 10)] == ("workday", "国庆节、中秋节调休上班")
    before = table_snapshot()
    again = runner.invoke(args=["calendar", "load", str(SAMPLE)])
    assert again.exit_code == 0, again.output
    assert again.stdout == (
        "holidays-cn-2020-2022.csv: 0 days added, 0 changed, 112 already as listed.\n"
    )
    assert table_snapshot() == before


def test_a_file_with_a_bad_line_is_refused_whole(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "2023.csv"
    path.write_text(
        "date,kind,name\n2023-01-02,holiday,元旦\n2023-01-28,workday,春节调休上班\n"
        "2023-02-30,holiday,春节\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["calendar", "load", str(path)])
    assert result.exit_code == 1
    assert result.stderr == "2023.csv: Line 4: the date is not a day; write it as YYYY-MM-DD.\n"
    assert _days() == {}


def test_a_changed_name_is_updated_and_other_days_kept(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    runner.invoke(args=["calendar", "load", str(SAMPLE)])
    path = tmp_path / "fix.csv"
    path.write_text("date,kind,name\n2020-10-01,holiday,国庆节\n2023-01-02,holiday,元旦\n")
    result = runner.invoke(args=["calendar", "load", str(path)])
    assert result.stdout == "fix.csv: 1 days added, 1 changed, 0 already as listed.\n"
    days = _days()
    assert days[date(2020, 10, 1)] == ("holiday", "国庆节")
    assert len(days) == 113
