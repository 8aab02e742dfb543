"""Views (being written)."""

from tracker.assignment import bp  # noqa: F401
