"""Backups restore on either engine with every row and every evidence file, from and into
either storage of evidence files (the database, a shared directory)."""

from __future__ import annotations

import hashlib
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
from tracker.models import Attachment, AttachmentContent, Milestone
from tracker.services.commands.reports import submit_milestone_report
from tracker.services.exports.attachment_storage import (
    AttachmentStorage,
    DatabaseStorage,
    DirectoryStorage,
    attachment_storage,
)
from tracker.services.exports.attachments import store_attachment
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
        storage=attachment_storage(app),
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


def _files(storage: AttachmentStorage) -> list[bytes]:
    return sorted(storage.read(name) or b"" for name in storage.stored_names())


def _empty_app(url: str, instance: Path, attachments_dir: str = "") -> Flask:
    """Another deployment: its own database (migrated, empty) and instance folder."""
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "t",
            "TRACKER_ATTACHMENTS_DIR": attachments_dir,
        }
    )
    other.instance_path = str(instance)
    with other.app_context():
        upgrade()
        db.engine.dispose()
    return other


def _restore_elsewhere(backup: Path, url: str, instance: Path) -> tuple[dict, list[bytes], Flask]:
    other = _empty_app(url, instance)
    with other.app_context():
        restore_backup(backup, attachment_storage(other))
        snapshot = table_snapshot()
        files = _files(attachment_storage(other))
        db.session.remove()
        db.engine.dispose()
    return snapshot, files, other


def test_a_backup_restores_on_the_other_engine_with_every_row_and_file(
    seeded: Flask, tmp_path: Path
) -> None:
    _fill(seeded)
    before = table_snapshot()
    files_before = _files(attachment_storage(seeded))
    assert files_before == [pdf_bytes()]
    backup = tmp_path / "backup.zip"
    summary = write_backup(backup, attachment_storage(seeded))
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
    write_backup(backup, attachment_storage(seeded))
    before = table_snapshot()
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(backup, attachment_storage(seeded))
    assert table_snapshot() == before


def test_a_restore_refuses_a_file_that_is_not_a_backup(app: Flask, tmp_path: Path) -> None:
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(BackupError, match="not a Plan Tracker backup"):
        restore_backup(other, DirectoryStorage(tmp_path / "files"))
    (tmp_path / "plain.txt").write_text("not a zip")
    with pytest.raises(BackupError, match="Cannot read"):
        restore_backup(tmp_path / "plain.txt", DirectoryStorage(tmp_path / "files"))


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


def _stored(app: Flask) -> dict[str, bytes]:
    """Each evidence row's stored name and the bytes the app's storage holds for it."""
    with app.app_context():
        storage = attachment_storage(app)
        names = db.session.scalars(sa.select(Attachment.stored_name)).all()
        found = {name: storage.read(name) or b"" for name in names}
        db.session.remove()
        db.engine.dispose()
    return found


@pytest.mark.parametrize("target", ["database", "directory"])
def test_a_file_kept_in_the_database_survives_backup_and_restore_byte_identical(
    seeded: Flask, tmp_path: Path, target: str
) -> None:
    assert isinstance(attachment_storage(seeded), DatabaseStorage)
    _fill(seeded)
    row = db.session.scalar(sa.select(Attachment))
    kept = db.session.get(AttachmentContent, row.stored_name).data
    backup = tmp_path / "backup.zip"
    assert write_backup(backup, attachment_storage(seeded)).files == 1
    with zipfile.ZipFile(backup) as archive:
        assert archive.read(f"attachments/{row.stored_name}") == kept
        assert "tables/attachment_content.jsonl" not in archive.namelist()

    shared = str(tmp_path / "shared") if target == "directory" else ""
    other = _empty_app(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "b", shared)
    with other.app_context():
        summary = restore_backup(backup, attachment_storage(other))
        db.session.remove()
        db.engine.dispose()
    assert (summary.files, summary.unclaimed) == (1, 0)
    restored = _stored(other)
    assert restored == {row.stored_name: pdf_bytes()}
    assert hashlib.sha256(restored[row.stored_name]).hexdigest() == row.sha256
    if target == "directory":
        assert (tmp_path / "shared" / row.stored_name).read_bytes() == pdf_bytes()
    assert not (tmp_path / "b" / "attachments").exists()


def test_files_of_a_shared_directory_are_restored_into_the_database(
    seeded: Flask, tmp_path: Path
) -> None:
    seeded.config["TRACKER_ATTACHMENTS_DIR"] = str(tmp_path / "shared")
    _fill(seeded)
    backup = tmp_path / "backup.zip"
    write_backup(backup, attachment_storage(seeded))
    other = _empty_app(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "b")
    with other.app_context():
        restore_backup(backup, attachment_storage(other))
        count = db.session.scalar(sa.select(sa.func.count()).select_from(AttachmentContent))
        db.session.remove()
        db.engine.dispose()
    assert count == 1
    assert list(_stored(other).values()) == [pdf_bytes()]


def _with_extra_entry(backup: Path, name: str) -> None:
    with zipfile.ZipFile(backup, "a") as archive:
        archive.writestr(name, b"extra")


@pytest.mark.parametrize("target", ["database", "directory"])
def test_a_failed_restore_leaves_neither_rows_nor_files(
    seeded: Flask, tmp_path: Path, target: str
) -> None:
    _fill(seeded)
    backup = tmp_path / "backup.zip"
    write_backup(backup, attachment_storage(seeded))
    _with_extra_entry(backup, "attachments/sub/evil")  # read after the rows and the real file
    shared = tmp_path / "shared"
    other = _empty_app(
        f"sqlite:///{tmp_path / 'restored.sqlite3'}",
        tmp_path / "b",
        str(shared) if target == "directory" else "",
    )
    with other.app_context():
        with pytest.raises(BackupError, match="Unexpected file name"):
            restore_backup(backup, attachment_storage(other))
        snapshot = table_snapshot()
        db.session.remove()
        db.engine.dispose()
    assert all(rows == [] for rows in snapshot.values())
    assert not shared.exists() or list(shared.iterdir()) == []


def test_a_file_no_row_names_is_left_out_of_a_restore(seeded: Flask, tmp_path: Path) -> None:
    _fill(seeded)
    backup = tmp_path / "backup.zip"
    write_backup(backup, attachment_storage(seeded))
    _with_extra_entry(backup, "attachments/" + "0" * 32)
    other = _empty_app(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "b")
    with other.app_context():
        summary = restore_backup(backup, attachment_storage(other))
        names = attachment_storage(other).stored_names()
        db.session.remove()
        db.engine.dispose()
    assert (summary.files, summary.unclaimed) == (1, 1)
    assert "0" * 32 not in names
    assert len(names) == 1
