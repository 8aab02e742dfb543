"""`flask --app tracker bulletin`: the month's bulletin written from the command line."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.factories import create_user, department
from tracker.domain.refusal import Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Bulletin, Milestone
from tracker.services.commands.reports import approve_report, submit_milestone_report

NOW = datetime(2021, 7, 2, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)


def kept() -> list[Bulletin]:
    return list(db.session.scalars(sa.select(Bulletin).order_by(Bulletin.id)))


def test_writes_the_docx_and_keeps_it(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "通报.docx"
    result = runner.invoke(
        args=["bulletin", "--plan", "shinan-2020", "--month", "2021-06", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote the bulletin of shinan-2020 for 2021-06 (No. 1 of that month" in result.output
    assert "figures as of 2021-06-30" in result.output
    document = docx.Document(io.BytesIO(target.read_bytes()))
    assert document.paragraphs[0].text == "《工业互联网·市南在行动》推进情况通报（2021年第6期）"
    [bulletin] = kept()
    assert (bulletin.month, bulletin.language, bulletin.created_by_id) == ("2021-06", "zh", None)
    assert bulletin.content == target.read_bytes()


def test_the_default_plan_and_english(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "june.docx"
    result = runner.invoke(
        args=["bulletin", "--month", "2021-06", "--lang", "en", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    document = docx.Document(str(target))
    assert document.paragraphs[0].text.endswith("progress bulletin (2021, No. 6)")


def test_issuing_again_prints_what_changed(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issued on 29 June, again on 2 July after an approval made on 30 June."""
    monkeypatch.setattr("tracker.clock.utcnow", lambda: datetime(2021, 6, 29, 2, tzinfo=UTC))
    first = runner.invoke(args=["bulletin", "--month", "2021-06", "-o", str(tmp_path / "a.docx")])
    assert first.exit_code == 0, first.output
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    li = create_user("li", "dept_lead", department=department("kjj"))
    milestone = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-4"))
    assert milestone is not None
    report = submit_milestone_report(
        Who(now=datetime(2021, 6, 29, 3, tzinfo=UTC), actor=wang),
        milestone,
        MilestoneReport(Status.ON_TRACK, 90, None, "基站加密"),
        version=milestone.version,
        today=date(2021, 6, 29),
    )
    approve_report(
        Who(now=datetime(2021, 6, 30, 2, tzinfo=UTC), actor=li), report, today=date(2021, 6, 30)
    )
    db.session.commit()
    monkeypatch.setattr("tracker.clock.utcnow", lambda: NOW)
    second = runner.invoke(args=["bulletin", "--month", "2021-06", "-o", str(tmp_path / "b.docx")])
    assert second.exit_code == 0, second.output
    assert "(No. 2 of that month" in second.output
    assert "Changed since No. 1:" in second.output
    assert "  Milestone T1-4 progress: " in second.output
    assert "  Reports approved this month: 0 → 1" in second.output
    third = runner.invoke(args=["bulletin", "--month", "2021-06", "-o", str(tmp_path / "c.docx")])
    assert "No figure changed since No. 2." in third.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--month", "2021-6"], "2021-6 is not a month: write it as YYYY-MM"),
        (["--month", "2019-12"], "2019-12 is outside the plan's period, 2020-01-01 to 2022-12-31."),
        (["--month", "2021-08"], "2021-08 has not begun yet"),
        (["--month", "2021-06", "--lang", "fr"], "fr is not a language bulletins are written in"),
        (["--month", "2021-06", "--plan", "nope"], "No plan 'nope'."),
    ],
)
def test_bad_input_exits_1_and_writes_nothing(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path, args: list[str], words: str
) -> None:
    target = tmp_path / "out.docx"
    result = runner.invoke(args=["bulletin", *args, "-o", str(target)])
    assert result.exit_code == 1
    assert words in result.output
    assert not target.exists()
    assert kept() == []


def test_an_unwritable_file_keeps_nothing(
    seeded: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "missing-folder" / "out.docx"
    result = runner.invoke(args=["bulletin", "--month", "2021-06", "-o", str(target)])
    assert result.exit_code == 1
    assert "Cannot write" in result.output
    assert kept() == []


def test_without_a_plan_it_says_so(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["bulletin", "--month", "2021-06", "-o", str(tmp_path / "x.docx")])
    assert result.exit_code == 1
    assert "No plan is loaded." in result.output
