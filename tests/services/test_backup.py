"""Backups restore on either engine with every row and every evidence file."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.datastructures import FileStorage

from tests.conftest import table_snapshot
from tests.databases import LOCAL_POSTGRES, scratch_postgres
from tests.domain.test_filetypes import pdf_bytes
from tests.factories import create_user, department, grow_plan
from tracker import create_app
from tracker.domain.refusal import Who
from tracker.domain.reporting import MilestoneReport
from tracker.domain.status import Status
from tracker.extensions import db
from tracker.models import Milestone
from tracker.services.commands.reports import submit_milestone_report
from tracker.services.exports.attachments import attachment_directory, store_attachment
from tracker.services.exports.backup import BackupError, restore_backup, write_backup

NOW = datetime(2020, 12, 20, 9, 30, tzinfo=UTC)


def _fill(app: Flask) -> None:
    """A plan with history, a pending report with an evidence file, and accounts."""
    grow_plan(2, history=True)
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    milestone = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    report = submit_milestone_report(
        Who(NOW, wang),
        milestone,
        MilestoneReport(Status.ON_TRACK, 40, None, "调研企业 12 家"),
        version=milestone.version,
        today=NOW.date(),
    )
    store_attachment(
        FileStorage(io.BytesIO(pdf_bytes()), filename="月报.pdf"),
        item=milestone.item,
        milestone=milestone,
        report=report,
        user=wang,
        now=NOW,
        directory=attachment_directory(app),
    )
    db.session.commit()


@contextmanager
def _other_engine(tmp_path: Path) -> Iterator[str]:
    """An empty database on the engine this run does not test (PostgreSQL ⇄ SQLite)."""
    if os.environ.get("TRACKER_TEST_DATABASE_URL", "").startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    try:
        with scratch_postgres(LOCAL_POSTGRES, "tracker_restore") as url:
            yield url
    except sa.exc.OperationalError:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 for the cross-engine restore")


def _restore_elsewhere(backup: Path, url: str, instance: Path) -> tuple[dict, list[bytes], Flask]:
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})
    other.instance_path = str(instance)
    with other.app_context():
        upgrade()
        restore_backup(backup, attachment_directory(other))
        snapshot = table_snapshot()
        files = sorted(p.read_bytes() for p in attachment_directory(other).iterdir())
        db.engine.dispose()
    return snapshot, files, other


def test_a_backup_restores_on_the_other_engine_with_every_row_and_file(
    seeded: Flask, tmp_path: Path
) -> None:
    _fill(seeded)
    before = table_snapshot()
    files_before = sorted(p.read_bytes() for p in attachment_directory(seeded).iterdir())
    backup = tmp_path / "backup.zip"
    summary = write_backup(backup, attachment_directory(seeded))
    assert summary.files == 1
    assert summary.rows["plan_update"] == len(before["plan_update"]) > 0

    with _other_engine(tmp_path) as url:
        after, files_after, other = _restore_elsewhere(backup, url, tmp_path / "other")
        assert after == before
        assert files_after == files_before
        # New rows get new ids after a restore (PostgreSQL sequences were moved on).
        with other.app_context():
            create_user("after-restore", "viewer")
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


def test_a_restore_refuses_a_database_that_holds_data(seeded: Flask, tmp_path: Path) -> None:
    backup = tmp_path / "backup.zip"
    write_backup(backup, attachment_directory(seeded))
    before = table_snapshot()
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(backup, attachment_directory(seeded))
    assert table_snapshot() == before


def test_a_restore_refuses_a_file_that_is_not_a_backup(app: Flask, tmp_path: Path) -> None:
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(BackupError, match="not a Plan Tracker backup"):
        restore_backup(other, tmp_path / "files")
    (tmp_path / "plain.txt").write_text("not a zip")
    with pytest.raises(BackupError, match="Cannot read"):
        restore_backup(tmp_path / "plain.txt", tmp_path / "files")


def test_backup_and_restore_commands(seeded: Flask, tmp_path: Path) -> None:
    runner = seeded.test_cli_runner()
    target = tmp_path / "nightly.zip"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    assert zipfile.is_zipfile(target)
    refused = runner.invoke(args=["restore", str(target)])
    assert refused.exit_code == 1
    assert "not empty" in refused.output
