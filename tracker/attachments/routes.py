"""Downloading evidence files, for those allowed to read them and nobody else.

A file of a report is readable like the report (its department, the reviewers and leadership
until it is approved, everyone signed in afterwards); any other file like its item. Whoever
may not read a file gets 404, as for a file that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

from flask import abort, current_app, send_file
from werkzeug.wrappers import Response

from tracker.access import allowed, item_target, report_target
from tracker.attachments import bp
from tracker.domain.policy import Action
from tracker.loaders import attachment_by_id
from tracker.models import Attachment
from tracker.services.exports.attachments import attachment_directory, attachment_path


def _readable(attachment: Attachment) -> bool:
    """Whether the current user may read the file: as its report, or else as its item."""
    report = attachment.report
    if report is not None:
        return allowed(Action.VIEW_REPORT, report_target(report))
    return allowed(Action.VIEW_ITEM, item_target(attachment.item))


@bp.get("/attachments/<int:attachment_id>")
def download(attachment_id: int) -> Response:
    """The file under its original name, always as a download and never sniffed as HTML."""
    attachment = attachment_by_id(attachment_id)
    if not _readable(attachment):
        abort(404)
    path = attachment_path(attachment, attachment_directory(current_app))
    if path is None or not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        conditional=True,
        etag=attachment.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
