"""Storing evidence files: what is accepted, what is refused, and that refusals leave nothing,
in the database and in a shared directory alike."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage

from tests.domain.test_filetypes import (
    SAMPLES,
    docx_bytes,
    exe_bytes,
    pdf_bytes,
    png_bytes,
    zip_bytes,
)
from tests.factories import create_user, department
from tracker.domain.filetypes import CONTENT_TYPES, AttachmentProblem, FileType
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.messages import messages
from tracker.models import Attachment, AttachmentContent, Item, Milestone, Report, User
from tracker.services.exports.attachment_storage import (
    AttachmentStorage,
    DatabaseStorage,
    DirectoryStorage,
    attachment_storage,
)
from tracker.services.exports.attachments import MAX_BYTES, store_attachment

NOW = datetime(2020, 12, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def wang(seeded: Flask) -> User:
    return create_user("wang", "dept_lead", department=department("gxj"))


def milestone(code: str) -> Milestone:
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == code))


def item(code: str) -> Item:
    return db.session.scalar(sa.select(Item).where(Item.code == code))


def store(
    data: bytes,
    name: str | None,
    user: User,
    storage: AttachmentStorage,
    *,
    report: Report | None = None,
) -> Attachment:
    t13 = milestone("T1-3")
    return store_attachment(
        FileStorage(io.BytesIO(data), filename=name),
        item=t13.item,
        milestone=t13,
        report=report,
        user=user,
        now=NOW,
        storage=storage,
    )


def stored_files(storage: AttachmentStorage) -> list[str]:
    return storage.stored_names()


def attachment_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))


def test_files_go_into_the_database_by_default_and_nothing_under_instance(
    app: Flask, wang: User
) -> None:
    """Several app machines share the database, never one machine's ``instance/``."""
    storage = attachment_storage(app)
    assert isinstance(storage, DatabaseStorage)
    attachment = store(pdf_bytes(), "月报.pdf", wang, storage)
    db.session.commit()
    assert db.session.get(AttachmentContent, attachment.stored_name).data == pdf_bytes()
    assert not (Path(app.instance_path) / "attachments").exists()


def test_files_go_into_the_shared_directory_when_one_is_set(
    app: Flask, wang: User, tmp_path: Path
) -> None:
    shared = tmp_path / "nfs" / "attachments"
    app.config["TRACKER_ATTACHMENTS_DIR"] = str(shared)
    storage = attachment_storage(app)
    assert isinstance(storage, DirectoryStorage)
    attachment = store(pdf_bytes(), "月报.pdf", wang, storage)
    db.session.commit()
    path = shared / attachment.stored_name
    assert path.read_bytes() == pdf_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttachmentContent)) == 0
    assert not (Path(app.instance_path) / "attachments").exists()


@pytest.mark.parametrize("kind", list(FileType))
def test_each_allowed_type_is_stored_with_its_original_name(
    wang: User, storage: AttachmentStorage, kind: FileType
) -> None:
    make, name = SAMPLES[kind]
    data = make()
    attachment = store(data, name, wang, storage)
    db.session.commit()

    db.session.expire_all()
    row = db.session.get(Attachment, attachment.id)
    assert row.original_name == name
    assert row.content_type == CONTENT_TYPES[kind]
    assert row.size == len(data)
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert (row.item_id, row.milestone_id, row.report_id) == (
        item("T1").id,
        milestone("T1-3").id,
        None,
    )
    assert (row.uploaded_by_id, row.uploaded_at) == (wang.id, NOW)
    # Stored under a random name without an ending, never under the name the user gave.
    assert re.fullmatch(r"[0-9a-f]{32}", row.stored_name)
    assert stored_files(storage) == [row.stored_name]
    assert storage.read(row.stored_name) == data


def test_jpeg_may_be_named_jpeg_too(wang: User, storage: AttachmentStorage) -> None:
    make, _name = SAMPLES[FileType.JPEG]
    assert store(make(), "照片.JPEG", wang, storage).content_type == "image/jpeg"


def test_file_of_a_report_is_linked_to_it(wang: User, storage: AttachmentStorage) -> None:
    t13 = milestone("T1-3")
    report = Report(
        plan_id=t13.plan_id,
        item_id=t13.item_id,
        milestone_id=t13.id,
        author_id=wang.id,
        department_id=wang.department_id,
        submitted_at=NOW,
        base_version=t13.version,
    )
    db.session.add(report)
    db.session.flush()
    attachment = store(pdf_bytes(), "铁塔公司月报.pdf", wang, storage, report=report)
    db.session.commit()
    db.session.expire_all()
    assert [a.id for a in db.session.get(Report, report.id).attachments] == [attachment.id]


def test_path_parts_of_the_name_are_dropped(wang: User, storage: AttachmentStorage) -> None:
    attachment = store(pdf_bytes(), "C:\\Users\\王\\..\\月报.pdf", wang, storage)
    assert attachment.original_name == "月报.pdf"


