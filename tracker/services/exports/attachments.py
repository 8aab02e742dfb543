"""Storing evidence files (佐证材料), never under ``static/`` nor on one machine's disk.

:func:`store_attachment` checks an uploaded file (not empty, at most 10 MB, a PDF, PNG, JPEG,
DOCX or XLSX by its content, with a name that agrees), adds its
:class:`~tracker.models.Attachment` row and keeps its bytes under a random name in the
configured :mod:`~tracker.services.exports.attachment_storage`. A refused file raises
:class:`~tracker.domain.refusal.Refused` naming the file (:mod:`tracker.messages` words it).
It flushes and leaves the commit to the caller; if the caller rolls back instead, the bytes
written in that transaction go too, so a refused form leaves nothing.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import IO

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
from tracker.services.exports.attachment_storage import AttachmentStorage

MAX_BYTES = 10 * 1024 * 1024
_CHUNK = 1024 * 1024


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
    storage: AttachmentStorage,
) -> Attachment:
    """Check an uploaded file, add its row (flushed) and keep its bytes in ``storage``.

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
    db.session.flush()  # the row first: the stored bytes refer to it
    storage.add(stored_name, data)
    return attachment
