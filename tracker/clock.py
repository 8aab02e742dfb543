"""The one place that reads the wall clock, so tests can move time (sign-in windows, dates)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)
