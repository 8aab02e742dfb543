"""What a board URL asks for: the as-of day and the filters, shared by the board's pages and
its exports so a download matches the page it was started from.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_babel import gettext as _

from tracker.domain.reminders import parse_day
from tracker.errors import BadRequestMessage

BOARD_PARAMETERS = ("as_of", "group", "department", "status", "sort", "dir")


def requested_as_of(default: date) -> date:
    """``?as_of=YYYY-MM-DD`` (the board as it stood at the end of that day), else ``default``."""
    raw = request.args.get("as_of", "").strip()
    if not raw:
        return default
    try:
        return parse_day(raw)
    except ValueError:
        raise BadRequestMessage(
            _("The date %(value)s is not valid. Write dates as YYYY-MM-DD.", value=raw[:20])
        ) from None


def board_args() -> dict[str, Any]:
    """The board's own query parameters, to carry into its links (nothing else is echoed)."""
    return {key: request.args[key][:40] for key in BOARD_PARAMETERS if key in request.args}
