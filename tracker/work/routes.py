"""Views (being written)."""

from tracker.work import bp  # noqa: F401
