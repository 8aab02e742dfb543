"""Loading the working-day calendar (holidays and make-up working days) from a file.

The file is read whole by :func:`tracker.domain.workdays.parse_calendar_csv` before anything is
written, so a bad line refuses the file (naming the line) and the calendar stays as it was.
Loading is idempotent: a day already held with the same kind and name is left alone, so the
same file loaded twice changes nothing the second time. Days the file does not list are kept
(a file per year adds its year).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tracker.data_version import EVERY_PLAN, mark_changed
from tracker.domain.refusal import Refused
from tracker.domain.workdays import CalendarError, CalendarProblem, parse_calendar_csv
from tracker.extensions import db
from tracker.models import CalendarDay

MAX_FILE_BYTES = 256 * 1024


@dataclass(frozen=True)
class CalendarLoad:
    """What a load did: days added, days changed (kind or name), days already as listed."""

    added: int
    changed: int
    unchanged: int


def load_calendar(data: bytes) -> CalendarLoad:
    """Keep the days a calendar file lists; flushes, never commits."""
    if len(data) > MAX_FILE_BYTES:
        raise Refused([CalendarProblem.TOO_LONG], line=0)
    entries = parse_calendar_csv(data)
    if isinstance(entries, CalendarError):
        raise Refused([entries.problem], line=entries.line)
    held = {
        row.day: row
        for row in db.session.scalars(
            sa.select(CalendarDay).where(CalendarDay.day.in_([e.day for e in entries]))
        )
    }
    added = changed = unchanged = 0
    for entry in entries:
        row = held.get(entry.day)
        if row is None:
            db.session.add(CalendarDay(day=entry.day, kind=entry.kind.value, name=entry.name))
            added += 1
        elif (row.kind, row.name) != (entry.kind.value, entry.name):
            row.kind, row.name = entry.kind.value, entry.name
            changed += 1
        else:
            unchanged += 1
    db.session.flush()
    if added or changed:
        # Every plan's evaluation counts working days by it: their pages and ETags change.
        mark_changed(db.session(), EVERY_PLAN)
    return CalendarLoad(added, changed, unchanged)
