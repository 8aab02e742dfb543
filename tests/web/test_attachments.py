"""Downloading evidence: only for those who may read it, under its original name, from any
app machine, wherever the files are kept (every test runs on both storages)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse

from tests.conftest import FreshContextClient
from tests.domain.test_filetypes import SAMPLES, pdf_bytes
from tests.factories import create_user, department, login
from tracker.domain.filetypes import CONTENT_TYPES, FileType
from tracker.extensions import db
from tracker.models import Attachment, AttachmentContent, Milestone, Report, User
from tracker.services.exports.attachment_storage import (
    AttachmentStorage,
    DirectoryStorage,
    attachment_storage,
)
from tracker.services.exports.attachments import store_attachment

NOW = datetime(2020, 12, 20, 9, 30, tzinfo=UTC)
NAME = "铁塔公司12月报告.pdf"


@pytest.fixture
def people(seeded: Flask, storage: AttachmentStorage) -> dict[str, User]:
    return {
        "wang": create_user("wang", "dept_lead", department=department("gxj")),  # leads T1
        "li": create_user("li", "dept_lead", department=department("kjj")),  # coordinating
        "commerce": create_user("commerce", "dept_lead", department=department("swj")),
        "viewer": create_user("viewer", "viewer"),
        "zhang": create_user("zhang", "leader"),
        "admin": create_user("admin", "admin"),
    }


def report_of_gxj(author: User, state: str = "submitted") -> Report:
    t13 = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    report = Report(
        plan_id=t13.plan_id,
        item_id=t13.item_id,
        milestone_id=t13.id,
        author_id=author.id,
        department_id=author.department_id,
        submitted_at=NOW,
        base_version=t13.version,
        state=state,
    )
    db.session.add(report)
    db.session.flush()
    return report


def attach(
    app: Flask, user: User, *, report: Report | None, data: bytes = b"", name: str = NAME
) -> Attachment:
    t13 = db.session.scalar(sa.select(Milestone).where(Milestone.code == "T1-3"))
    attachment = store_attachment(
        FileStorage(io.BytesIO(data or pdf_bytes()), filename=name),
        item=t13.item,
        milestone=t13,
        report=report,
        user=user,
        now=NOW,
        storage=attachment_storage(app),
    )
    db.session.commit()
    return attachment


class ClosingClient(FreshContextClient):
    """Reads each response whole and closes it, so no served file is left open."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response


def signed_in(app: Flask, username: str | None) -> FlaskClient:
    client = ClosingClient(app, app.response_class, use_cookies=True)
    if username:
        login(client, username)
    return client


@pytest.fixture
def pending(app: Flask, people: dict[str, User]) -> Attachment:
    """Director Wang's PDF on her pending report of T1-3."""
    return attach(app, people["wang"], report=report_of_gxj(people["wang"]))


def test_owner_downloads_the_file_under_its_chinese_name(app: Flask, pending: Attachment) -> None:
    response = signed_in(app, "wang").get(f"/attachments/{pending.id}")
    assert response.status_code == 200
    assert response.data == pdf_bytes()
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME)}" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize("username", ["li", "zhang", "admin"])
def test_reviewers_and_leadership_read_a_pending_report(
    app: Flask, pending: Attachment, username: str
) -> None:
    response = signed_in(app, username).get(f"/attachments/{pending.id}")
    assert response.status_code == 200
    assert response.data == pdf_bytes()


@pytest.mark.parametrize("username", ["viewer", "commerce"])
def test_others_cannot_tell_a_pending_file_exists(
    app: Flask, pending: Attachment, username: str
) -> None:
    client = signed_in(app, username)
    refused = client.get(f"/attachments/{pending.id}")
    missing = client.get("/attachments/999999")
    assert refused.status_code == missing.status_code == 404
    assert pdf_bytes() not in refused.data
    assert NAME not in refused.get_data(as_text=True)


def test_approved_report_files_are_readable_by_everyone_signed_in(
    app: Flask, people: dict[str, User]
) -> None:
    approved = attach(app, people["wang"], report=report_of_gxj(people["wang"], "approved"))
    for username in ("viewer", "commerce"):
        response = signed_in(app, username).get(f"/attachments/{approved.id}")
        assert response.status_code == 200, username
        assert response.data == pdf_bytes()


@pytest.mark.parametrize("state", ["returned", "withdrawn"])
def test_returned_or_withdrawn_reports_stay_with_their_department(
    app: Flask, people: dict[str, User], state: str
) -> None:
    attachment = attach(app, people["wang"], report=report_of_gxj(people["wang"], state))
    assert signed_in(app, "viewer").get(f"/attachments/{attachment.id}").status_code == 404
    assert signed_in(app, "wang").get(f"/attachments/{attachment.id}").status_code == 200