@pytest.mark.parametrize(
    ("data", "name", "problem"),
    [
        pytest.param(exe_bytes(), "月报.pdf", AttachmentProblem.TYPE_NOT_ALLOWED, id="exe as pdf"),
        pytest.param(png_bytes(), "月报.pdf", AttachmentProblem.NAME_MISMATCH, id="png as pdf"),
        pytest.param(pdf_bytes(), "月报.exe", AttachmentProblem.NAME_MISMATCH, id="pdf as exe"),
        pytest.param(pdf_bytes(), "月报", AttachmentProblem.NAME_MISMATCH, id="no ending"),
        pytest.param(b"", "月报.pdf", AttachmentProblem.EMPTY, id="empty"),
        pytest.param(b"", "", AttachmentProblem.EMPTY, id="no file chosen"),
        pytest.param(
            zip_bytes(["readme.txt"]), "说明.docx", AttachmentProblem.TYPE_NOT_ALLOWED, id="zip"
        ),
        pytest.param(docx_bytes(), "说明.xlsx", AttachmentProblem.NAME_MISMATCH, id="docx as xlsx"),
        pytest.param(
            b"%PDF-" + b"0" * (MAX_BYTES - 4),
            "大文件.pdf",
            AttachmentProblem.TOO_LARGE,
            id="10 MB + 1 byte",
        ),
    ],
)
def test_refused_files_leave_nothing(
    wang: User, storage: AttachmentStorage, data: bytes, name: str, problem: AttachmentProblem
) -> None:
    with pytest.raises(Refused) as refused:
        store(data, name, wang, storage)
    assert refused.value.problems == [problem]
    assert refused.value.context["name"] == name
    db.session.rollback()
    assert stored_files(storage) == []
    assert attachment_rows() == 0


def test_exactly_10_mb_is_accepted(wang: User, storage: AttachmentStorage) -> None:
    data = b"%PDF-" + b"0" * (MAX_BYTES - 5)
    assert len(data) == MAX_BYTES
    attachment = store(data, "大文件.pdf", wang, storage)
    db.session.commit()
    assert attachment.size == MAX_BYTES
    assert storage.read(attachment.stored_name) == data


class EndlessStream(io.RawIOBase):
    """A stream that never ends, counting what was read from it."""

    def __init__(self) -> None:
        self.handed_out = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        size = min(len(buffer), 64 * 1024)
        buffer[:size] = (b"%PDF-" + b"0" * size)[:size]
        self.handed_out += size
        return size


def test_reads_no_more_than_one_byte_past_the_limit(wang: User, storage: AttachmentStorage) -> None:
    stream = EndlessStream()
    t13 = milestone("T1-3")
    with pytest.raises(Refused) as refused:
        store_attachment(
            FileStorage(stream, filename="无穷.pdf"),
            item=t13.item,
            milestone=t13,
            report=None,
            user=wang,
            now=NOW,
            storage=storage,
        )
    assert refused.value.problems == [AttachmentProblem.TOO_LARGE]
    assert stream.handed_out == MAX_BYTES + 1


def test_rolled_back_transaction_removes_its_files(wang: User, storage: AttachmentStorage) -> None:
    """A report form refused after its file was stored must not leave the file behind."""
    store(pdf_bytes(), "月报.pdf", wang, storage)
    assert len(stored_files(storage)) == 1
    db.session.rollback()
    assert stored_files(storage) == []
    assert attachment_rows() == 0


def test_committed_files_stay_after_a_later_rollback(
    wang: User, storage: AttachmentStorage
) -> None:
    kept = store(pdf_bytes(), "月报.pdf", wang, storage)
    db.session.commit()
    store(png_bytes(), "截图.png", wang, storage)
    db.session.rollback()
    assert stored_files(storage) == [kept.stored_name]
    assert storage.read(kept.stored_name) == pdf_bytes()


def test_milestone_of_another_item_is_a_programming_error(
    wang: User, storage: AttachmentStorage
) -> None:
    with pytest.raises(ValueError, match="another item"):
        store_attachment(
            FileStorage(io.BytesIO(pdf_bytes()), filename="月报.pdf"),
            item=item("P2"),
            milestone=milestone("T1-3"),
            report=None,
            user=wang,
            now=NOW,
            storage=storage,
        )
    assert stored_files(storage) == []


@pytest.mark.parametrize(
    ("data", "name", "wording"),
    [
        (b"", "月报.pdf", "月报.pdf: the file is empty, or no file was chosen."),
        (b"%PDF-" + b"0" * MAX_BYTES, "月报.pdf", "月报.pdf: a file may be at most 10 MB."),
        (
            b"MZ not an accepted file",
            "月报.pdf",
            "月报.pdf: only PDF, PNG, JPEG, DOCX and XLSX files are accepted.",
        ),
        (
            b"\x89PNG\r\n\x1a\n" + b"0" * 64,
            "月报.pdf",
            "月报.pdf: the file is a PNG file, but its name does not end in .png. "
            "Rename it and upload it again.",
        ),
        (b"", "", "(no name): the file is empty, or no file was chosen."),
    ],
)
def test_messages_name_the_file_and_the_problem(
    app: Flask, wang: User, storage: AttachmentStorage, data: bytes, name: str, wording: str
) -> None:
    with pytest.raises(Refused) as refused:
        store(data, name, wang, storage)
    db.session.rollback()
    with app.test_request_context("/plans/shinan-2020/?lang=en"), force_locale("en"):
        assert messages(refused.value) == [wording]
