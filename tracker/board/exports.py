"""Board exports: the 台账 ledger as an Excel workbook, for the archive and the meeting."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from flask import current_app, send_file, url_for
from werkzeug.wrappers import Response

from tracker.access import require
from tracker.board import bp
from tracker.board.filters import board_args, requested_as_of
from tracker.clock import today, utcnow
from tracker.domain.policy import Action
from tracker.loaders import the_plan
from tracker.services.exports.ledger import MIMETYPE, build_ledger, ledger_filename
from tracker.services.queries.progress import load_progress


@bp.get("/plans/<plan>/ledger.xlsx")
def ledger() -> Response:
    """The whole plan at ``?as_of=YYYY-MM-DD`` (default today) as a workbook to download.

    Always every group and item: the board's filters narrow the page, not the archive copy.
    """
    require(Action.VIEW_BOARD)
    plan = the_plan()
    now = today()
    as_of = requested_as_of(now)
    progress = load_progress(plan, as_of, current_app.config["TRACKER_BEHIND_MARGIN"], today=now)
    content = build_ledger(
        plan,
        progress,
        as_of,
        generated_at=utcnow(),
        zone=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]),
    )
    response = send_file(
        io.BytesIO(content),
        mimetype=MIMETYPE,
        as_attachment=True,
        download_name=ledger_filename(plan, as_of),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def ledger_url() -> str:
    """The ledger of the page being shown: its as-of day (and filters) carried over.

    Only the board's own parameters are passed on: others could steer ``url_for`` itself.
    """
    return url_for("board.ledger", **board_args())


@bp.context_processor
def export_links() -> dict[str, object]:
    """Board pages call ``ledger_url()`` for their download link."""
    return {"ledger_url": ledger_url}