def test_file_without_a_report_is_read_like_its_item(app: Flask, people: dict[str, User]) -> None:
    attachment = attach(app, people["wang"], report=None)
    response = signed_in(app, "viewer").get(f"/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.data == pdf_bytes()


def test_anonymous_visitor_is_sent_to_sign_in(app: Flask, pending: Attachment) -> None:
    response = signed_in(app, None).get(f"/attachments/{pending.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("kind", list(FileType))
def test_every_type_is_served_with_its_own_content_type(
    app: Flask, people: dict[str, User], kind: FileType
) -> None:
    make, name = SAMPLES[kind]
    data = make()
    attachment = attach(app, people["wang"], report=None, data=data, name=name)
    response = signed_in(app, "wang").get(f"/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.mimetype == CONTENT_TYPES[kind]
    assert response.data == data
    assert quote(name) in response.headers["Content-Disposition"]


@pytest.mark.parametrize("attachment_id", ["0", "999999", "99999999999999999999"])
def test_unknown_ids_are_404(app: Flask, people: dict[str, User], attachment_id: str) -> None:
    assert signed_in(app, "admin").get(f"/attachments/{attachment_id}").status_code == 404


def lose_the_bytes(storage: AttachmentStorage, attachment: Attachment) -> None:
    """The row stays, its file is gone (a volume not mounted, a row deleted by hand)."""
    if isinstance(storage, DirectoryStorage):
        (storage.directory / attachment.stored_name).unlink()
    else:
        db.session.execute(
            sa.delete(AttachmentContent).where(
                AttachmentContent.stored_name == attachment.stored_name
            )
        )
        db.session.commit()


def test_file_gone_from_storage_is_404_not_500(
    app: Flask, pending: Attachment, storage: AttachmentStorage
) -> None:
    lose_the_bytes(storage, pending)
    assert signed_in(app, "wang").get(f"/attachments/{pending.id}").status_code == 404


def test_a_tampered_stored_name_is_never_followed(
    app: Flask, pending: Attachment, storage: AttachmentStorage
) -> None:
    place = storage.directory if isinstance(storage, DirectoryStorage) else Path(app.instance_path)
    secret = place.parent / "secret_key"
    secret.write_text("do not serve", encoding="utf-8")
    lose_the_bytes(storage, pending)  # a stored row's name cannot change under it
    row = db.session.get(Attachment, pending.id)
    row.stored_name = "../secret_key"
    db.session.commit()
    response = signed_in(app, "admin").get(f"/attachments/{pending.id}")
    assert response.status_code == 404
    assert b"do not serve" not in response.data


def test_a_file_uploaded_through_one_machine_is_served_by_another(
    app: Flask, pending: Attachment, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    """Machine B has its own (empty) instance folder and shares only the configured storage."""
    machine_b = make_app()
    machine_b.instance_path = str(tmp_path / "machine-b")
    response = signed_in(machine_b, "wang").get(f"/attachments/{pending.id}")
    assert response.status_code == 200
    assert response.data == pdf_bytes()
    assert not (tmp_path / "machine-b" / "attachments").exists()


def test_download_is_sent_in_pieces_with_its_length(
    app: Flask, people: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tracker.services.exports.attachment_storage.CHUNK", 1000)
    data = b"%PDF-" + bytes(range(256)) * 20
    attachment = attach(app, people["wang"], report=None, data=data, name="大.pdf")
    client = FreshContextClient(app, app.response_class, use_cookies=True)
    login(client, "wang")
    response = client.get(f"/attachments/{attachment.id}", buffered=False)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(data))
    pieces = list(response.response)
    response.close()
    assert len(pieces) == 6
    assert b"".join(pieces) == data


def test_a_client_holding_the_file_gets_304_and_a_range_its_part(
    app: Flask, pending: Attachment
) -> None:
    client = signed_in(app, "wang")
    full = client.get(f"/attachments/{pending.id}")
    assert full.headers["ETag"] == f'"{pending.sha256}"'
    again = client.get(
        f"/attachments/{pending.id}", headers={"If-None-Match": full.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["X-Content-Type-Options"] == "nosniff"
    part = client.get(f"/attachments/{pending.id}", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206
    assert part.data == pdf_bytes()[:10]
    assert part.headers["Content-Range"] == f"bytes 0-9/{len(pdf_bytes())}"
    assert "attachment;" in part.headers["Content-Disposition"]


def test_post_is_not_allowed(app: Flask, pending: Attachment) -> None:
    assert signed_in(app, "wang").post(f"/attachments/{pending.id}").status_code in {400, 405}
