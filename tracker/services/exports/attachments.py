"""Storing evidence files (佐证材料) under ``instance/attachments``, outside ``static/``.

:func:`store_attachment` checks an uploaded file (not empty, at most 10 MB, a PDF, PNG, JPEG,
DOCX or XLSX by its content, with a name that agrees), writes it under a random name and adds
its :class:`~tracker.models.Attachment` row. A refused file raises
:class:`~tracker.domain.refusal.Refused` naming the file (:mod:`tracker.messages` words it).
It flushes and leaves the commit to the caller; if the caller rolls back instead, the files
written in that transaction are removed, so a refused form leaves nothing on disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from werkzeug.datastructures import FileStorage

from tracker.domain.filetypes import (
    CONTENT_TYPES,
    EXTENSIONS,
    AttachmentProblem,
    clean_filename,
    name_matches,
    sniff,
)
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.models import Attachment, Item, Milestone, Report, User

MAX_BYTES = 10 * 1024 * 1024
STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 1024 * 1024
# Files written in the session's current transaction, removed again if it is rolled back.
_PENDING = "attachment_files_pending"


def attachment_directory(app: Flask) -> Path:
    """Where evidence files live: ``<instance>/attachments``, made when first needed."""
    directory = Path(app.instance_path) / "attachments"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def attachment_path(attachment: Attachment, directory: Path) -> Path | None:
    """The stored file of an attachment, or None when its stored name is not one of ours."""
    if not STORED_NAME.fullmatch(attachment.stored_name or ""):
        return None
    return directory / attachment.stored_name


def _read_at_most(stream: IO[bytes], limit: int) -> bytes:
    """Up to ``limit`` bytes: a stream may hand them over in smaller pieces."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = stream.read(min(_CHUNK, remaining))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def store_attachment(
    upload: FileStorage,
    *,
    item: Item,
    milestone: Milestone | None,
    report: Report | None,
    user: User,
    now: datetime,
    directory: Path,
) -> Attachment:
    """Check an uploaded file, write it to ``directory`` and add its row (flushed).

    Checked in order: something was sent, at most :data:`MAX_BYTES`, its content is one of
    the accepted types, and its name ends the way that type should. A refused file writes
    nothing. The original name is kept (without folders) for the download.
    """
    if milestone is not None and milestone.item_id != item.id:
        raise ValueError("the milestone belongs to another item")
    if report is not None and report.item_id != item.id:
        raise ValueError("the report belongs to another item")
    filename = clean_filename(upload.filename)
    data = _read_at_most(upload.stream, MAX_BYTES + 1)
    if not data:
        raise Refused([AttachmentProblem.EMPTY], name=filename)
    if len(data) > MAX_BYTES:
        raise Refused([AttachmentProblem.TOO_LARGE], name=filename, size=MAX_BYTES >> 20)
    kind = sniff(data)
    if kind is None:
        raise Refused([AttachmentProblem.TYPE_NOT_ALLOWED], name=filename)
    if not name_matches(filename, kind):
        raise Refused(
            [AttachmentProblem.NAME_MISMATCH],
            name=filename,
            type=kind.value.upper(),
            extension=EXTENSIONS[kind][0],
        )

    stored_name = uuid.uuid4().hex
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / stored_name
    with path.open("xb") as handle:
        handle.write(data)
    path.chmod(0o600)
    db.session.info.setdefault(_PENDING, []).append(path)
    attachment = Attachment(
        item_id=item.id,
        milestone_id=milestone.id if milestone is not None else None,
        report_id=report.id if report is not None else None,
        uploaded_by_id=user.id,
        uploaded_at=now,
        original_name=filename,
        stored_name=stored_name,
        content_type=CONTENT_TYPES[kind],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


@sa.event.listens_for(so.Session, "after_commit")
def _keep_committed_files(session: so.Session) -> None:
    session.info.pop(_PENDING, None)


@sa.event.listens_for(so.Session, "after_transaction_end")
def _remove_files_of_uncommitted_rows(session: so.Session, transaction: object) -> None:
    """A transaction rolled back or closed without commit keeps no row, so none of its files.

    ``after_commit`` runs first on a commit and takes the list away, so nothing is removed then.
    """
    if getattr(transaction, "parent", None) is not None:  # only the outermost transaction
        return
    for path in session.info.pop(_PENDING, []):
        with contextlib.suppress(OSError):
            path.unlink()
