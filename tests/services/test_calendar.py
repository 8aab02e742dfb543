"""Loading the holiday calendar (services/commands/calendar.py) from two places at once."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from tests.races import at_once
from tracker.domain.refusal import Refused
from tracker.extensions import db
from tracker.models import CalendarDay
from tracker.services.commands.calendar import load_calendar

SAMPLE = Path(__file__).resolve().parents[2] / "tracker" / "samples" / "holidays-cn-2020-2022.csv"


def test_two_loads_at_once_keep_each_day_once(app: Flask) -> None:
    """Two admins load the sample at the same moment: one load keeps the 112 days, the other
    is refused as a lost race (the day is unique) rather than failing with a 500, and a
    second try then finds every day already kept."""
    data = SAMPLE.read_bytes()
    outcomes = at_once(app, lambda: load_calendar(data), lambda: load_calendar(data))
    assert [o is None for o in outcomes].count(True) >= 1, outcomes
    assert all(isinstance(o, Refused) for o in outcomes if o is not None), outcomes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 112
    again = load_calendar(data)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 112)
