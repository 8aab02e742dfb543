"""Storing evidence files: what is accepted, what is refused, and that refusals leave nothing."""

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
from tracker.models import Attachment, Item, Milestone, Report, User
from tracker.services.exports.attachments import (
    MAX_BYTES,
    attachment_directory,
    store_attachment,
)

NOW = datetime(2020, 12, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def wang(seeded: Flask) -> User:
    return create_user("wang", "dept_lead", department=department("gxj"))


@pytest.fixture
def directory(app: Flask) -> Path:
    return attachment_directory(app)


def milestone(code: str) -> Milestone:
    return db.session.scalar(sa.select(Milestone).where(Milestone.code == code))


def item(code: str) -> Item:
    return db.session.scalar(sa.select(Item).where(Item.code == code))


def store(
    data: bytes, name: str | None, user: User, directory: Path, *, report: Report | None = None
) -> Attachment:
    t13 = milestone("T1-3")
    return store_attachment(
        FileStorage(io.BytesIO(data), filename=name),
        item=t13.item,
        milestone=t13,
        report=report,
        user=user,
        now=NOW,
        directory=directory,
    )


def stored_files(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


def attachment_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))


def test_directory_is_under_the_instance_folder_not_static(app: Flask) -> None:
    directory = attachment_directory(app)
    assert directory == Path(app.instance_path) / "attachments"
    assert directory.is_dir()
    assert "static" not in directory.parts


@pytest.mark.parametrize("kind", list(FileType))
def test_each_allowed_type_is_stored_with_its_original_name(
    wang: User, directory: Path, kind: FileType
) -> None:
    make, name = SAMPLES[kind]
    data = make()
    attachment = store(data, name, wang, directory)
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
    assert stored_files(directory) == [directory / row.stored_name]
    assert (directory / row.stored_name).read_bytes() == data


def test_jpeg_may_be_named_jpeg_too(wang: User, directory: Path) -> None:
    make, _name = SAMPLES[FileType.JPEG]
    assert store(make(), "照片.JPEG", wang, directory).content_type == "image/jpeg"


def test_file_of_a_report_is_linked_to_it(wang: User, directory: Path) -> None:
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
    attachment = store(pdf_bytes(), "铁塔公司月报.pdf", wang, directory, report=report)
    db.session.commit()
    db.session.expire_all()
    assert [a.id for a in db.session.get(Report, report.id).attachments] == [attachment.id]


def test_path_parts_of_the_name_are_dropped(wang: User, directory: Path) -> None:
    attachment = store(pdf_bytes(), "C:\\Users\\王\\..\\月报.pdf", wang, directory)
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
    wang: User, directory: Path, data: bytes, name: str, problem: AttachmentProblem
) -> None:
    with pytest.raises(Refused) as refused:
        store(data, name, wang, directory)
    assert refused.value.problems == [problem]
    assert refused.value.context["name"] == name
    db.session.rollback()
    assert stored_files(directory) == []
    assert attachment_rows() == 0


def test_exactly_10_mb_is_accepted(wang: User, directory: Path) -> None:
    data = b"%PDF-" + b"0" * (MAX_BYTES - 5)
    assert len(data) == MAX_BYTES
    attachment = store(data, "大文件.pdf", wang, directory)
    db.session.commit()
    assert attachment.size == MAX_BYTES
    assert (directory / attachment.stored_name).stat().st_size == MAX_BYTES


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


def test_reads_no_more_than_one_byte_past_the_limit(wang: User, directory: Path) -> None:
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
            directory=directory,
        )
    assert refused.value.problems == [AttachmentProblem.TOO_LARGE]
    assert stream.handed_out == MAX_BYTES + 1


def test_rolled_back_transaction_removes_its_files(wang: User, directory: Path) -> None:
    """A report form refused after its file was stored must not leave the file behind."""
    store(pdf_bytes(), "月报.pdf", wang, directory)
    assert len(stored_files(directory)) == 1
    db.session.rollback()
    assert stored_files(directory) == []
    assert attachment_rows() == 0


def test_committed_files_stay_after_a_later_rollback(wang: User, directory: Path) -> None:
    kept = store(pdf_bytes(), "月报.pdf", wang, directory)
    db.session.commit()
    store(png_bytes(), "截图.png", wang, directory)
    db.session.rollback()
    assert stored_files(directory) == [directory / kept.stored_name]


def test_milestone_of_another_item_is_a_programming_error(wang: User, directory: Path) -> None:
    with pytest.raises(ValueError, match="another item"):
        store_attachment(
            FileStorage(io.BytesIO(pdf_bytes()), filename="月报.pdf"),
            item=item("P2"),
            milestone=milestone("T1-3"),
            report=None,
            user=wang,
            now=NOW,
            directory=directory,
        )
    assert stored_files(directory) == []


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
    app: Flask, wang: User, directory: Path, data: bytes, name: str, wording: str
) -> None:
    with pytest.raises(Refused) as refused:
        store(data, name, wang, directory)
    db.session.rollback()
    with app.test_request_context("/plans/shinan-2020/?lang=en"), force_locale("en"):
        assert messages(refused.value) == [wording]
