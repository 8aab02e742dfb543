"""`flask attachments move`: files one machine kept in instance/attachments/ go into the
shared storage, checked against their rows; nothing that could not be stored is deleted."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import Result
from flask import Flask
from werkzeug.datastructures import FileStorage

from tests.domain.test_filetypes import pdf_bytes, png_bytes
from tests.factories import create_user, department
from tracker.extensions import db
from tracker.models import AttachmentContent, Milestone
from tracker.services.exports.attachment_storage import (
    DirectoryStorage,
    attachment_storage,
    local_attachment_directory,
)
from tracker.services.exports.attachments import store_attachment

NOW = datetime(2020, 12, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def local(seeded: Flask) -> dict[str, bytes]:
    """Two evidence files as earlier versions kept them: rows, and files on this machine."""
    wang = create_user("wang", "dept_lead", department=department("gxj"))
    t13 = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    kept = {}
    for data, name in ((pdf_bytes(), "月报.pdf"), (png_bytes(), "截图.png")):
        attachment = store_attachment(
            FileStorage(io.BytesIO(data), filename=name),
            item=t13.item,
            milestone=t13,
            report=None,
            user=wang,
            now=NOW,
            storage=DirectoryStorage(local_attachment_directory(seeded)),
        )
        kept[attachment.stored_name] = data
    db.session.commit()
    return kept


def move(app: Flask, *args: str) -> Result:
    result = app.test_cli_runner().invoke(args=["attachments", "move", *args])
    db.session.remove()  # read what the command committed
    return result


def in_database() -> dict[str, bytes]:
    return {row.stored_name: row.data for row in db.session.scalars(sa.select(AttachmentContent))}


def local_files(app: Flask) -> dict[str, bytes]:
    directory = local_attachment_directory(app)
    if not directory.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in directory.iterdir()}


def test_files_move_into_the_database_and_leave_this_machine(
    seeded: Flask, local: dict[str, bytes]
) -> None:
    result = move(seeded)
    assert result.exit_code == 0, result.output
    assert "into the database" in result.output
    assert "moved: 2" in result.output
    assert in_database() == local
    assert not local_attachment_directory(seeded).exists()


def test_moving_again_changes_nothing(seeded: Flask, local: dict[str, bytes]) -> None:
    assert move(seeded).exit_code == 0
    again = move(seeded)
    assert again.exit_code == 0, again.output
    assert "moved: 0" in again.output
    assert in_database() == local


def test_a_file_stored_before_a_crash_is_not_stored_twice(
    seeded: Flask, local: dict[str, bytes]
) -> None:
    """A run that stored a file but stopped before deleting it: the next run only deletes."""
    name = sorted(local)[0]
    db.session.execute(sa.insert(AttachmentContent), [{"stored_name": name, "data": local[name]}])
    db.session.commit()
    result = move(seeded)
    assert result.exit_code == 0, result.output
    assert "moved: 1" in result.output
    assert "already stored: 1" in result.output
    assert in_database() == local
    assert local_files(seeded) == {}


def test_files_move_into_a_shared_directory_when_one_is_set(
    seeded: Flask, local: dict[str, bytes], tmp_path: Path
) -> None:
    shared = tmp_path / "nfs" / "attachments"
    seeded.config["TRACKER_ATTACHMENTS_DIR"] = str(shared)
    result = move(seeded)
    assert result.exit_code == 0, result.output
    assert f"into the directory {shared}" in result.output
    assert {path.name: path.read_bytes() for path in shared.iterdir()} == local
    assert in_database() == {}
    assert local_files(seeded) == {}


def test_a_dry_run_changes_nothing(seeded: Flask, local: dict[str, bytes]) -> None:
    result = move(seeded, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would move: 2" in result.output
    assert in_database() == {}
    assert local_files(seeded) == local


def test_a_file_whose_checksum_differs_is_kept_and_not_stored(
    seeded: Flask, local: dict[str, bytes]
) -> None:
    damaged, good = sorted(local)
    (local_attachment_directory(seeded) / damaged).write_bytes(b"%PDF-changed")
    result = move(seeded)
    assert result.exit_code == 1
    assert "kept, sha256 differs from its row: 1" in result.output
    assert damaged in result.output
    assert in_database() == {good: local[good]}
    assert local_files(seeded) == {damaged: b"%PDF-changed"}


def test_a_file_no_row_names_is_kept(seeded: Flask, local: dict[str, bytes]) -> None:
    stray = local_attachment_directory(seeded) / "notes.txt"
    stray.write_bytes(b"not evidence")
    result = move(seeded)
    assert result.exit_code == 1
    assert "kept, no evidence row names it: 1" in result.output
    assert "notes.txt" in result.output
    assert in_database() == local
    assert stray.read_bytes() == b"not evidence"


def test_a_row_whose_file_is_nowhere_is_reported(seeded: Flask, local: dict[str, bytes]) -> None:
    lost, other = sorted(local)
    (local_attachment_directory(seeded) / lost).unlink()
    result = move(seeded)
    assert result.exit_code == 1
    assert "missing, neither here nor stored: 1" in result.output
    assert lost in result.output
    assert in_database() == {other: local[other]}


def test_a_file_that_cannot_be_stored_is_not_deleted(
    seeded: Flask, local: dict[str, bytes], tmp_path: Path
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    seeded.config["TRACKER_ATTACHMENTS_DIR"] = str(blocked / "attachments")
    result = move(seeded)
    assert result.exit_code == 1
    assert "kept, could not be stored: 2" in result.output
    assert local_files(seeded) == local
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttachmentContent)) == 0


def test_the_local_folder_itself_as_the_storage_is_refused(
    seeded: Flask, local: dict[str, bytes]
) -> None:
    seeded.config["TRACKER_ATTACHMENTS_DIR"] = str(local_attachment_directory(seeded))
    result = move(seeded)
    assert result.exit_code == 1
    assert "is the configured storage already" in result.output
    assert local_files(seeded) == local
    assert attachment_storage(seeded).stored_names() == sorted(local)


def test_nothing_to_move_on_a_machine_without_local_files(seeded: Flask) -> None:
    result = move(seeded)
    assert result.exit_code == 0, result.output
    assert "moved: 0" in result.output
