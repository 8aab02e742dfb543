"""Downloading evidence files, for those allowed to read them and nobody else.

A file of a report is readable like the report (its department, the reviewers and leadership
until it is approved, everyone signed in afterwards); any other file like its item. Whoever
may not read a file gets 404, as for a file that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import time
import unicodedata
from urllib.parse import quote

from flask import abort, current_app, request
from werkzeug.wrappers import Response

from tracker.access import allowed, item_target, report_target
from tracker.attachments import bp
from tracker.domain.policy import Action
from tracker.loaders import attachment_by_id
from tracker.models import Attachment
from tracker.services.exports.attachment_storage import StoredFile, attachment_storage


def _readable(attachment: Attachment) -> bool:
    """Whether the current user may read the file: as its report, or else as its item."""
    report = attachment.report
    if report is not None:
        return allowed(Action.VIEW_REPORT, report_target(report))
    return allowed(Action.VIEW_ITEM, item_target(attachment.item))


def _download_names(name: str) -> dict[str, str]:
    """``filename`` for old browsers and, for a non-ASCII name, RFC 5987 ``filename*``
    (as :func:`flask.send_file` words them)."""
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+-.^_`|~')}"}
    return {"filename": name}


def _streamed(attachment: Attachment, stored: StoredFile) -> Response:
    """The file sent in pieces with its length, tagged by its checksum: a client holding it
    gets 304 (nothing is read), and a range request the part it asked for."""
    response = current_app.response_class(
        stored.chunks, mimetype=attachment.content_type, direct_passthrough=True
    )
    response.content_length = stored.size
    response.headers.set(
        "Content-Disposition", "attachment", **_download_names(attachment.original_name)
    )
    response.set_etag(attachment.sha256)
    response.last_modified = attachment.uploaded_at
    response.expires = int(time.time())  # type: ignore[assignment]
    response.make_conditional(request, accept_ranges=True, complete_length=stored.size)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/attachments/<int:attachment_id>")
def download(attachment_id: int) -> Response:
    """The file under its original name, always as a download and never sniffed as HTML."""
    attachment = attachment_by_id(attachment_id)
    if not _readable(attachment):
        abort(404)
    stored = attachment_storage(current_app).find(attachment.stored_name)
    if stored is None:
        abort(404)
    return _streamed(attachment, stored)
