"""What a board URL asks for: the as-of day and the filters, shared by the board's pages and
its exports so a download matches the page it was started from.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_babel import gettext as _

from tracker.domain.league import SORT_KEYS
from tracker.domain.reminders import parse_day
from tracker.errors import BadRequestMessage
from tracker.models.plan import PlanHeader
from tracker.snapshots import SnapshotKey

BOARD_PARAMETERS = ("as_of", "group", "department", "status", "sort", "dir")
# Filtered boards are computed afresh: their keys would be as many as the values one can type.
FILTER_PARAMETERS = ("group", "department", "status")


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


def board_snapshot_key(
    plan: PlanHeader, *, as_of: date, today: date, args: dict[str, Any], locale: str
) -> SnapshotKey | None:
    """The snapshot key of an unfiltered board (sorted by a known column), else None."""
    if any(args.get(name) for name in FILTER_PARAMETERS):
        return None
    sort = args.get("sort", "on_time_rate")
    direction = args.get("dir", "desc")
    if sort not in SORT_KEYS or direction not in {"asc", "desc"}:
        return None
    parts = (as_of.isoformat(), today.isoformat(), locale, sort, direction, args.get("as_of", ""))
    return SnapshotKey("board", plan.id, plan.data_version, parts)
