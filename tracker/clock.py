"""The one place that reads the wall clock, so tests can move time (sign-in windows, dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def district_day(moment: datetime) -> date:
    """The district's calendar day at ``moment``: a day ends at midnight in Qingdao, not UTC."""
    return moment.astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def district_day_end(day: date) -> datetime:
    """The instant ``day`` ends in the district (its next midnight in Qingdao), for comparing
    stored UTC timestamps with a district day: ``created_at < district_day_end(day)``.
    """
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)


def today() -> date:
    """Today in the district's time zone."""
    return district_day(utcnow())
